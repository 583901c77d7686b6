"""Changing facility time: each change in one transaction; any change to a period's figures
voids the leads' signatures on that period's return."""

import csv
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from ..errors import Refused
from ..models import Membership
from ..signing import ledger
from .models import (
    EmployerInputs,
    Representative,
    RepresentativeCost,
    ReturnSignature,
    TimeRecord,
    validate_period,
)
from .returns import HUNDRED, PLAUSIBLE_SHARE, build_return, pay_bill_problem

Side = Membership.Side
SIDE_NAMES = {Side.MANAGEMENT: "the management side", Side.STAFF_SIDE: "the staff side"}


def _void_signatures(organisation, period, reason):
    ledger.void_all(
        ReturnSignature.objects.filter(
            organisation=organisation, period=period, voided_at__isnull=True
        ).select_related("ledger_entry"),
        reason,
    )


def check_hours(*, fte, working_hours, hours, name="The representative") -> list[str]:
    problems = []
    if fte <= 0 or fte > 1:
        problems.append(f"{name}'s FTE must be more than 0 and no more than 1")
    if working_hours <= 0:
        problems.append(f"{name}'s working hours must be more than 0")
    if any(h < 0 for h in hours):
        problems.append("Hours cannot be negative")
    total = sum(hours, Decimal(0))
    if working_hours > 0 and total > working_hours:
        problems.append(
            f"{name}'s facility time hours ({total}) are more than their working hours "
            f"({working_hours})"
        )
    return problems


HOUR_FIELDS = (
    "duties_hours",
    "paid_activities_hours",
    "unpaid_activities_hours",
    "partnership_hours",
)


@transaction.atomic
def save_time_record(representative, *, period, quarter, user, **values):
    """Enter a representative's time for the year (quarter 0) or one quarter."""
    validate_period(period)
    problems = check_hours(
        fte=values["fte"],
        working_hours=values["working_hours"],
        hours=[values[name] for name in HOUR_FIELDS],
        name=representative.name,
    )
    if problems:
        raise Refused(problems[0])
    others = TimeRecord.objects.filter(representative=representative, period=period).exclude(
        quarter=quarter
    )
    if quarter == TimeRecord.YEAR and others.exists():
        raise Refused(
            f"{representative.name} already has time by quarter for {period}: enter the "
            "quarters, or remove them first"
        )
    if quarter != TimeRecord.YEAR and others.filter(quarter=TimeRecord.YEAR).exists():
        raise Refused(
            f"{representative.name} already has time for the whole of {period}: change that instead"
        )
    record, _ = TimeRecord.objects.update_or_create(
        representative=representative,
        period=period,
        quarter=quarter,
        defaults={**values, "entered_by": user},
    )
    _void_signatures(representative.organisation, period, "The time records changed")
    return record


@transaction.atomic
def add_representative(organisation, *, name, rep_type, union, user=None):
    if organisation.representatives.filter(name=name).exists():
        raise Refused(f"There is already a representative called {name}")
    return Representative.objects.create(
        organisation=organisation, name=name, rep_type=rep_type, union=union, user=user
    )


def working_hours_of(representative, period):
    return sum(
        TimeRecord.objects.filter(representative=representative, period=period).values_list(
            "working_hours", flat=True
        ),
        Decimal(0),
    )


@transaction.atomic
def save_hourly_cost(representative, *, period, hourly_cost, user):
    validate_period(period)
    if hourly_cost < 0:
        raise Refused("The hourly cost cannot be negative")
    cost, _ = RepresentativeCost.objects.update_or_create(
        representative=representative,
        period=period,
        defaults={"hourly_cost": hourly_cost, "entered_by": user},
    )
    _void_signatures(representative.organisation, period, "An hourly cost changed")
    return cost


def hourly_cost_from(employment_costs: Decimal, working_hours: Decimal) -> Decimal:
    """Gross wages, pension and National Insurance contributions over the working hours."""
    if working_hours <= 0:
        raise Refused("Working hours must be more than 0 to work out an hourly cost")
    return (employment_costs / working_hours).quantize(Decimal("0.0001"))


@transaction.atomic
def save_employer_inputs(organisation, *, period, pay_bill, fte_employees, confirmed, user):
    """Set the pay bill (in pounds) and the FTE employee number. A pay bill that would make
    facility time more than 5% of it is refused unless ``confirmed``."""
    validate_period(period)
    if pay_bill is not None and pay_bill <= 0:
        raise Refused("The pay bill must be more than £0")
    if fte_employees is not None and fte_employees < 0:
        raise Refused("The FTE employee number cannot be negative")
    total_cost = build_return(organisation, period).total_cost
    problem = pay_bill_problem(pay_bill, total_cost, confirmed)
    if problem:
        raise Refused(problem)
    share_high = (
        pay_bill is not None
        and total_cost is not None
        and total_cost * HUNDRED / pay_bill > PLAUSIBLE_SHARE
    )
    inputs, _ = EmployerInputs.objects.update_or_create(
        organisation=organisation,
        period=period,
        defaults={
            "pay_bill": pay_bill,
            "fte_employees": fte_employees,
            "pay_bill_confirmed": bool(confirmed and share_high),
            "entered_by": user,
        },
    )
    _void_signatures(organisation, period, "The employer's figures changed")
    return inputs


