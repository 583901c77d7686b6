"""Facility time: the staff-side representatives, the time they spent on union duties and
activities in each relevant period (1 April to 31 March), what the employer puts in (pay bill,
hourly costs, FTE employee number), and both leads' signatures on the return.

Money is stored in pounds, hours and FTE as exact decimals; percentages are never stored, they
are computed (``returns.py``).
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ..models import Organisation, TimeStampedModel
from ..signing.models import SignedRecord

PERIOD_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")
PERIOD_MESSAGE = "Enter the period as a financial year, like 2025/26"


def validate_period(value: str) -> None:
    match = PERIOD_PATTERN.match(value or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]) or int(match[1]) < 2017:
        raise ValidationError(PERIOD_MESSAGE)


def period_slug(period: str) -> str:
    return period.replace("/", "-")


def period_from_slug(slug: str) -> str:
    return slug.replace("-", "/")


class Representative(TimeStampedModel):
    class Type(models.TextChoices):
        TU_REP = "tu_rep", "Trade union representative"
        ULR = "ulr", "Union learning representative"
        SAFETY_REP = "safety_rep", "Health and safety representative"
        EMPLOYEE_DIRECTOR = "employee_director", "Employee director (Scotland)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="representatives"
    )
    name = models.CharField(max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Their account, when they have one.",
    )
    rep_type = models.CharField("type", max_length=30, choices=Type.choices)
    union = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="partnership_representative_name_once"
            ),
        ]

    def __str__(self):
        return self.name


HOURS = {"max_digits": 9, "decimal_places": 2}


def facility_hours_of(time):
    """Facility time hours: trade union duties, paid and unpaid trade union activities, and
    partnership working (Scottish boards)."""
    return (
        time.duties_hours
        + time.paid_activities_hours
        + time.unpaid_activities_hours
        + time.partnership_hours
    )


class TimeRecord(TimeStampedModel):
    """One representative's time in one period: the year as a whole, or one quarter."""

    YEAR = 0

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    representative = models.ForeignKey(
        Representative, on_delete=models.CASCADE, related_name="time_records"
    )
    period = models.CharField(max_length=7, validators=[validate_period])
    quarter = models.PositiveSmallIntegerField(
        default=YEAR, help_text="0 for the whole year, or the quarter 1 (April to June) to 4."
    )
    fte = models.DecimalField("FTE", max_digits=6, decimal_places=4)
    working_hours = models.DecimalField(**HOURS)
    duties_hours = models.DecimalField(**HOURS, default=0)
    paid_activities_hours = models.DecimalField(**HOURS, default=0)
    unpaid_activities_hours = models.DecimalField(**HOURS, default=0)
    partnership_hours = models.DecimalField(**HOURS, default=0)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["representative__name", "period", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["representative", "period", "quarter"],
                name="partnership_timerecord_once_per_quarter",
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__lte=4), name="partnership_timerecord_quarter_range"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    fte__gte=0,
                    working_hours__gte=0,
                    duties_hours__gte=0,
                    paid_activities_hours__gte=0,
                    unpaid_activities_hours__gte=0,
                    partnership_hours__gte=0,
                ),
                name="partnership_timerecord_not_negative",
            ),
        ]

    @property
    def facility_hours(self):
        return facility_hours_of(self)


class RepresentativeCost(TimeStampedModel):
    """The employer's hourly cost of one representative in one period (gross wages, pension
    and National Insurance contributions, per working hour)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    representative = models.ForeignKey(
        Representative, on_delete=models.CASCADE, related_name="costs"
    )
    period = models.CharField(max_length=7, validators=[validate_period])
    hourly_cost = models.DecimalField(max_digits=12, decimal_places=4)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["representative", "period"], name="partnership_representativecost_once"
            ),
            models.CheckConstraint(
                condition=models.Q(hourly_cost__gte=0),
                name="partnership_representativecost_not_negative",
            ),
        ]


class EmployerInputs(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="facility_time_inputs"
    )
    period = models.CharField(max_length=7, validators=[validate_period])
    pay_bill = models.DecimalField(
        "total pay bill in pounds", max_digits=16, decimal_places=2, null=True, blank=True
    )
    pay_bill_confirmed = models.BooleanField(
        default=False,
        help_text="Somebody confirmed a pay bill that makes facility time more than 5% of it.",
    )
    fte_employees = models.DecimalField(
        "FTE employee number", max_digits=10, decimal_places=2, null=True, blank=True
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "employer inputs"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"], name="partnership_employerinputs_once"
            ),
            models.CheckConstraint(
                condition=models.Q(pay_bill__isnull=True) | models.Q(pay_bill__gt=0),
                name="partnership_employerinputs_pay_bill_positive",
            ),
        ]


class ReturnSignature(SignedRecord):
    """One lead signing the facility time return for a period, bound to its figures."""

    SIGNED_FIELDS = ("organisation_id", "period")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="facility_time_signatures"
    )
    period = models.CharField(max_length=7)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period", "side"],
                condition=models.Q(voided_at__isnull=True),
                name="partnership_returnsignature_one_active_per_side",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} signature on the {self.period} facility time return"

    def ledger_organisation(self):
        return self.organisation

    def current_subject(self):
        from .returns import build_return

        return build_return(self.organisation, self.period).subject()
