"""Forms of the survey pages, rendered through the NHS.UK crispy pack."""

from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.validators import validate_email

from partnership.forms import DateInputField
from partnership.layout import Field, Fieldset

from ..forms import ActionForm, LevelChoice
from ..models import Framework, validate_period

EMAILS_LIMIT = 20_000


def _date_field(label):
    return DateInputField(
        label=label,
        help_text="The last day on which answers are taken. For example, 31 3 2027",
        error_messages={
            "required": "Enter the closing date",
            "incomplete": "The closing date must include a %(missing)s",
            "invalid": "The closing date must be a real date",
        },
    )


class _RoundFields(forms.Form):
    framework = forms.ModelChoiceField(
        label="Which survey?",
        queryset=Framework.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the survey", "invalid_choice": "Select a survey"},
    )
    title = forms.CharField(
        label="Title",
        help_text="People see this in their invitation, for example “Partnership survey 2026”.",
        max_length=200,
        error_messages={
            "required": "Enter a title",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    period = forms.CharField(
        label="Year",
        help_text="The financial year it covers, for example 2026/27.",
        max_length=7,
        validators=[validate_period],
        error_messages={"required": "Enter the year, like 2026/27"},
    )
    closes_on = _date_field("Closing date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = Framework.objects.filter(survey=True).order_by(
            "title", "-version"
        )
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.layout())

    def layout(self):
        return [
            Field("framework", label_size="m"),
            Field("title", label_size="m"),
            Field("period", label_size="m", css_class="nhsuk-input--width-10"),
            Field("closes_on", label_size="m"),
        ]


def _emails_field(label):
    return forms.CharField(
        label=label,
        help_text="One email address per line.",
        required=False,
        max_length=EMAILS_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "The list is too long: invite at most a few hundred"},
    )


def _emails(text, field_label):
    emails = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
    for email in emails:
        try:
            validate_email(email)
        except forms.ValidationError:
            raise forms.ValidationError(
                f"{field_label}: “{email[:60]}” is not an email address"
            ) from None
    return emails


class OpenRoundForm(_RoundFields):
    """An organisation's lead opens a round and invites people on each side."""

    invite_members = forms.BooleanField(
        label="Invite every member of the organisation in this service, on their own side",
        required=False,
        initial=True,
    )
    management_emails = _emails_field("Also invite on the management side")
    staff_side_emails = _emails_field("Also invite on the staff side")

    def layout(self):
        return [
            *super().layout(),
            Fieldset(
                "Who is invited?",
                Field("invite_members"),
                Field("management_emails", label_size="s"),
                Field("staff_side_emails", label_size="s"),
            ),
        ]

    def clean_management_emails(self):
        return _emails(self.cleaned_data["management_emails"], "Management side")

    def clean_staff_side_emails(self):
        return _emails(self.cleaned_data["staff_side_emails"], "Staff side")

    def clean(self):
        cleaned = super().clean()
        if (
            not self.errors
            and not cleaned.get("invite_members")
            and not cleaned.get("management_emails")
            and not cleaned.get("staff_side_emails")
        ):
            raise forms.ValidationError("Invite at least one person")
        return cleaned


class NetworkRoundForm(_RoundFields):
    """A network lead opens a round in every joined member organisation."""


class AnswerForm(forms.Form):
    """One radio group per statement, on the framework's scale; every statement is required."""

    def __init__(self, *args, criteria, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = {}
        choices = [(str(level.value), LevelChoice(level.label, "")) for level in levels]
        layout = []
        for criterion in criteria:
            name = f"s_{criterion.ref}"
            self.criteria[name] = criterion
            self.fields[name] = forms.TypedChoiceField(
                label=f"{criterion.ref}. {criterion.statement}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Score statement {criterion.ref}",
                    "invalid_choice": f"Score statement {criterion.ref} on the scale",
                },
            )
            layout.append(Field(name, label_size="s", css_class="nhsuk-radios--inline"))
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.layout = Layout(*layout)

    @property
    def scores(self) -> dict:
        return {self.criteria[name].pk: value for name, value in self.cleaned_data.items()}


@dataclass(frozen=True)
class Statement:
    """A survey statement offered for an action, shaped like the action form's responses."""

    pk: str
    criterion: object


class SurveyActionForm(ActionForm):
    """An action from a round's low-scoring statements: the action plan's own form, offering
    the round's statements (lowest first) instead of an assessment's criteria."""

    def __init__(self, *args, rows, lowest, owners, **kwargs):
        lowest_refs = [row.criterion.ref for row in lowest]
        ordered = sorted(rows, key=lambda row: row.criterion.ref not in lowest_refs)
        criteria = [
            (
                Statement(row.criterion.ref, row.criterion),
                f"Among the lowest: {row.overall_text} on average."
                if row.criterion.ref in lowest_refs
                else (f"{row.overall_text} on average." if row.overall_text else ""),
            )
            for row in ordered
        ]
        super().__init__(*args, criteria=criteria, owners=owners, **kwargs)
        self.fields["responses"].label = "Which statements does it address?"
        self.fields["responses"].help_text = "Select all that apply. The lowest are listed first."
        self.fields["responses"].error_messages["required"] = "Select at least one statement"
        if not self.is_bound:
            self.initial.setdefault("responses", lowest_refs[:1])

    @property
    def refs(self):
        return [statement.pk for statement in self.cleaned_data["responses"]]
