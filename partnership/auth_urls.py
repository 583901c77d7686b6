"""Sign-in, sign-out, password change and reset: the only pages open without signing in."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import throttle
from .forms import ChangePasswordForm, NewPasswordForm, ResetPasswordForm, SignInForm


class AnswersTooManyRequests:
    """Answers 429 Too Many Requests when the form's throttle refused the attempt."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response


class SignInView(AnswersTooManyRequests, auth_views.LoginView):
    """Django's sign-in page, answering 429 while the sign-in throttle refuses attempts."""

    authentication_form = SignInForm
    redirect_authenticated_user = True


class ResetPasswordView(AnswersTooManyRequests, auth_views.PasswordResetView):
    """Django's reset page, answering 429 when the reset rate limit refuses the request, and
    sending the email only once the answer has gone: the time the answer takes is the same
    whether or not the address has an account."""

    form_class = ResetPasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Run by the web server when it closes the response, after the client has it.
        response._resource_closers.append(form.send_outgoing)
        return response


class SetNewPasswordView(auth_views.PasswordResetConfirmView):
    """Setting a new password from a reset link also lifts any sign-in lock on the address."""

    form_class = NewPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.clear(form.user.email)
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
        login_not_required(ResetPasswordView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        login_not_required(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        login_not_required(SetNewPasswordView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        login_not_required(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
