"""Forms of the forums. Choices of people are limited to the organisation's members."""

import datetime

from django import forms
from django.utils import timezone

from ..form_fields import (
    PersonChoiceField,
    organisation_people,
    radio_field,
    text_field,
    without_form_tag,
)
from ..forms import DateInputField
from . import links, papers
from .models import Attendance, Forum, ForumAction, Side

TEXT_LIMIT = 20_000


def _count(label, message, *, minimum=0, maximum=52, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        help_text=help_text,
        error_messages={
            "required": message,
            "invalid": f"{label} must be a whole number",
            "min_value": f"{label} must be {minimum} or more",
            "max_value": f"{label} must be {maximum} or fewer",
        },
    )


class ForumForm(forms.Form):
    name = text_field("Name", 200, required_message="Enter the forum's name")
    kind = radio_field(
        "Kind of forum", Forum.Kind.choices, required_message="Select the kind of forum"
    )
    meetings_per_year = _count(
        "Meetings a year",
        "Enter how many meetings a year the constitution plans",
        minimum=1,
        help_text="As the constitution plans them, for example 6.",
    )
    management_quorum = _count("Management quorum", "Enter the management side's quorum")
    staff_side_quorum = _count("Staff-side quorum", "Enter the staff side's quorum")
    management_chair = PersonChoiceField(
        label="Management joint chair", queryset=None, required=False
    )
    staff_side_chair = PersonChoiceField(
        label="Staff-side joint chair", queryset=None, required=False
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["management_chair"].queryset = organisation_people(
            organisation, Side.MANAGEMENT
        )
        self.fields["staff_side_chair"].queryset = organisation_people(
            organisation, Side.STAFF_SIDE
        )
        for name in ("management_chair", "staff_side_chair"):
            self.fields[name].error_messages["invalid_choice"] = "Select somebody from that side"
        without_form_tag(self)


class MemberForm(forms.Form):
    user = PersonChoiceField(
        label="Person",
        queryset=None,
        error_messages={
            "required": "Select the person",
            "invalid_choice": "Select somebody of this organisation",
        },
    )
    side = radio_field("Side", Side.choices, required_message="Select the side they sit on")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = organisation_people(organisation)
        without_form_tag(self)


TIME_FORMATS = ("%H:%M", "%H.%M")


class MeetingForm(forms.Form):
    date = DateInputField(
        label="Date",
        help_text="For example, 15 3 2026",
        error_messages={"required": "Enter the date of the meeting"},
    )
    time = forms.TimeField(
        label="Start time",
        input_formats=TIME_FORMATS,
        help_text="24-hour clock, for example 14:00",
        error_messages={
            "required": "Enter the start time",
            "invalid": "Enter the start time like 14:00",
        },
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        initial=120,
        min_value=15,
        max_value=720,
        error_messages={
            "required": "Enter how long the meeting is in minutes",
            "invalid": "Length must be a whole number of minutes",
            "min_value": "Length must be 15 minutes or more",
            "max_value": "Length must be 720 minutes or fewer",
        },
    )
    place = text_field(
        "Place",
        200,
        required_message="Enter where the meeting is",
        help_text="A room, or how to join online.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_form_tag(self)

    def starts_at(self):
        data = self.cleaned_data
        naive = datetime.datetime.combine(data["date"], data["time"])
        return timezone.make_aware(naive)


class AgendaItemForm(forms.Form):
    title = text_field("Title", 200, required_message="Enter the item's title")
    lead_side = radio_field(
        "Side leading the item", Side.choices, required_message="Select the side leading the item"
    )
    paper = forms.FileField(
        label="Paper (optional)",
        required=False,
        help_text="A PDF, Word, Excel, PowerPoint or OpenDocument file, up to 20 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": papers.ACCEPT}),
    )
    link = forms.ChoiceField(label="Linked to (optional)", required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["link"].choices = [("", "Nothing"), *links.choices_for(organisation)]
        self.fields["link"].error_messages["invalid_choice"] = links.LINK_MESSAGE
        without_form_tag(self)

    def clean_paper(self):
        upload = self.cleaned_data.get("paper")
        if upload:
            self.checked_paper = papers.check_paper(upload)
        return upload

    def clean_link(self):
        return links.resolve(self.organisation, self.cleaned_data.get("link", ""))


class AttendanceForm(forms.Form):
    """One radio group per member of the forum: present, apologies or absent."""

    def __init__(self, *args, members, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=f"{member.user.get_full_name()} ({member.get_side_display().lower()})",
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                initial=current.get(member.pk),
                error_messages={
                    "required": f"Select whether {member.user.get_full_name()} was present"
                },
            )
            self.fields[f"member_{member.pk}"].widget.attrs["class"] = "nhsuk-radios--inline"
        without_form_tag(self)

    def statuses(self):
        return {str(m.pk): self.cleaned_data[f"member_{m.pk}"] for m in self.members}


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label="Minutes",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 16}),
        error_messages={"max_length": f"Minutes must be {TEXT_LIMIT:,} characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    side = radio_field(
        "Drafted for", Side.choices, required_message="Select the side drafting the minutes"
    )

    def __init__(self, *args, sides, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["side"].choices = [(s, Side(s).label) for s in sides]
        if len(sides) == 1:
            self.fields["side"].initial = sides[0]
        without_form_tag(self)


class SeenForm(forms.Form):
    seen = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)


class DecisionForm(forms.Form):
    text = text_field("Decision", 5000, required_message="Enter the decision", rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_form_tag(self)


class ActionForm(forms.Form):
    description = text_field("Action", 5000, required_message="Enter the action", rows=3)
    owner = PersonChoiceField(
        label="Owner",
        queryset=None,
        error_messages={
            "required": "Select the action's owner",
            "invalid_choice": "Select somebody of this organisation",
        },
    )
    due_date = DateInputField(
        label="Due date",
        help_text="For example, 30 6 2026",
        error_messages={"required": "Enter the due date"},
    )
    link = forms.ChoiceField(label="Linked to (optional)", required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["owner"].queryset = organisation_people(organisation)
        self.fields["link"].choices = [("", "Nothing"), *links.choices_for(organisation)]
        self.fields["link"].error_messages["invalid_choice"] = links.LINK_MESSAGE
        without_form_tag(self)

    def clean_link(self):
        return links.resolve(self.organisation, self.cleaned_data.get("link", ""))


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=ForumAction.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the status",
            "invalid_choice": "Select one of the statuses listed",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_form_tag(self)
