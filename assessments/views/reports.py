"""The scored report, the board report, their PDFs and the exports.

PDFs and spreadsheets are prepared on the task queue and kept once rendered
(assessments.views.documents); the CSV is quick enough to write in the request.

Every member of the organisation may read them, viewers included; outsiders get 404 and
anonymous visitors are sent to sign in (LoginRequiredMiddleware), as for every page.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ..access import get_assessment_for
from ..documents import Kind
from ..reports import exports
from ..reports.action_plan import action_plan_summary
from ..reports.presenters import BoardReport, ScoredReport, report_filename
from .documents import document_response


def _crumbs(assessment):
    return [
        {"text": "Home", "href": reverse("assessments:home")},
        {"text": assessment.title, "href": reverse("assessments:assessment", args=[assessment.pk])},
    ]


def _page(request, pk, presenter, *, with_action_plan=False):
    assessment = get_assessment_for(request, pk)
    summary = action_plan_summary(assessment) if with_action_plan else None
    report = presenter.build(assessment, action_plan_summary=summary)
    context = report.context(for_pdf=False)
    context["breadcrumbs"] = _crumbs(assessment)
    return render(request, report.template_name, context)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def scored_report(request, pk):
    return _page(request, pk, ScoredReport)


@require_GET
def scored_report_pdf(request, pk):
    return document_response(request, pk, Kind.SCORED)


@require_GET
def board_report(request, pk):
    # The board sees where the joint action plan stands (the PDF loads it too).
    return _page(request, pk, BoardReport, with_action_plan=True)


@require_GET
def board_report_pdf(request, pk):
    return document_response(request, pk, Kind.BOARD)


@require_GET
def export_csv(request, pk):
    report = ScoredReport.build(get_assessment_for(request, pk))
    return _download(
        exports.export_csv(report),
        "text/csv; charset=utf-8",
        report_filename(report.assessment, "responses", "csv"),
    )


@require_GET
def export_xlsx(request, pk):
    return document_response(request, pk, Kind.RESPONSES_XLSX)
