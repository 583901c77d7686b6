"""A closed round's results as HTML for the PDF, and as CSV (formula-guarded cells)."""

import csv
import io
import re

from django.template.loader import render_to_string

from ..reports.exports import _csv_value
from .results import SIDES, RoundResults

SUPPRESSED = "too few answers"


def context(report: RoundResults, *, for_pdf: bool) -> dict:
    return {
        "report": report,
        "round": report.round,
        "organisation": report.organisation,
        "for_pdf": for_pdf,
        "base_template": "assessments/reports/_pdf_base.html" if for_pdf else "base.html",
    }


def results_html(report: RoundResults) -> str:
    return render_to_string(report.template_name, context(report, for_pdf=True))


def filename(report: RoundResults, extension: str) -> str:
    name = f"{report.organisation.ods_code}-{report.round.period}-survey-results"
    return f"{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')}.{extension}"


def _side_cells(figures, levels):
    if figures.suppressed:
        return [SUPPRESSED, "", *["" for _ in levels]]
    return [figures.count, figures.mean_text, *(n for _value, n in figures.spread(levels))]


def results_csv(report: RoundResults) -> bytes:
    levels = report.levels
    header = ["Ref", "Statement"]
    for side in ("Management", "Staff side"):
        header += [f"{side} answers", f"{side} mean", *(f"{side} scored {v}" for v in levels)]
    header += [
        "Gap (management minus staff side)",
        "Previous management mean",
        "Previous staff side mean",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in report.rows:
        cells = [row.criterion.ref, row.criterion.statement]
        for side in SIDES:
            cells += _side_cells(row.sides[side], levels)
        cells.append(row.gap_text)
        for side in SIDES:
            previous = row.previous[side] if row.previous else None
            cells.append(
                ""
                if previous is None
                else (SUPPRESSED if previous.suppressed else previous.mean_text)
            )
        writer.writerow([_csv_value(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")
