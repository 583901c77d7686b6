from decimal import Decimal

from django import forms

from ..form_fields import (
    PersonChoiceField,
    organisation_people,
    radio_field,
    text_field,
    without_form_tag,
)
from ..models import Membership
from .models import Representative, TimeRecord


def _decimal(label, *, places=2, maximum=Decimal(10**7), required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=maximum - Decimal(1).scaleb(-places),
        decimal_places=places,
        help_text=help_text,
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}",
            "invalid": f"{label} must be a number",
            "min_value": f"{label} cannot be negative",
            "max_value": f"{label} is too large",
            "max_decimal_places": f"{label} must have no more than {places} decimal places",
            "max_digits": f"{label} is too large",
            "max_whole_digits": f"{label} is too large",
        },
    )


class RepresentativeForm(forms.Form):
    name = text_field("Name", 150, required_message="Enter the representative's name")
    rep_type = radio_field(
        "Type", Representative.Type.choices, required_message="Select the type of representative"
    )
    union = text_field("Union", 100, required_message="Enter the union")
    user = PersonChoiceField(
        label="Their account (optional)",
        queryset=None,
        required=False,
        help_text="Leave empty for a representative without an account.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = organisation_people(organisation, Membership.Side.STAFF_SIDE)
        self.fields["user"].error_messages["invalid_choice"] = "Select somebody on the staff side"
        without_form_tag(self)


class TimeRecordForm(forms.Form):
    quarter = forms.TypedChoiceField(
        label="Time for",
        coerce=int,
        choices=[
            (TimeRecord.YEAR, "The whole year"),
            (1, "Quarter 1 (April to June)"),
            (2, "Quarter 2 (July to September)"),
            (3, "Quarter 3 (October to December)"),
            (4, "Quarter 4 (January to March)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the year or a quarter"},
    )
    fte = _decimal("FTE", places=4, maximum=Decimal(100), help_text="For example, 0.8")
    working_hours = _decimal("Working hours", help_text="Contracted working hours in this time.")
    duties_hours = _decimal("Hours on trade union duties")
    paid_activities_hours = _decimal("Hours on paid trade union activities")
    unpaid_activities_hours = _decimal("Hours on unpaid trade union activities")
    partnership_hours = _decimal(
        "Hours on partnership working",
        required=False,
        help_text="Scottish boards only; leave empty otherwise.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_form_tag(self)

    def clean_partnership_hours(self):
        return self.cleaned_data.get("partnership_hours") or Decimal(0)


class CostForm(forms.Form):
    hourly_cost = _decimal(
        "Hourly cost in pounds",
        places=4,
        maximum=Decimal(10**8),
        required=False,
        help_text="Gross wages, pension and National Insurance contributions per working hour.",
    )
    employment_costs = _decimal(
        "Or the year's employment costs in pounds",
        maximum=Decimal(10**10),
        required=False,
        help_text="Gross wages, pension and National Insurance: we divide by working hours.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_form_tag(self)

    def clean(self):
        data = super().clean()
        if data.get("hourly_cost") is None and data.get("employment_costs") is None:
            self.add_error("hourly_cost", "Enter the hourly cost, or the employment costs")
        return data


class EmployerInputsForm(forms.Form):
    pay_bill = _decimal(
        "Total pay bill in pounds",
        maximum=Decimal(10**14),
        help_text="In pounds, not thousands: gross wages, pension and National Insurance.",
    )
    fte_employees = _decimal(
        "FTE employee number",
        maximum=Decimal(10**8),
        required=False,
        help_text="Publication applies to employers with more than 49.",
    )
    confirm = forms.BooleanField(
        label="The pay bill is right, even though facility time is more than 5% of it",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_form_tag(self)


class SignReturnForm(forms.Form):
    seen = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    side = forms.ChoiceField(choices=Membership.Side.choices, widget=forms.HiddenInput)
