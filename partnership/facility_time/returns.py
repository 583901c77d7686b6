"""The four tables of the Trade Union (Facility Time Publication Requirements) Regulations 2017,
computed exactly with ``Decimal`` from the stored inputs; rounding is for display only.

- Table 1: how many relevant union officials there were, and their full-time equivalent.
- Table 2: how many spent 0%, 1-50%, 51-99% and 100% of their working hours on facility time.
  "1-50%" holds anything above 0 up to and including 50; "51-99%" anything above 50 and
  below 100, so no official falls between the published bands.
- Table 3: the total cost of facility time (each official's hourly cost times their paid
  facility time hours) as a percentage of the total pay bill.
- Table 4: hours on paid trade union activities as a percentage of total paid facility time
  hours.

Facility time hours are hours on trade union duties, paid and unpaid trade union activities and
(for Scottish boards) partnership working; *paid* facility time hours leave out the unpaid
activities.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from .models import (
    EmployerInputs,
    Representative,
    RepresentativeCost,
    TimeRecord,
    facility_hours_of,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PLAUSIBLE_SHARE = Decimal(5)  # percent of the pay bill above which we ask if it is in pounds
BANDS = ("0", "1-50", "51-99", "100")
BAND_LABELS = {"0": "0%", "1-50": "1% to 50%", "51-99": "51% to 99%", "100": "100%"}


def band_of(facility_hours: Decimal, working_hours: Decimal) -> str:
    if facility_hours <= 0:
        return "0"
    share = facility_hours * HUNDRED / working_hours
    if share <= 50:
        return "1-50"
    if share < HUNDRED:
        return "51-99"
    return "100"


def decimal_string(value: Decimal | None, places: int = 4) -> str | None:
    """An exact decimal as a string with at least ``places`` decimal places (padding only)."""
    if value is None:
        return None
    value = value.normalize()
    if value.as_tuple().exponent > -places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f")


def money_string(value: Decimal | None) -> str | None:
    if value is None:
        return None
    value = value.normalize()
    if value.as_tuple().exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return format(value, "f")


@dataclass
class Official:
    """One representative's year: their quarters summed, with the employer's hourly cost."""

    representative: Representative
    fte: Decimal
    working_hours: Decimal
    duties_hours: Decimal = ZERO
    paid_activities_hours: Decimal = ZERO
    unpaid_activities_hours: Decimal = ZERO
    partnership_hours: Decimal = ZERO
    hourly_cost: Decimal | None = None
    quarters: list = field(default_factory=list)

    @property
    def facility_hours(self):
        return facility_hours_of(self)

    @property
    def paid_facility_hours(self):
        return self.facility_hours - self.unpaid_activities_hours

    @property
    def share(self):
        if not self.working_hours:
            return None
        return self.facility_hours * HUNDRED / self.working_hours

    @property
    def band(self):
        if not self.working_hours:
            return None
        return band_of(self.facility_hours, self.working_hours)

    @property
    def cost(self):
        if self.hourly_cost is None:
            return None
        return self.hourly_cost * self.paid_facility_hours


def officials_problems(officials) -> list[str]:
    """What is wrong with the officials' own figures, one clear message each."""
    problems = []
    for official in officials:
        name = official.representative.name
        if official.quarters and 0 in official.quarters and len(official.quarters) > 1:
            problems.append(
                f"{name} has time for the whole year and for quarters: keep one or the other"
            )
        if official.fte <= 0 or official.fte > 1:
            problems.append(f"{name}'s FTE must be more than 0 and no more than 1")
        if official.working_hours <= 0:
            problems.append(f"{name}'s working hours must be more than 0")
        elif official.facility_hours > official.working_hours:
            problems.append(
                f"{name}'s facility time hours ({official.facility_hours}) are more than their "
                f"working hours ({official.working_hours})"
            )
    return problems