@transaction.atomic
def sign_return(organisation, *, period, user, side, seen):
    """One lead signs the return for their side, as they saw it. Refused while the return has
    problems."""
    report = build_return(organisation, period)
    problems = report.problems()
    if problems:
        raise Refused(f"The return cannot be signed yet: {problems[0]}")
    if ReturnSignature.objects.filter(
        organisation=organisation, period=period, side=side, voided_at__isnull=True
    ).exists():
        raise Refused(f"The return is already signed for {SIDE_NAMES[side]}")
    if ReturnSignature.objects.filter(
        organisation=organisation, period=period, signer=user, voided_at__isnull=True
    ).exists():
        raise Refused("You have signed for the other side: each side's lead signs for their own")
    return ledger.sign(
        ReturnSignature,
        organisation=organisation,
        signer=user,
        side=side,
        subject=report.subject(),
        seen=seen,
        organisation_id=organisation.pk,
        period=period,
    )


# --- Import from HR systems -------------------------------------------------------------------

IMPORT_COLUMNS = (
    "name",
    "union",
    "rep_type",
    "fte",
    "working_hours",
    "duties_hours",
    "paid_activities_hours",
    "unpaid_activities_hours",
    "hourly_cost",
)
OPTIONAL_COLUMNS = ("partnership_hours",)
# Each number column with the decimal places and the largest value its database column holds.
NUMBER_COLUMNS = {
    "fte": (4, Decimal(100)),
    "working_hours": (2, Decimal(10**7)),
    "duties_hours": (2, Decimal(10**7)),
    "paid_activities_hours": (2, Decimal(10**7)),
    "unpaid_activities_hours": (2, Decimal(10**7)),
    "hourly_cost": (4, Decimal(10**8)),
    "partnership_hours": (2, Decimal(10**7)),
}


class ImportRefused(Exception):
    """The file was refused as a whole; ``errors`` holds one reason per line at fault."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def _number(value: str) -> Decimal:
    number = Decimal(value.strip().replace(",", ""))
    if not number.is_finite():
        raise InvalidOperation
    return number


def parse_import(text: str) -> list[dict]:
    """Check every line; return the rows, or raise ``ImportRefused`` with every problem."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    unknown = [c for c in header if c not in IMPORT_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        errors = []
        if missing:
            errors.append(f"line 1: missing column(s): {', '.join(missing)}")
        if unknown:
            errors.append(f"line 1: unknown column(s): {', '.join(unknown)}")
        raise ImportRefused(errors)
    reader.fieldnames = header
    rows, errors, names = [], [], {}
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            errors.append(f"line {line}: more values than columns")
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        problems = []
        if not row["name"]:
            problems.append("name is empty")
        elif row["name"].casefold() in names:
            problems.append(f"{row['name']} is also on line {names[row['name'].casefold()]}")
        else:
            names[row["name"].casefold()] = line
        if not row["union"]:
            problems.append("union is empty")
        if row["rep_type"] not in Representative.Type.values:
            problems.append(
                f"rep_type {row['rep_type']!r} is not one of {', '.join(Representative.Type.values)}"
            )
        numbers = {}
        for column, (places, limit) in NUMBER_COLUMNS.items():
            value = row.get(column, "")
            if column == "partnership_hours" and not value:
                numbers[column] = Decimal(0)
                continue
            try:
                numbers[column] = _number(value)
            except (InvalidOperation, ValueError):
                problems.append(f"{column} {value!r} is not a number")
                continue
            if numbers[column] < 0:
                problems.append(f"{column} cannot be negative")
            elif numbers[column] >= limit:
                problems.append(f"{column} {value} is too large")
            elif -numbers[column].as_tuple().exponent > places:
                problems.append(f"{column} has more than {places} decimal places")
        if not problems:
            hours = [numbers[c] for c in HOUR_FIELDS]
            problems.extend(
                check_hours(
                    fte=numbers["fte"],
                    working_hours=numbers["working_hours"],
                    hours=hours,
                    name=row["name"],
                )
            )
        if problems:
            errors.append(f"line {line}: {'; '.join(problems)}")
        else:
            rows.append({**row, **numbers})
    if not rows and not errors:
        errors.append("the file has no representatives")
    if errors:
        raise ImportRefused(errors)
    return rows


@transaction.atomic
def import_time_records(organisation, period: str, text: str, *, user=None) -> int:
    """Replace the period's time records and hourly costs with the file's, all or nothing."""
    try:
        validate_period(period)
    except ValidationError as error:
        raise ImportRefused([error.messages[0]]) from error
    rows = parse_import(text)
    TimeRecord.objects.filter(representative__organisation=organisation, period=period).delete()
    RepresentativeCost.objects.filter(
        representative__organisation=organisation, period=period
    ).delete()
    for row in rows:
        rep, _ = Representative.objects.update_or_create(
            organisation=organisation,
            name=row["name"],
            defaults={"union": row["union"], "rep_type": row["rep_type"]},
        )
        TimeRecord.objects.create(
            representative=rep,
            period=period,
            quarter=TimeRecord.YEAR,
            fte=row["fte"],
            working_hours=row["working_hours"],
            entered_by=user,
            **{name: row[name] for name in HOUR_FIELDS},
        )
        RepresentativeCost.objects.create(
            representative=rep, period=period, hourly_cost=row["hourly_cost"], entered_by=user
        )
    _void_signatures(organisation, period, "The time records were imported again")
    return len(rows)
