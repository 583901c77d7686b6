"""Evidence for one criterion: files and links.

Every change is a POST by a management-side editor and goes back to the criterion page with
a message. When a form has a problem we show our own small page with that form, its error
summary and a way back, so the person sees exactly what to fix (the criterion page is built
elsewhere and shows these forms through ``assessments/_evidence.html``).

Files are served only here, to members of the organisation, as attachments.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..access import get_evidence_file_for, get_evidence_link_for, get_response_for
from ..evidence import (
    EvidenceLinkForm,
    EvidenceUploadForm,
    SizeLimitUploadHandler,
    store_upload,
    stored_sha256,
)
from . import refused

logger = logging.getLogger(__name__)

LOCKED_MESSAGE = "This assessment is signed off, so it can no longer be changed."
# A downloaded file is never a page of ours: if a browser ever renders one, it runs nothing.
DOWNLOAD_CSP = {"default-src": [CSP.NONE], "sandbox": True}


def _criterion_url(response):
    return reverse("assessments:criterion", args=[response.assessment_id, response.pk])


def _form_page(request, response, form, action):
    return render(
        request,
        "assessments/evidence_error.html",
        {
            "response": response,
            "form": form,
            "action": action,
            "back_url": _criterion_url(response),
        },
        status=400,
    )


@csrf_exempt  # checked by _upload_file, once the size limit is in place (see below)
@require_POST
def upload_file(request, response_pk):
    # Refuse outsiders and read-only members before reading the body, and watch the size
    # while it arrives. Both must happen before CSRF checking reads request.POST, which is
    # why the CSRF check moves into _upload_file (Django's documented pattern for handlers).
    response = get_response_for(request, response_pk, write=True)
    size_limit = SizeLimitUploadHandler(request, limit=settings.EVIDENCE_MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, size_limit)
    return _upload_file(request, response, size_limit)


@csrf_protect
def _upload_file(request, response, size_limit):
    form = EvidenceUploadForm(request.POST, request.FILES, refused_for_size=size_limit.refused)
    if not form.is_valid():
        action = reverse("assessments:upload_file", args=[response.pk])
        return _form_page(request, response, form, action)
    try:
        evidence = store_upload(
            response, form.cleaned_data["file"], form.checked, user=request.user
        )
    except services.AssessmentLocked as exc:
        raise PermissionDenied(LOCKED_MESSAGE) from exc
    messages.success(request, f"Added {evidence.original_name}")
    return redirect(_criterion_url(response))


@require_GET
@never_cache
def download_file(request, pk):
    evidence = get_evidence_file_for(request, pk)
    # The stored bytes must still be the ones uploaded (and signed, by their SHA-256): a file
    # replaced in storage is never served.
    stored = stored_sha256(evidence)
    if stored is not None and stored != evidence.sha256:
        logger.error(
            "Evidence file %s (%s) does not match its recorded SHA-256 %s (stored bytes: %s)",
            evidence.pk,
            evidence.file.name,
            evidence.sha256,
            stored,
        )
        response = evidence.response
        return refused(
            request,
            message="This file has been changed since it was uploaded, so it cannot be "
            "downloaded. Tell your administrator: the stored copy no longer matches the one "
            "that was added as evidence.",
            heading=evidence.original_name,
            caption=f"Evidence for {response.criterion.ref}",
            back_url=_criterion_url(response),
            back_text=f"Go back to criterion {response.criterion.ref}",
            status=409,
        )
    return serve_stored_file(evidence, "Evidence file")


def serve_stored_file(stored, label: str) -> FileResponse:
    """A stored upload (``file``, ``original_name``, ``content_type``) as an attachment; a
    file missing from storage is logged and answered 404. Access is the caller's."""
    try:
        handle = stored.file.storage.open(stored.file.name, "rb")
    except FileNotFoundError as exc:
        logger.error("%s %s (%s) is missing from storage", label, stored.pk, stored.file.name)
        raise Http404("Not found") from exc
    download = FileResponse(
        handle,
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    download["X-Content-Type-Options"] = "nosniff"
    # As csp_override does, for the file only: a refusal above is one of our own pages.
    download._csp_config = DOWNLOAD_CSP
    return download


@require_POST
def remove_file(request, pk):
    evidence = get_evidence_file_for(request, pk, write=True)
    try:
        services.remove_evidence_file(evidence, user=request.user)
    except services.AssessmentLocked as exc:
        raise PermissionDenied(LOCKED_MESSAGE) from exc
    messages.success(request, f"Removed {evidence.original_name}")
    return redirect(_criterion_url(evidence.response))


@require_POST
def add_link(request, response_pk):
    response = get_response_for(request, response_pk, write=True)
    form = EvidenceLinkForm(request.POST)
    if not form.is_valid():
        action = reverse("assessments:add_link", args=[response.pk])
        return _form_page(request, response, form, action)
    try:
        link = services.add_evidence_link(
            response.pk,
            url=form.cleaned_data["url"],
            title=form.cleaned_data["title"],
            user=request.user,
        )
    except services.AssessmentLocked as exc:
        raise PermissionDenied(LOCKED_MESSAGE) from exc
    messages.success(request, f"Added {link.title}")
    return redirect(_criterion_url(response))


@require_POST
def remove_link(request, pk):
    link = get_evidence_link_for(request, pk, write=True)
    try:
        services.remove_evidence_link(link, user=request.user)
    except services.AssessmentLocked as exc:
        raise PermissionDenied(LOCKED_MESSAGE) from exc
    messages.success(request, f"Removed {link.title}")
    return redirect(_criterion_url(link.response))