@dataclass
class FacilityTimeReturn:
    organisation: object
    period: str
    officials: list
    pay_bill: Decimal | None
    pay_bill_confirmed: bool
    fte_employees: Decimal | None

    # Table 1
    @property
    def headcount(self) -> int:
        return len(self.officials)

    @property
    def officials_fte(self) -> Decimal:
        return sum((o.fte for o in self.officials), ZERO)

    # Table 2
    @property
    def bands(self) -> dict[str, int]:
        counts = dict.fromkeys(BANDS, 0)
        for official in self.officials:
            if official.band is not None:
                counts[official.band] += 1
        return counts

    # Table 3
    @property
    def missing_costs(self) -> list[str]:
        return [o.representative.name for o in self.officials if o.hourly_cost is None]

    @property
    def total_cost(self) -> Decimal | None:
        if self.missing_costs:
            return None
        return sum((o.cost for o in self.officials), ZERO)

    @property
    def percent_of_pay_bill(self) -> Decimal | None:
        if self.total_cost is None or not self.pay_bill:
            return None
        return self.total_cost * HUNDRED / self.pay_bill

    # Table 4
    @property
    def paid_facility_time_hours(self) -> Decimal:
        return sum((o.paid_facility_hours for o in self.officials), ZERO)

    @property
    def paid_activities_hours(self) -> Decimal:
        return sum((o.paid_activities_hours for o in self.officials), ZERO)

    @property
    def percent_paid_activities(self) -> Decimal | None:
        if not self.paid_facility_time_hours:
            return None
        return self.paid_activities_hours * HUNDRED / self.paid_facility_time_hours

    @property
    def publication_required(self) -> bool | None:
        if self.fte_employees is None:
            return None
        return self.fte_employees > 49

    def problems(self) -> list[str]:
        """Everything that stops the return being published, one clear message each."""
        problems = officials_problems(self.officials)
        if not self.officials:
            problems.append("There are no representatives' time records for this period")
        if self.officials_fte > self.headcount:
            problems.append(
                f"The officials' FTE ({self.officials_fte}) is more than their number "
                f"({self.headcount}): enter each official's own FTE, not the organisation's"
            )
        for name in self.missing_costs:
            problems.append(f"Enter the hourly cost of {name}")
        if self.pay_bill is None:
            problems.append("Enter the total pay bill in pounds")
        message = pay_bill_problem(self.pay_bill, self.total_cost, self.pay_bill_confirmed)
        if message:
            problems.append(message)
        return problems

    def as_json(self) -> dict:
        return {
            "officials": self.headcount,
            "officials_fte": decimal_string(self.officials_fte),
            "bands": self.bands,
            "total_cost": money_string(self.total_cost),
            "pay_bill": money_string(self.pay_bill),
            "percent_of_pay_bill": decimal_string(self.percent_of_pay_bill),
            "paid_facility_time_hours": decimal_string(self.paid_facility_time_hours, 2),
            "paid_activities_hours": decimal_string(self.paid_activities_hours, 2),
            "percent_paid_activities": decimal_string(self.percent_paid_activities),
        }

    def subject(self) -> dict:
        """What the leads sign: the published figures and the inputs they follow from."""
        return {
            "organisation": self.organisation.ods_code,
            "period": self.period,
            **self.as_json(),
            "fte_employees": decimal_string(self.fte_employees, 2),
            "officials_detail": [
                {
                    "name": o.representative.name,
                    "union": o.representative.union,
                    "type": o.representative.rep_type,
                    "fte": decimal_string(o.fte),
                    "working_hours": decimal_string(o.working_hours, 2),
                    "duties_hours": decimal_string(o.duties_hours, 2),
                    "paid_activities_hours": decimal_string(o.paid_activities_hours, 2),
                    "unpaid_activities_hours": decimal_string(o.unpaid_activities_hours, 2),
                    "partnership_hours": decimal_string(o.partnership_hours, 2),
                    "hourly_cost": decimal_string(o.hourly_cost),
                }
                for o in self.officials
            ],
        }


def pay_bill_problem(pay_bill, total_cost, confirmed) -> str | None:
    if pay_bill is None or total_cost is None or confirmed:
        return None
    share = total_cost * HUNDRED / pay_bill
    if share > PLAUSIBLE_SHARE:
        return (
            f"With a pay bill of £{money_string(pay_bill)}, facility time would be "
            f"{share.quantize(Decimal('0.01'))}% of it, more than 5%: check the pay bill is in "
            "pounds, not thousands of pounds, and confirm it if it is right"
        )
    return None


def build_return(organisation, period: str) -> FacilityTimeReturn:
    """The return for a period from the stored records, in three queries."""
    representatives = Representative.objects.filter(
        organisation=organisation, time_records__period=period
    ).distinct()
    representatives = representatives.prefetch_related(
        Prefetch(
            "time_records",
            queryset=TimeRecord.objects.filter(period=period).order_by("quarter"),
            to_attr="period_records",
        ),
        Prefetch(
            "costs", queryset=RepresentativeCost.objects.filter(period=period), to_attr="cost"
        ),
    )
    officials = []
    for rep in representatives.order_by("name"):
        records = rep.period_records
        official = Official(
            representative=rep,
            fte=max(r.fte for r in records),
            working_hours=sum((r.working_hours for r in records), ZERO),
            duties_hours=sum((r.duties_hours for r in records), ZERO),
            paid_activities_hours=sum((r.paid_activities_hours for r in records), ZERO),
            unpaid_activities_hours=sum((r.unpaid_activities_hours for r in records), ZERO),
            partnership_hours=sum((r.partnership_hours for r in records), ZERO),
            hourly_cost=rep.cost[0].hourly_cost if rep.cost else None,
            quarters=[r.quarter for r in records],
        )
        officials.append(official)
    inputs = EmployerInputs.objects.filter(organisation=organisation, period=period).first()
    return FacilityTimeReturn(
        organisation=organisation,
        period=period,
        officials=officials,
        pay_bill=inputs.pay_bill if inputs else None,
        pay_bill_confirmed=inputs.pay_bill_confirmed if inputs else False,
        fte_employees=inputs.fte_employees if inputs else None,
    )
