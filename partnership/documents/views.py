"""Documents prepared on the task queue: the download, the waiting page and its progress, and
"try again" after a failure (partnership.documents.services).

Asking for a document serves the stored file when its content has been rendered before;
otherwise it shows "preparing your report", which follows the job (htmx polls the status every
two seconds; without JavaScript the page refreshes itself), then offers the download. The
status and "try again" go through the kind's own access helper (``DocumentKind.authorize``):
outsiders get 404 and members who may not read it 403, as the download itself answers.
"""

from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import registry, services
from .models import Document

POLL_SECONDS = 2
REFRESH_SECONDS = 5


def document_response(request, kind_name: str, subject: dict, *, stamp=None, filename=None):
    """The response to a request for the ``kind_name`` document of ``subject``. The caller has
    already been through its access helper; ``stamp`` and ``filename``: the content stamp and
    the file's name, if it has them at hand (else the kind's, which read them again)."""
    kind = registry.get(kind_name)
    document = services.request_document(kind, subject, stamp=stamp)
    if document.is_ready:
        return _serve(document, kind, filename or kind.filename(document.subject))
    return _waiting(request, document, kind)


def _serve(document, kind, filename):
    response = FileResponse(
        services.open_stored(document),
        as_attachment=True,
        filename=filename,
        content_type=kind.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _context(document, kind):
    back_text, back_href = kind.back(document.subject)
    return {
        "document": document,
        "caption": back_text,
        "name": kind.label,
        "download_url": kind.url(document.subject),
        "status_url": reverse("documents:status", args=[document.pk]),
        "retry_url": reverse("documents:retry", args=[document.pk]),
        "progress": services.progress_of(document),
        "poll_seconds": POLL_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
        "failed": document.status == Document.Status.FAILED,
        "breadcrumbs": [
            {"text": "Home", "href": reverse("assessments:home")},
            {"text": back_text, "href": back_href},
        ],
    }


def _waiting(request, document, kind):
    context = _context(document, kind)
    # 202: accepted, not ready yet; a failure is the service's, not the asker's.
    status = 503 if context["failed"] else 202
    return render(request, "partnership/documents/waiting.html", context, status=status)


def _document_for(request, pk):
    """A document, only for those who may read what it shows (others get 404 or 403)."""
    document = get_object_or_404(Document, pk=pk)
    kind = registry.get(document.kind)
    kind.authorize(request, document.subject)
    return document, kind


@require_GET
def document_status(request, pk):
    """The waiting page's progress panel (htmx polls it), or the whole page without htmx."""
    document, kind = _document_for(request, pk)
    services.give_up_if_stale(document)
    context = _context(document, kind)
    if request.htmx:
        return render(request, "partnership/documents/_status.html", context)
    return render(request, "partnership/documents/waiting.html", context)


@require_POST
def retry_document(request, pk):
    """Queue a failed document again; a second press while it is queued starts nothing."""
    document, kind = _document_for(request, pk)
    if document.status == Document.Status.FAILED:
        services.restart(document)
    return redirect(kind.url(document.subject))
