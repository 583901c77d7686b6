"""Documents prepared on the task queue: the download, the waiting page and its progress, and
"try again" after a failure (assessments.documents).

Asking for a PDF or spreadsheet serves the stored file when its content has been rendered
before; otherwise it shows "preparing your report", which follows the job (htmx polls the
status every two seconds; without JavaScript the page refreshes itself), then offers the
download. Every member of the organisation may read documents; outsiders get 404.
"""

from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import documents
from ..access import get_assessment_for
from ..models import ReportDocument
from ..reports.presenters import report_filename

POLL_SECONDS = 2
REFRESH_SECONDS = 5


def document_response(request, pk, kind):
    """The response to a request for the ``kind`` document of assessment ``pk``."""
    assessment = get_assessment_for(request, pk)
    document = documents.request_document(assessment, kind)
    if document.is_ready:
        return _serve(document, assessment)
    return _waiting(request, document, assessment)


def _serve(document, assessment):
    kind = documents.KINDS[document.kind]
    response = FileResponse(
        documents.open_stored(document),
        as_attachment=True,
        filename=report_filename(assessment, kind.name, kind.extension),
        content_type=kind.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _context(document, assessment):
    kind = documents.KINDS[document.kind]
    return {
        "document": document,
        "assessment": assessment,
        "name": document.get_kind_display(),
        "download_url": reverse(f"assessments:{kind.url_name}", args=[assessment.pk]),
        "status_url": reverse("assessments:document_status", args=[document.pk]),
        "retry_url": reverse("assessments:document_retry", args=[document.pk]),
        "progress": documents.progress_of(document),
        "poll_seconds": POLL_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
        "failed": document.status == ReportDocument.Status.FAILED,
        "breadcrumbs": [
            {"text": "Home", "href": reverse("assessments:home")},
            {
                "text": assessment.title,
                "href": reverse("assessments:assessment", args=[assessment.pk]),
            },
        ],
    }


def _waiting(request, document, assessment):
    context = _context(document, assessment)
    # 202: accepted, not ready yet; a failure is the service's, not the asker's.
    status = 503 if context["failed"] else 202
    return render(request, "assessments/documents/waiting.html", context, status=status)


def _document_for(request, pk):
    """A document, only for members of its assessment's organisation (others get 404)."""
    document = get_object_or_404(ReportDocument.objects.only("assessment_id"), pk=pk)
    assessment = get_assessment_for(request, document.assessment_id)
    return ReportDocument.objects.get(pk=pk), assessment


@require_GET
def document_status(request, pk):
    """The waiting page's progress panel (htmx polls it), or the whole page without htmx."""
    document, assessment = _document_for(request, pk)
    documents.give_up_if_stale(document)
    context = _context(document, assessment)
    if request.htmx:
        return render(request, "assessments/documents/_status.html", context)
    return render(request, "assessments/documents/waiting.html", context)


@require_POST
def retry_document(request, pk):
    """Queue a failed document again; a second press while it is queued starts nothing."""
    document, assessment = _document_for(request, pk)
    if document.status == ReportDocument.Status.FAILED:
        documents.restart(document)
    kind = documents.KINDS[document.kind]
    return redirect(reverse(f"assessments:{kind.url_name}", args=[assessment.pk]))
