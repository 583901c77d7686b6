"""The facility time return as shown on its page, in its PDF and in its CSV (the published
layout: the four tables, in the Schedule 2 order and wording, figures rounded for display)."""

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..models import Membership
from ..signing import ledger
from .models import ReturnSignature
from .returns import BAND_LABELS, BANDS, FacilityTimeReturn, build_return

Side = Membership.Side
PDF_BASE = "partnership/_pdf_base.html"


def shown(value: Decimal | None, places: int = 2, *, unit: str = "") -> str:
    """A figure rounded for display only (half up); "Not yet known" when missing."""
    if value is None:
        return "Not yet known"
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    return f"£{text}" if unit == "£" else f"{text}{unit}"


@dataclass
class ReturnPresenter:
    report: FacilityTimeReturn
    signatures: list  # (signature, verification)

    @classmethod
    def build(cls, organisation, period) -> "ReturnPresenter":
        report = build_return(organisation, period)
        subject = report.subject()
        records = list(
            ReturnSignature.objects.filter(organisation=organisation, period=period)
            .select_related("signer", "ledger_entry", "void_entry")
            .order_by("created_at")
        )
        voided = ledger.voided_ids(records)
        signatures = [
            (record, ledger.verify(record, subject, voided_record_ids=voided)) for record in records
        ]
        return cls(report=report, signatures=signatures)

    @property
    def active(self):
        return {record.side: record for record, _ in self.signatures if not record.is_void}

    @property
    def signed_by_both(self):
        return len(self.active) == len(Side.values)

    @property
    def seen(self):
        return ledger.digest_of(self.report.subject())

    def tables(self) -> list[dict]:
        """The four tables: a title, the question, the column headings and the rows."""
        r = self.report
        return [
            {
                "title": "Table 1: Relevant union officials",
                "question": (
                    "What was the total number of your employees who were relevant union "
                    "officials during the relevant period?"
                ),
                "columns": (
                    "Number of employees who were relevant union officials during the relevant "
                    "period",
                    "Full-time equivalent employee number",
                ),
                "rows": [(str(r.headcount), shown(r.officials_fte))],
            },
            {
                "title": "Table 2: Percentage of time spent on facility time",
                "question": (
                    "How many of your employees who were relevant union officials employed "
                    "during the relevant period spent a) 0%, b) 1%-50%, c) 51%-99% or d) 100% "
                    "of their working hours on facility time?"
                ),
                "columns": ("Percentage of time", "Number of employees"),
                "rows": [(BAND_LABELS[band], str(r.bands[band])) for band in BANDS],
            },
            {
                "title": "Table 3: Percentage of pay bill spent on facility time",
                "question": (
                    "The total cost of facility time, the total pay bill, and the percentage of "
                    "the total pay bill spent on facility time."
                ),
                "columns": ("First column", "Figures"),
                "rows": [
                    ("Provide the total cost of facility time", shown(r.total_cost, unit="£")),
                    ("Provide the total pay bill", shown(r.pay_bill, unit="£")),
                    (
                        "Provide the percentage of the total pay bill spent on facility time, "
                        "calculated as: (total cost of facility time ÷ total pay bill) × 100",
                        shown(r.percent_of_pay_bill, 4, unit="%"),
                    ),
                ],
            },
            {
                "title": "Table 4: Paid trade union activities",
                "question": (
                    "As a percentage of total paid facility time hours, how many hours were "
                    "spent by employees who were relevant union officials during the relevant "
                    "period on paid trade union activities?"
                ),
                "columns": ("", "Figures"),
                "rows": [
                    (
                        "Time spent on paid trade union activities as a percentage of total "
                        "paid facility time hours, calculated as: (total hours spent on paid "
                        "trade union activities by relevant union officials during the relevant "
                        "period ÷ total paid facility time hours) × 100",
                        shown(r.percent_paid_activities, 2, unit="%"),
                    ),
                ],
            },
        ]

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        r = self.report
        writer.writerow(["Organisation", r.organisation.name, r.organisation.ods_code])
        writer.writerow(["Relevant period", r.period])
        for table in self.tables():
            writer.writerow([])
            writer.writerow([table["title"]])
            writer.writerow(table["columns"])
            writer.writerows(table["rows"])
        writer.writerow([])
        writer.writerow(["Exact figures"])
        for key, value in r.as_json().items():
            if key == "bands":
                for band in BANDS:
                    writer.writerow([f"bands {band}", value[band]])
            else:
                writer.writerow([key, "" if value is None else value])
        return buffer.getvalue().encode("utf-8-sig")

    def context(self, *, for_pdf=False):
        return {
            "page": self,
            "report": self.report,
            "organisation": self.report.organisation,
            "for_pdf": for_pdf,
            "base_template": PDF_BASE if for_pdf else "base.html",
        }
