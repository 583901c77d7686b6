"""Building blocks for the forms of the partnership machinery: choosing people of an
organisation, text and radio fields whose messages name the field, and a crispy helper for
pages that write their own ``<form>`` and button."""

from crispy_forms.helper import FormHelper
from django import forms

from .models import Membership, User


def organisation_people(organisation, side=None):
    """The organisation's members (on one side, when given), for choosing people in forms."""
    memberships = Membership.objects.filter(organisation=organisation)
    if side:
        memberships = memberships.filter(side=side)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("full_name", "email")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.email})"


def text_field(label, limit, *, required_message, rows=None, help_text=""):
    """A required text box (or area, with ``rows``) whose messages name the field."""
    return forms.CharField(
        label=label,
        max_length=limit,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if rows else None,
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {limit:,} characters or fewer",
        },
    )


def radio_field(label, choices, *, required_message):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": required_message,
            "invalid_choice": "Select one of the options listed",
        },
    )


def without_form_tag(form):
    """Give ``form`` a crispy helper for a page that writes its own ``<form>`` and button."""
    form.helper = FormHelper(form)
    form.helper.form_tag = False
    return form.helper
