"""The carry-over report of a next cycle, and the four-country guide.

Every member of the organisation may read the carry-over report (viewers included); outsiders
get 404. The guide is published reference material built from frameworks, which every
signed-in user may read.
"""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from partnership.documents.views import document_response

from ..access import get_assessment_for
from ..reports.presenters import report_filename
from ..views.reports import _download
from . import documents
from .guide import FourCountryGuide
from .presenters import CarryOverReport


@require_GET
def carry_over(request, pk):
    assessment = get_assessment_for(request, pk)
    return render(
        request,
        CarryOverReport.template_name,
        {
            "assessment": assessment,
            "report": CarryOverReport(assessment),
            "breadcrumbs": [
                {"text": "Home", "href": reverse("assessments:home")},
                {
                    "text": assessment.title,
                    "href": reverse("assessments:assessment", args=[assessment.pk]),
                },
            ],
        },
    )


@require_GET
def carry_over_csv(request, pk):
    assessment = get_assessment_for(request, pk)
    return _download(
        CarryOverReport(assessment).csv(),
        "text/csv; charset=utf-8",
        report_filename(assessment, "carry-over", "csv"),
    )


@require_GET
def guide(request):
    guide = FourCountryGuide(request.user)
    context = guide.context(for_pdf=False)
    context["breadcrumbs"] = [
        {"text": "Home", "href": reverse("assessments:home")},
        {"text": "Frameworks", "href": reverse("assessments:frameworks")},
    ]
    return render(request, guide.template_name, context)


@require_GET
def guide_pdf(request):
    return document_response(request, "four-country-guide", documents.subject(request))
