"""Forms for the checklist: starting an assessment and answering one criterion."""

import datetime
import functools
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils import timezone

from partnership.forms import DateInputField
from partnership.layout import Button, Field, Fieldset
from partnership.models import Membership, Organisation

from .models import Action, Response, Signature, validate_period
from .services import RESPONSE_FIELDS

NARRATIVE_LIMIT = 20_000
REASON_LIMIT = 5_000
# The largest value the database's version column holds everywhere (PostgreSQL integer).
MAX_VERSION = 2**31 - 1

NULL_CHARACTERS = "Remove the null characters from the text"
OUT_OF_DATE = "This page is out of date. Copy anything you have typed, then reload the page"


def _text(label, limit, *, limit_message, help_text="", rows=5):
    # max_length drives validation only: the template pack leaves the maxlength attribute off,
    # so a long paste is never cut short without a message.
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "max_length": limit_message,
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )


def current_period(today: datetime.date | None = None) -> str:
    """The financial year (April to March) that ``today`` falls in, such as 2026/27."""
    today = today or timezone.localdate()
    start = today.year if today.month >= 4 else today.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


class StartAssessmentForm(forms.Form):
    """Start an assessment.

    ``organisations`` are the ones the user may start one for (already authorised);
    ``frameworks`` is a queryset of every framework they may read.
    """

    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the organisation",
            "invalid_choice": "Select one of your organisations",
        },
    )
    framework = forms.ModelChoiceField(
        label="Framework",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="The framework version to assess against.",
        error_messages={
            "required": "Select a framework",
            "invalid_choice": "Select one of the frameworks listed",
        },
    )
    period = forms.CharField(
        label="Period",
        help_text="The financial year, like 2026/27.",
        max_length=7,
        validators=[validate_period],
        error_messages={
            "required": "Enter the period, like 2026/27",
            "max_length": "Enter the period as a financial year, like 2026/27",
            "null_characters_not_allowed": "Enter the period as a financial year, like 2026/27",
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        required=False,
        max_length=200,
        help_text="Leave this blank to use the framework's title and the period.",
        error_messages={
            "max_length": "Title must be 200 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )

    def __init__(self, *args, organisations, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = list(organisations)
        # With one organisation there is nothing to choose (and nothing to forge).
        self.only_organisation = organisations[0] if len(organisations) == 1 else None
        if self.only_organisation:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk__in=[org.pk for org in organisations]
            ).order_by("name")
        # Frameworks that apply in the organisations' countries; all of them if none do.
        countries = {org.country for org in organisations}
        available = self.available_frameworks = list(frameworks)
        choices = [f for f in available if countries.intersection(f.countries)] or available
        framework_field = self.fields["framework"]
        framework_field.queryset = frameworks.filter(pk__in=[f.pk for f in choices]).order_by(
            "title", "version"
        )
        framework_field.label_from_instance = str
        if len(choices) == 1:
            framework_field.initial = choices[0].pk
        self.fields["period"].initial = current_period()
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *([] if self.only_organisation else [Field("organisation", label_size="m")]),
            Field("framework", label_size="m"),
            Field("period", label_size="m", css_class="nhsuk-input--width-10"),
            Field("title", label_size="m"),
        )

    def clean(self):
        cleaned = super().clean()
        if self.only_organisation:
            cleaned["organisation"] = self.only_organisation
        organisation, framework = cleaned.get("organisation"), cleaned.get("framework")
        applies_somewhere = organisation and any(
            organisation.country in f.countries for f in self.available_frameworks
        )
        if applies_somewhere and framework and organisation.country not in framework.countries:
            self.add_error(
                "framework",
                f"Select a framework that applies in {organisation.get_country_display()}",
            )
        if framework and cleaned.get("period") and not cleaned.get("title"):
            cleaned["title"] = f"{framework.title} {cleaned['period']}"
        return cleaned


@dataclass(frozen=True)
class LevelChoice:
    """A rating's label that carries its description, shown as the radio's hint."""

    label: str
    hint: str

    def __str__(self):
        return self.label


class ResponseForm(forms.Form):
    """The management side's answer to one criterion.

    A blank answer is allowed: it saves a draft and the criterion stays "to review".
    """

    rating = forms.TypedChoiceField(
        label="How far is this in place?",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select a rating from the scale"},
    )
    not_applicable = forms.BooleanField(
        label="This criterion does not apply to our organisation",
        required=False,
    )
    not_applicable_reason = _text(
        "Why does it not apply?",
        REASON_LIMIT,
        limit_message="Why it does not apply must be 5,000 characters or fewer",
        help_text="Needed if it does not apply.",
        rows=3,
    )
    narrative = _text(
        "Evidence narrative",
        NARRATIVE_LIMIT,
        limit_message="Evidence narrative must be 20,000 characters or fewer",
        help_text="What is in place, who it covers and where the evidence is.",
        rows=8,
    )
    barrier = forms.ChoiceField(
        label="What is the main reason it is not in place?",
        required=False,
        choices=Response.Barrier.choices,
        widget=forms.RadioSelect,
        help_text="Needed for any rating below the level that counts as met.",
        error_messages={"invalid_choice": "Select the main reason it is not in place"},
    )
    barrier_detail = _text(
        "Why is it not in place?",
        REASON_LIMIT,
        limit_message="Why it is not in place must be 5,000 characters or fewer",
        help_text="Needed if the main reason is Other.",
        rows=4,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)

    def __init__(self, *args, response, levels, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "rating": response.rating,
                "not_applicable": response.not_applicable,
                "not_applicable_reason": response.not_applicable_reason,
                "narrative": response.narrative,
                "barrier": response.barrier,
                "barrier_detail": response.barrier_detail,
                "version": response.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.response = response
        self.met_value = response.assessment.framework.met_value
        self.fields["rating"].choices = [
            (level.value, LevelChoice(level.label, level.description)) for level in levels
        ]

    @functools.cached_property
    def helper(self):
        # Built when the form is shown, not for every autosave that only validates it.
        helper = FormHelper(self)
        helper.form_tag = False
        helper.layout = Layout(
            Field(
                "rating",
                label_size="m",
                template="assessments/checklist/_rating_field.html",
            ),
            Fieldset(
                "If it does not apply",
                "not_applicable",
                "not_applicable_reason",
                legend_size="s",
            ),
            Field("narrative", label_size="m"),
            Fieldset(
                "If it is not met",
                Field("barrier", label_size="s"),
                Field("barrier_detail", label_size="s"),
                legend_size="m",
            ),
            "version",
        )
        return helper

    def clean(self):
        cleaned = super().clean()
        if self.has_error("version"):
            # A hidden field nobody can correct: say what to do instead.
            del self.errors["version"]
            self.add_error(None, OUT_OF_DATE)
        rating = cleaned.get("rating")
        not_applicable = cleaned.get("not_applicable")
        if not_applicable and rating is not None:
            self.add_error("rating", "Choose a rating or mark it not applicable, not both")
        if not_applicable and not cleaned.get("not_applicable_reason"):
            self.add_error("not_applicable_reason", "Explain why this criterion does not apply")
        below_met = rating is not None and rating < self.met_value
        if below_met and not not_applicable and not cleaned.get("barrier"):
            self.add_error("barrier", "Select the main reason it is not in place")
        if cleaned.get("barrier") == Response.Barrier.OTHER and not cleaned.get("barrier_detail"):
            self.add_error("barrier_detail", "Explain why it is not in place")
        return cleaned

    def response_data(self) -> dict:
        """The cleaned values for services.save_response."""
        return {field: self.cleaned_data[field] for field in RESPONSE_FIELDS}

    def first_error(self) -> str:
        for errors in (self.non_field_errors(), *(self[name].errors for name in self.fields)):
            if errors:
                return errors[0]
        return ""


# --- Joint recording: the staff side's rating and signature, and comments between the sides --

COMMENT_LIMIT = 5_000


def _level_choices(levels):
    return [(level.value, LevelChoice(level.label, level.description)) for level in levels]


def _staff_rating_field(*, label, required, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        required=required,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the staff side's rating",
            "invalid_choice": "Select a rating from the scale",
        },
    )


def _comment_field(label, *, required, help_text=""):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter a comment",
            "max_length": "Comment must be 5,000 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )


class SeenForm(forms.Form):
    """What a signing page showed: the digest of what the signer saw (``seen``) and, for a
    criterion, the answer's version. Every signing form carries both as hidden fields; the
    service refuses a signature over anything else ("this changed since you opened it")."""

    seen = forms.RegexField(
        regex=r"^[0-9a-f]{64}$",
        widget=forms.HiddenInput,
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE},
    )
    version = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"invalid": OUT_OF_DATE, "min_value": OUT_OF_DATE},
    )

    def clean(self):
        cleaned = super().clean()
        # Hidden fields nobody can correct: say what to do instead, once.
        hidden = [name for name in ("seen", "version") if name in self.errors]
        for name in hidden:
            del self.errors[name]
        if hidden:
            self.add_error(None, OUT_OF_DATE)
        return cleaned


