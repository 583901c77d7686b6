"""Every criterion's responses, and the joint action plan's actions, as CSV and as Excel.

Cells are guarded against formula injection (``safe``): control characters are removed
first, then text that a spreadsheet would read as a formula gets a leading apostrophe, so it
shows as the text it is. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from ..scoring import Basis, percent_text
from .presenters import Report

FORMULA_STARTS = ("=", "+", "-", "@")
# Control characters (Unicode category Cc) except tab and line feed: a cell may hold paragraphs.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _hidden(char):
    return char.isspace() or unicodedata.category(char) == "Cf"


COLUMNS = (
    ("Standard", 10),
    ("Standard title", 30),
    ("Criterion", 10),
    ("Statement", 60),
    ("Core", 6),
    ("Weight", 8),
    ("Applicable", 10),
    ("Why it does not apply", 30),
    ("Management rating", 10),
    ("Management rating label", 24),
    ("Staff side rating", 10),
    ("Staff side rating label", 24),
    ("Agreed rating", 10),
    ("Agreed rating label", 24),
    ("Agreed note", 30),
    ("State", 16),
    ("Management signature", 40),
    ("Staff side signature", 40),
    ("Staff side comment", 50),
    ("Main reason it is not in place", 24),
    ("Why it is not in place", 50),
    ("Evidence narrative", 60),
    ("Files", 40),
    ("Links", 50),
)


def safe(value):
    """A cell value that no spreadsheet will run as a formula.

    Control characters go first (Windows line ends become line feeds) and only then is the
    text checked: a control character before '=' would otherwise pass the check, then be
    dropped by the spreadsheet writer, leaving a live formula. Text whose first visible
    character starts a formula, or that starts with a tab or line break, is guarded.
    """
    if not isinstance(value, str):
        return value
    text = CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    start = next((char for char in text if not _hidden(char)), "")
    if start in FORMULA_STARTS or text.startswith(("\t", "\n")):
        return "'" + text
    return text


def _signature_text(signature) -> str:
    if signature is None:
        return ""
    return (
        f"{signature.decision} by {signature.signer} on {signature.signed_at:%d/%m/%Y %H:%M}: "
        f"{signature.message}"
    )


def rows(report: Report):
    """The header, then one row per criterion in framework order."""
    yield [name for name, _width in COLUMNS]
    agreed = {c.ref: c.rating for c in report.agreed.criteria}
    for row in report.rows:
        response = row.response
        criterion = row.criterion
        applicable = not response.not_applicable
        by_side = {s.side_value: s for s in row.signatures}
        staff = by_side.get("staff_side")
        agreed_rating = agreed.get(criterion.ref)
        yield [
            criterion.standard.ref,
            criterion.standard.title,
            criterion.ref,
            criterion.statement,
            "Yes" if criterion.core else "No",
            float(criterion.weight),
            "Yes" if applicable else "No",
            response.not_applicable_reason,
            response.rating if applicable else None,
            row.management.text if row.management else "",
            response.staff_rating if applicable else None,
            row.staff.text if row.staff else "",
            agreed_rating if applicable else None,
            row.agreed.text if row.agreed else "",
            row.agreed_note,
            row.state,
            _signature_text(by_side.get("management")),
            _signature_text(staff),
            staff.comment if staff else "",
            row.barrier,
            response.barrier_detail,
            response.narrative,
            "; ".join(f"{f.original_name} (SHA-256 {f.sha256})" for f in row.files),
            "; ".join(f"{link.title} <{link.url}>" for link in row.links),
        ]


def rows_csv(table) -> bytes:
    """Rows of values as CSV, each value made safe for spreadsheets (empty for None)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in table:
        writer.writerow(["" if v is None else safe(v) for v in values])
    # A byte order mark, so that Excel reads the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def export_csv(report: Report) -> bytes:
    return rows_csv(rows(report))


def export_xlsx(report: Report) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Responses")
    sheet.freeze_panes = "A2"
    for index, (_name, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for values in rows(report):
        sheet.append([safe(v) for v in values])
    summary = workbook.create_sheet("Summary")
    assessment = report.assessment
    summary.append(
        ["Organisation", safe(f"{report.organisation.name} ({report.organisation.ods_code})")]
    )
    summary.append(
        ["Framework", safe(f"{report.framework.title}, version {report.framework.version}")]
    )
    summary.append(["Period", safe(assessment.period)])
    summary.append(
        ["Status", "Draft: not yet jointly signed off" if report.is_draft else "Jointly signed off"]
    )
    for basis_summary in report.bases:
        summary.append(
            [
                f"{basis_summary.label} score",
                percent_text(basis_summary.score.percent),
                basis_summary.stage,
            ]
        )
    summary.append(["Stage reached (agreed ratings)", report.headline_stage])
    for reason in report.data.scores[Basis.AGREED].explanation:
        summary.append(["", safe(reason)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The joint action plan: one row per action ---------------------------------------------------

ACTION_COLUMNS = (
    ("Description", 60),
    ("Criteria", 16),
    ("Management owner", 24),
    ("Staff-side owner", 24),
    ("Target date", 12),
    ("Status", 14),
    ("RAG", 24),
    ("Latest update", 60),
    ("Latest update on", 14),
    ("Latest update by", 30),
    ("Carried forward from", 16),
)


def action_rows(report):
    """The header, then one row per action of an ActionPlanReport, by target date."""
    yield [name for name, _width in ACTION_COLUMNS]
    for row in report.rows:
        action = row.action
        latest = row.latest_update
        carried = row.carried_from
        yield [
            action.description,
            row.refs,
            action.management_owner.get_full_name(),
            action.staff_owner.get_full_name(),
            action.target_date,
            action.get_status_display(),
            row.rag.label,
            latest.text if latest else "",
            timezone.localtime(latest.created_at).date() if latest else None,
            f"{latest.author.get_full_name()} ({latest.get_side_display()})" if latest else "",
            carried.plan.assessment.period if carried else "",
        ]


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe(value)


def action_plan_csv(report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in action_rows(report):
        writer.writerow([_csv_value(v) for v in values])
    return buffer.getvalue().encode("utf-8-sig")


def action_plan_xlsx(report) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    sheet.freeze_panes = "A2"
    for index, (_name, width) in enumerate(ACTION_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for values in action_rows(report):
        cells = []
        for value in values:
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "dd/mm/yyyy"
                cells.append(cell)
            else:
                cells.append(safe(value))
        sheet.append(cells)
    summary = workbook.create_sheet("Summary")
    summary.append(
        ["Organisation", safe(f"{report.organisation.name} ({report.organisation.ods_code})")]
    )
    summary.append(
        ["Framework", safe(f"{report.framework.title}, version {report.framework.version}")]
    )
    summary.append(["Period", safe(report.assessment.period)])
    summary.append(["Status", report.status_text])
    summary.append(["Summary", safe(report.summary.headline)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
