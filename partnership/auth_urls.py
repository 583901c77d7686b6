"""Sign-in, sign-out, password change and reset: the only pages open without signing in."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from .forms import ChangePasswordForm, NewPasswordForm, ResetPasswordForm, SignInForm


class SignInView(auth_views.LoginView):
    """Django's sign-in page, answering 429 while the sign-in throttle refuses attempts."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response


urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(form_class=ChangePasswordForm),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        login_not_required(auth_views.PasswordResetView.as_view(form_class=ResetPasswordForm)),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        login_not_required(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        login_not_required(auth_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm)),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        login_not_required(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