def _joint_helper(form, *layout):
    helper = FormHelper(form)
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*layout)
    return helper


class StaffRatingForm(forms.Form):
    """The staff side's own rating of one criterion, recorded without signing."""

    prefix = "rating"

    staff_rating = _staff_rating_field(label="The staff side's rating", required=True)

    def __init__(self, *args, response, levels, **kwargs):
        kwargs.setdefault("initial", {"staff_rating": response.staff_rating})
        super().__init__(*args, **kwargs)
        self.fields["staff_rating"].choices = _level_choices(levels)
        self.helper = _joint_helper(
            self,
            Field(
                "staff_rating", label_size="s", template="assessments/checklist/_rating_field.html"
            ),
            Button("Save the staff side's rating", variant="secondary"),
        )


class StaffSignForm(SeenForm):
    """The staff side's signature on what management submitted, with its own rating."""

    prefix = "sign"
    DECISIONS = [
        (Signature.Decision.AGREED, "Agree"),
        (Signature.Decision.AGREED_WITH_RESERVATIONS, "Agree with reservations"),
        (Signature.Decision.DISAGREED, "Disagree"),
    ]

    staff_rating = _staff_rating_field(
        label="The staff side's rating (optional)",
        required=False,
        help_text="How far the staff side thinks this is in place.",
    )
    decision = forms.ChoiceField(
        label="Does the staff side agree with the management side's answer?",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the staff side agrees",
            "invalid_choice": "Select whether the staff side agrees",
        },
    )
    comment = _comment_field(
        "Comment",
        required=False,
        help_text="Required if you have reservations or disagree. Both sides will see it.",
    )

    def __init__(self, *args, response, levels, seen=None, **kwargs):
        kwargs.setdefault(
            "initial",
            {"staff_rating": response.staff_rating, "seen": seen, "version": response.version},
        )
        super().__init__(*args, **kwargs)
        self.fields["staff_rating"].choices = _level_choices(levels)
        self.helper = _joint_helper(
            self,
            Field(
                "staff_rating", label_size="s", template="assessments/checklist/_rating_field.html"
            ),
            Field("decision", label_size="s"),
            Field("comment", label_size="s"),
            Field("seen"),
            Field("version"),
            Button("Sign for the staff side"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in Signature.NEEDS_COMMENT and not cleaned.get("comment"):
            self.add_error("comment", "Explain the staff side's reservations or disagreement")
        return cleaned


class CommentForm(forms.Form):
    """A comment in the thread between the two sides about one criterion."""

    prefix = "comment"

    body = _comment_field(
        "Add a comment",
        required=True,
        help_text="Both sides can read it. It stays in the criterion's history.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _joint_helper(
            self, Field("body", label_size="s"), Button("Add comment", variant="secondary")
        )


# --- The joint sign-off and reopening ---------------------------------------------------------

STATEMENT_LIMIT = 10_000
SIDE_STATEMENT_LABELS = {
    Membership.Side.MANAGEMENT: "Management's statement (optional)",
    Membership.Side.STAFF_SIDE: "The staff side's statement (optional)",
}


def _one_kind_of_newline(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; a hidden field's may come back either
    # way. The second lead must be able to sign exactly the words the first one signed.
    return text.replace("\r\n", "\n").replace("\r", "\n")


class SignOffForm(SeenForm):
    """A lead signs the joint statement for their side, and may add their side's own statement.

    ``sides`` are the sides the user leads. Someone who leads both must choose one: the
    service refuses a second signature from the same person. ``agreed_statement`` is the joint
    statement the other lead has signed: it travels in a hidden field and the page shows it
    read-only, so that both leads sign the same words (the service checks they are equal).
    """

    side = forms.ChoiceField(
        label="Which side are you signing for?",
        widget=forms.RadioSelect,
        help_text="You lead both sides. You can sign for one of them: the other side's lead "
        "signs for the other.",
        error_messages={
            "required": "Select the side you are signing for",
            "invalid_choice": "Select a side you lead",
        },
    )
    joint_statement = forms.CharField(
        label="Joint statement",
        help_text="What both sides agree about this self-assessment. The other side's lead "
        "signs exactly the same words.",
        max_length=STATEMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Enter the joint statement",
            "max_length": "The joint statement must be 10,000 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )
    side_statement = forms.CharField(
        label="Your side's own statement (optional)",
        help_text="Anything your side wants on the record in its own words.",
        required=False,
        max_length=STATEMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": "Your side's statement must be 10,000 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )

    def __init__(self, *args, sides, agreed_statement=None, seen=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen"].initial = seen
        sides = list(sides)
        self.agreed_statement = agreed_statement
        self.fixed_side = sides[0] if len(sides) == 1 else None
        if self.fixed_side:
            del self.fields["side"]
            self.fields["side_statement"].label = SIDE_STATEMENT_LABELS[self.fixed_side]
        else:
            self.fields["side"].choices = [(side, Membership.Side(side).label) for side in sides]
        if agreed_statement is not None:
            self.fields["joint_statement"].widget = forms.HiddenInput()
            self.fields["joint_statement"].initial = agreed_statement
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *([] if self.fixed_side else [Field("side", label_size="m")]),
            Field("joint_statement", label_size="m"),
            Field("side_statement", label_size="m"),
            Field("seen"),
        )

    def clean_joint_statement(self):
        return _one_kind_of_newline(self.cleaned_data["joint_statement"])

    def clean_side_statement(self):
        return _one_kind_of_newline(self.cleaned_data["side_statement"])

    def clean(self):
        cleaned = super().clean()
        if self.agreed_statement is not None and self.has_error("joint_statement"):
            # A hidden field nobody can correct: say what to do instead.
            del self.errors["joint_statement"]
            self.add_error(None, OUT_OF_DATE)
        return cleaned

    @property
    def signing_side(self):
        return self.fixed_side or self.cleaned_data.get("side")


class ReopenForm(forms.Form):
    """A lead asks to reopen a signed-off assessment; the other side's lead must agree."""

    reason = forms.CharField(
        label="Why does it need to be reopened?",
        help_text="The other side's lead sees this when they are asked to agree. It stays in "
        "the assessment's history.",
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Say why the assessment needs to be reopened",
            "max_length": "The reason must be 5,000 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("reason", label_size="s"))


# --- Joint action plans -----------------------------------------------------------------------

ACTION_LIMIT = 5_000
ACTION_UPDATE_LIMIT = 5_000


def _people_choices(people, blank):
    return [("", blank), *((str(person.pk), person.get_full_name()) for person in people)]


class ActionForm(forms.Form):
    """An action in the joint action plan.

    ``criteria`` are (response, hint) pairs in the order to offer them (gaps first), each
    response with its criterion loaded; ``owners`` maps each side to the people its owner is
    chosen from (assessments.actions.possible_owners). The service checks both again.
    """

    description = forms.CharField(
        label="What will be done?",
        help_text="Say what will change, and how both sides will know it has.",
        max_length=ACTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Describe the action",
            "max_length": "The action must be 5,000 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )
    responses = forms.MultipleChoiceField(
        label="Which criteria does it address?",
        help_text="Select all that apply. Gaps are listed first.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one criterion the action addresses",
            "invalid_choice": "Select criteria of this self-assessment",
        },
    )
    management_owner = forms.ChoiceField(
        label="Management owner",
        help_text="A management lead or contributor who will see it done.",
        error_messages={
            "required": "Select the management owner",
            "invalid_choice": "Select a management lead or contributor of this organisation",
        },
    )
    staff_owner = forms.ChoiceField(
        label="Staff-side owner",
        help_text="A staff-side lead or contributor who will follow it up with management.",
        error_messages={
            "required": "Select the staff-side owner",
            "invalid_choice": "Select a staff-side lead or contributor of this organisation",
        },
    )
    target_date = DateInputField(
        label="Target date",
        help_text="For example, 31 3 2027",
        error_messages={
            "required": "Enter the target date",
            "incomplete": "Target date must include a %(missing)s",
            "invalid": "Target date must be a real date",
        },
    )

    def __init__(self, *args, criteria, owners, **kwargs):
        super().__init__(*args, **kwargs)
        criteria = list(criteria)
        self.responses_by_id = {str(response.pk): response for response, _hint in criteria}
        self.fields["responses"].choices = [
            (
                str(response.pk),
                LevelChoice(
                    f"{response.criterion.ref} {_shorten(response.criterion.statement)}", hint
                ),
            )
            for response, hint in criteria
        ]
        self.people = {}
        for name, side, blank in (
            ("management_owner", Membership.Side.MANAGEMENT, "Select the management owner"),
            ("staff_owner", Membership.Side.STAFF_SIDE, "Select the staff-side owner"),
        ):
            people = owners.get(side, [])
            self.people[name] = {str(person.pk): person for person in people}
            self.fields[name].choices = _people_choices(people, blank)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("description", label_size="m"),
            Field(
                "responses",
                label_size="m",
                template="assessments/actions/_criteria_field.html",
            ),
            Field("management_owner", label_size="m"),
            Field("staff_owner", label_size="m"),
            Field("target_date", label_size="m"),
        )

    @staticmethod
    def initial_for(action) -> dict:
        return {
            "description": action.description,
            "responses": [str(response.pk) for response in action.criteria_list],
            "management_owner": str(action.management_owner_id),
            "staff_owner": str(action.staff_owner_id),
            "target_date": action.target_date,
        }

    def clean_description(self):
        return _one_kind_of_newline(self.cleaned_data["description"])

    def clean_responses(self):
        return [self.responses_by_id[pk] for pk in self.cleaned_data["responses"]]

    def clean_management_owner(self):
        return self.people["management_owner"][self.cleaned_data["management_owner"]]

    def clean_staff_owner(self):
        return self.people["staff_owner"][self.cleaned_data["staff_owner"]]


def _shorten(text, limit=120):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ActionUpdateForm(forms.Form):
    """A dated entry in an action's progress log, which may move its status on."""

    prefix = "update"

    text = forms.CharField(
        label="What progress has been made?",
        help_text="Both sides can read it. It stays in the action's progress log.",
        max_length=ACTION_UPDATE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Describe the progress made",
            "max_length": "The update must be 5,000 characters or fewer",
            "null_characters_not_allowed": NULL_CHARACTERS,
        },
    )
    status = forms.ChoiceField(
        label="What is the action's status now?",
        choices=Action.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the action's status",
            "invalid_choice": "Select the action's status",
        },
    )

    def __init__(self, *args, action, **kwargs):
        kwargs.setdefault("initial", {"status": action.status})
        super().__init__(*args, **kwargs)
        self.helper = _joint_helper(
            self,
            Field("text", label_size="s"),
            Field("status", label_size="s"),
            Button("Post update"),
        )

    def clean_text(self):
        return _one_kind_of_newline(self.cleaned_data["text"])


class ActionFilterForm(forms.Form):
    """Filters for an organisation's actions, sent as GET parameters so the list works
    without JavaScript and a filtered list can be bookmarked."""

    ANY = ""
    OPEN = "open"
    OVERDUE = "overdue"

    owner = forms.ChoiceField(
        label="Owner",
        required=False,
        help_text="On either side.",
        error_messages={"invalid_choice": "Select an owner from the list"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            (ANY, "Any status"),
            (OPEN, "Open (not done)"),
            (OVERDUE, "Overdue"),
            *Action.Status.choices,
        ],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    standard = forms.ChoiceField(
        label="Standard",
        required=False,
        error_messages={"invalid_choice": "Select a standard from the list"},
    )

    def __init__(self, *args, people, standards, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.fields["owner"].choices = _people_choices(people, "Anyone")
        self.fields["standard"].choices = [
            ("", "Any standard"),
            *((ref, f"{ref}: {title}") for ref, title in standards),
        ]
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("owner", label_size="s"),
            Field("status", label_size="s"),
            Field("standard", label_size="s"),
            Button("Apply filters", variant="secondary"),
        )

    def clean_owner(self):
        return self.people.get(self.cleaned_data["owner"])

    @property
    def is_filtered(self):
        return self.is_bound and any(self.data.get(name) for name in self.fields)
