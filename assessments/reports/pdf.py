"""PDFs through WeasyPrint: one rendering function per report, the same template as the page.

The template is rendered with ``for_pdf=True``, which swaps only the page chrome (no header,
navigation or scripts). The stylesheets, their cache and the fetcher that refuses anything but
our static files are the lower layer's (``partnership.pdf``), shared with the forums' and
facility time documents.

A scored report of more than ``IN_PARTS_ABOVE`` criteria is written in parts of about
``ROWS_PER_PART`` criteria and joined (``partnership.pdfjoin``): WeasyPrint holds a document's
whole layout until it writes it, which for 400 criteria came to almost 500 MB. Smaller reports
are written in one piece, as before.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from partnership.pdf import (  # noqa: F401 (re-exported for reports, tests and bench)
    PDF_OPTIONS,
    STYLESHEETS,
    StaticFilesOnly,
    _parsed,
    base_url,
    stylesheet_paths,
    stylesheets,
    write_pdf,
)

from . import action_plan
from .presenters import BoardReport, Report, ScoredReport


def report_html(report: Report) -> str:
    """The final HTML of a report's PDF."""
    return render_to_string(report.template_name, report.context(for_pdf=True))


# See docs/performance.md ("Peak memory"): each part's layout is held on its own.
IN_PARTS_ABOVE = 150
ROWS_PER_PART = 60


def in_parts(report: Report) -> bool:
    return isinstance(report, ScoredReport) and len(report.rows) > IN_PARTS_ABOVE


def render_pdf(report: Report) -> bytes:
    if in_parts(report):
        # Imported here: only the workers that render long reports need pikepdf loaded.
        from partnership.pdfjoin import write_pdf_in_parts

        return write_pdf_in_parts(
            [
                render_to_string(report.template_name, report.context(for_pdf=True, part=part))
                for part in report.parts(ROWS_PER_PART)
            ]
        )
    return write_pdf(report_html(report))


def scored_report_pdf(assessment, *, criteria_with_actions=None, action_plan_summary=None) -> bytes:
    return render_pdf(
        ScoredReport.build(
            assessment,
            criteria_with_actions=criteria_with_actions,
            action_plan_summary=action_plan_summary,
        )
    )


def board_report_pdf(assessment, *, criteria_with_actions=None, action_plan_summary=None) -> bytes:
    """The board report with its action plan section: the assessment's own plan unless an
    ``action_plan_summary`` is given."""
    if action_plan_summary is None:
        action_plan_summary = action_plan.action_plan_summary(assessment)
    return render_pdf(
        BoardReport.build(
            assessment,
            criteria_with_actions=criteria_with_actions,
            action_plan_summary=action_plan_summary,
        )
    )


def action_plan_pdf(assessment, *, today=None) -> bytes:
    """The joint action plan: DRAFT on every page until both leads have signed it."""
    return render_pdf(action_plan.ActionPlanReport.build(assessment, today=today))


# Report kinds for render_report.
RENDERERS = {"scored": scored_report_pdf, "board": board_report_pdf, "actions": action_plan_pdf}
