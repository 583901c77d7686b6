"""Forms for case studies: writing one, approving, withdrawing, and the library's filters."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from partnership.forms import DateInputField
from partnership.layout import Button, Field, Fieldset
from partnership.models import Organisation

from ..forms import NULL_CHARACTERS, LevelChoice, _one_kind_of_newline, _shorten
from .models import CaseStudy
from .services import SIDE_NAMES, TEXT_FIELDS

TEXT_LIMIT = 10_000


def _text(label, required_message, *, help_text="", rows=5, required=True, limit=TEXT_LIMIT):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {limit:,} characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )


class CaseStudyForm(forms.Form):
    """Writing or changing a case study. ``criteria`` are the other criteria of the source
    criterion's framework it may also address; the scores are never a field."""

    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="Say what changed, for example: Flexible rostering agreed with the staff side",
        error_messages={
            "required": "Enter a title",
            "max_length": "Title must be 200 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )
    summary = _text("Summary", "Enter a summary", help_text="Two or three sentences.", rows=3)
    what_was_done = _text("What was done", "Say what was done")
    impact = _text(
        "The impact",
        "Describe the impact",
        help_text="With figures where you have them, for example sickness absence before and after.",
    )
    joint_working = _text(
        "How the two sides worked together", "Say how the two sides worked together"
    )
    differently = _text(
        "What you would do differently", "", required=False, help_text="Optional.", rows=3
    )
    contact = forms.CharField(
        label="Contact (optional)",
        required=False,
        max_length=300,
        help_text="Who others may ask about it, on either side. Not shown when published anonymously.",
        error_messages={"max_length": "Contact must be 300 characters or fewer"},
    )
    criteria = forms.MultipleChoiceField(
        label="Other criteria it addresses (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select criteria of this framework"},
    )
    audience = forms.ChoiceField(
        label="Who can read it once both leads approve?",
        choices=CaseStudy.Audience.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who can read it",
            "invalid_choice": "Select who can read it",
        },
    )
    anonymous = forms.TypedChoiceField(
        label="Publish it anonymously?",
        choices=[("no", "No, show our organisation's name"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=(
            "Readers outside your organisation then see only the kind of organisation and "
            "the country, with no name, code, contact or attachments. Keep names out of the text."
        ),
        error_messages={"required": "Select whether to publish it anonymously"},
    )
    review_date = DateInputField(
        label="Review date",
        help_text="After this date it shows as due for review. For example, 31 3 2028",
        error_messages={
            "required": "Enter the review date",
            "incomplete": "Review date must include a %(missing)s",
            "invalid": "Review date must be a real date",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria_by_id = {str(c.pk): c for c in criteria}
        self.fields["criteria"].choices = [
            (str(c.pk), LevelChoice(f"{c.ref} {_shorten(c.statement)}", c.standard.title))
            for c in criteria
        ]
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        criteria_field = [Field("criteria", label_size="m")] if self.criteria_by_id else []
        self.helper.layout = Layout(
            Field("title", label_size="m"),
            *(Field(name, label_size="m") for name in TEXT_FIELDS[1:]),
            *criteria_field,
            Fieldset(
                "Publication",
                Field("audience", label_size="s"),
                Field("anonymous", label_size="s", css_class="nhsuk-radios--inline"),
                Field("review_date", label_size="s"),
                legend_size="m",
            ),
            "version",
        )

    @staticmethod
    def initial_for(case_study) -> dict:
        return {
            **{name: getattr(case_study, name) for name in TEXT_FIELDS},
            "criteria": [
                str(pk)
                for pk in case_study.criteria.values_list("pk", flat=True)
                if pk != case_study.criterion_id
            ],
            "audience": case_study.audience,
            "anonymous": "yes" if case_study.anonymous else "no",
            "review_date": case_study.review_date,
            "version": case_study.version,
        }

    def clean(self):
        data = super().clean()
        for name in TEXT_FIELDS:
            if isinstance(data.get(name), str):
                data[name] = _one_kind_of_newline(data[name]).strip()
        return data

    def clean_criteria(self):
        return [self.criteria_by_id[pk] for pk in self.cleaned_data["criteria"]]

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ApproveForm(forms.Form):
    side = forms.ChoiceField(choices=list(SIDE_NAMES.items()))
    seen = forms.CharField(max_length=64, min_length=64)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing it? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The reason must be 1,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("reason", label_size="s"), Button("Withdraw it now", variant="warning")
        )


class LibraryFilterForm(forms.Form):
    """The library's search and filters, as GET parameters so a filtered list (and its PDF)
    can be bookmarked."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        error_messages={
            "max_length": "Search for 200 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )
    standard = forms.ChoiceField(
        label="Framework area",
        required=False,
        error_messages={"invalid_choice": "Select a framework area from the list"},
    )
    criterion = forms.ChoiceField(
        label="Criterion",
        required=False,
        error_messages={"invalid_choice": "Select a criterion from the list"},
    )
    country = forms.ChoiceField(
        label="Country",
        required=False,
        choices=[("", "Any country"), *Organisation.Country.choices],
        error_messages={"invalid_choice": "Select a country from the list"},
    )
    sector = forms.ChoiceField(
        label="Sector",
        required=False,
        choices=[("", "Any sector"), *Organisation.Sector.choices],
        error_messages={"invalid_choice": "Select a sector from the list"},
    )
    year = forms.TypedChoiceField(
        label="Year published",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Select a year from the list"},
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.standards = {str(s.pk): s for s in choices["standards"]}
        self.criteria = {str(c.pk): c for c in choices["criteria"]}
        self.fields["standard"].choices = [
            ("", "Any framework area"),
            *((pk, f"{s.framework.title}: {s.ref} {s.title}") for pk, s in self.standards.items()),
        ]
        self.fields["criterion"].choices = [
            ("", "Any criterion"),
            *(
                (pk, f"{c.framework.title}: {c.ref} {_shorten(c.statement)}")
                for pk, c in self.criteria.items()
            ),
        ]
        self.fields["year"].choices = [("", "Any year"), *((y, str(y)) for y in choices["years"])]
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("q", label_size="s"),
            Field("standard", label_size="s"),
            Field("criterion", label_size="s"),
            Field("country", label_size="s"),
            Field("sector", label_size="s"),
            Field("year", label_size="s"),
            Button("Search", variant="secondary"),
        )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "standard": self.standards.get(data["standard"]),
            "criterion": self.criteria.get(data["criterion"]),
            "country": data["country"],
            "sector": data["sector"],
            "year": data["year"],
        }
