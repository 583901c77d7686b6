"""A closed survey round's results PDF on the task queue (partnership.documents); the key is a
digest of the exact HTML it is laid out from. The CSV stays in the request: a few rows."""

from django.urls import reverse

from partnership.documents import registry

from ..reports import pdf
from . import exports
from .models import SurveyRound
from .results import RoundResults


def subject(survey_round) -> dict:
    return {"round": str(survey_round.pk)}


def _report(subject) -> RoundResults:
    survey_round = SurveyRound.objects.select_related("framework", "network", "organisation")
    return RoundResults(survey_round.get(pk=subject["round"]))


def _authorize(request, subject):
    from .views import _closed_round

    return _closed_round(request, subject["round"])


registry.content_kind(
    name="survey-results",
    label="survey results",
    content_type=registry.PDF,
    extension="pdf",
    read=lambda subject: exports.results_html(_report(subject)),
    write=pdf.write_pdf,
    authorize=_authorize,
    filename=lambda subject: exports.filename(_report(subject), "pdf"),
    url=lambda subject: reverse("assessments:survey_results_pdf", args=[subject["round"]]),
    back=lambda subject: (
        "Survey results",
        reverse("assessments:survey_results", args=[subject["round"]]),
    ),
    version=registry.pdf_version,
)
