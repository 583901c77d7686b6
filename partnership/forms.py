import datetime
import logging
import math

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.views.decorators.debug import sensitive_variables

from . import throttle
from .layout import Button
from .text import one_line
from .widgets import DateInput

logger = logging.getLogger(__name__)


class DateInputField(forms.Field):
    """A date typed into the NHS.UK date input (day, month and year boxes).

    Errors follow the NHS.UK date input pattern and name the boxes at fault (in the
    error's ``params["parts"]``) so the template pack outlines only those boxes in red.
    """

    widget = DateInput
    default_error_messages = {
        "required": "Enter a date",
        "incomplete": "Date must include a %(missing)s",
        "invalid": "Date must be a real date",
        "year": "Year must include 4 numbers",
    }

    def to_python(self, value):
        if isinstance(value, datetime.date):
            return value
        if value in self.empty_values:
            return None
        names = [name for name, _, _ in DateInput.parts]
        values = dict(zip(names, ("" if v is None else str(v).strip() for v in value), strict=True))
        if not any(values.values()):
            return None
        missing = [name for name in names if not values[name]]
        if missing:
            raise ValidationError(
                self.error_messages["incomplete"],
                code="incomplete",
                params={"missing": " and ".join(missing), "parts": missing},
            )
        not_numbers = [name for name in names if not values[name].isdigit()]
        if not_numbers:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"parts": not_numbers}
            )
        if len(values["year"]) != 4:
            raise ValidationError(
                self.error_messages["year"], code="year", params={"parts": ["year"]}
            )
        try:
            return datetime.date(int(values["year"]), int(values["month"]), int(values["day"]))
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"parts": names}
            ) from None


def email_field():
    return forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )


def _throttled(form, window_seconds):
    """The error for an attempt the throttle refused; the view answers 429 for it."""
    form.throttled = True
    return ValidationError(
        form.throttled_message,
        code="throttled",
        params={"minutes": math.ceil(window_seconds / 60)},
    )


def _helper(*fields, submit):
    helper = FormHelper()
    helper.layout = Layout(*fields, Button(submit))
    return helper


class ThrottledSignIn:
    """Sign-in form behaviour shared by our sign-in page and the Django admin's: attempts go
    through ``partnership.throttle``, and while the address is locked for this client the
    password is not checked at all. Mixed in before a Django ``AuthenticationForm``."""

    throttled_message = (
        "Too many failed sign-in attempts. Wait %(minutes)s minutes and try again, "
        "or reset your password."
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.throttled = False

    @sensitive_variables("password")
    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        client_ip = throttle.client_ip(self.request)
        try:
            attempt = throttle.start_sign_in(email, client_ip)
        except throttle.Locked:
            raise _throttled(self, settings.LOGIN_FAILURE_WINDOW_SECONDS) from None
        try:
            super().clean()
        except ValidationError as error:
            # A right password refused for another reason (a closed account, or no admin
            # rights on the admin's sign-in) is not a guess.
            if error.code == "invalid_login" and self.get_user() is None:
                throttle.sign_in_failed(attempt, email, client_ip)
            else:
                throttle.forget(attempt)
            raise
        throttle.clear(email)
        return self.cleaned_data


class SignInForm(ThrottledSignIn, AuthenticationForm):
    """Django's sign-in form (fields ``username`` and ``password``), labelled for email."""

    username = email_field()

    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account has been closed. Ask your HR lead or staff-side lead for help.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = _helper("username", "password", submit="Sign in")


class AdminSignInForm(ThrottledSignIn, AdminAuthenticationForm):
    """The Django admin's sign-in form, throttled like ours (``admin.site.login_form``)."""


class ChangePasswordForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not correct",
        "password_mismatch": "The new passwords do not match",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        _label_new_password_fields(self)
        self.helper = _helper(
            "old_password", "new_password1", "new_password2", submit="Change password"
        )


class ResetPasswordForm(PasswordResetForm):
    """Django's reset form, rate-limited per email address and per client address, and doing
    the same work whether or not the address has an account: without one, the message is made
    for a stand-in user (token and all) and then dropped. Messages are sent by
    ``send_outgoing``, which the view runs once its answer has gone."""

    email = email_field()
    throttled_message = (
        "Too many password reset requests. Wait %(minutes)s minutes and try again, "
        "or ask your HR lead for help."
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.throttled = False
        self.stand_in = None
        self.outgoing = []
        self.helper = _helper("email", submit="Send reset link")

    def clean(self):
        email = self.cleaned_data.get("email")
        if email:
            try:
                throttle.count_reset_request(email, throttle.client_ip(self.request))
            except throttle.Locked:
                raise _throttled(self, settings.PASSWORD_RESET_WINDOW_SECONDS) from None
        return self.cleaned_data

    def get_users(self, email):
        users = list(super().get_users(email))
        if users:
            return users
        self.stand_in = get_user_model()(email=email)
        return [self.stand_in]

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Renders the message as Django does, and keeps it (unless for the stand-in)."""
        subject = one_line(loader.render_to_string(subject_template_name, context))
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        if context["user"] is not self.stand_in:
            self.outgoing.append(message)

    def send_outgoing(self):
        for message in self.outgoing:
            try:
                message.send()
            except Exception:  # the person asking has had their answer already
                logger.exception("Could not send a password reset email")
        self.outgoing = []


class NewPasswordForm(SetPasswordForm):
    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": "The new passwords do not match",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        _label_new_password_fields(self)
        self.helper = _helper("new_password1", "new_password2", submit="Set new password")


def _label_new_password_fields(form):
    form.fields["new_password1"].label = "New password"
    form.fields["new_password1"].error_messages["required"] = "Enter a new password"
    form.fields["new_password2"].label = "Confirm new password"
    form.fields["new_password2"].error_messages["required"] = "Enter the new password again"
    for name in ("new_password1", "new_password2"):
        form.fields[name].widget.attrs.pop("autofocus", None)


# --- Networks -------------------------------------------------------------------------------


class AcceptInvitationForm(forms.Form):
    """One lead's consent to join a network at a sharing level. ``seen`` carries the digest of
    what the page showed for each level (``sharing:digest`` pairs), checked when signing."""

    sharing = forms.ChoiceField(
        label="What your organisation will share with the network",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what your organisation will share"},
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sharing"].choices = choices
        self.helper = _helper("sharing", "seen", submit="Sign and accept")


class InviteForm(forms.Form):
    ods_code = forms.CharField(
        label="ODS code of the organisation to invite",
        max_length=10,
        error_messages={"required": "Enter the organisation's ODS code"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("ods_code", submit="Invite the organisation")

    def clean_ods_code(self):
        from .models import Organisation

        code = self.cleaned_data["ods_code"].strip().upper()
        organisation = Organisation.objects.filter(ods_code=code).first()
        if organisation is None:
            raise ValidationError("There is no organisation with that ODS code")
        self.organisation = organisation
        return code
