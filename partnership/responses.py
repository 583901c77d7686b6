"""Responses shared by the pages of both layers: a refusal, a download, and a form page."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from .errors import Refused


def refused(
    request,
    *,
    message,
    heading,
    caption,
    back_url,
    back_text,
    breadcrumbs=None,
    detail="",
    status=400,
):
    """A service refused a change (the state moved on, a rule said no): answer 400 with why,
    that nothing changed, and the way back."""
    return render(
        request,
        "partnership/refused.html",
        {
            "message": message,
            "heading": heading,
            "caption": caption,
            "back_url": back_url,
            "back_text": back_text,
            "breadcrumbs": breadcrumbs,
            "detail": detail,
        },
        status=status,
    )


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def posted(request, *, files=False):
    """What was posted (even if empty), or ``None`` on GET, so an empty POST is validated and
    answered with errors, never shown as a fresh form. ``files=True``: the uploads instead."""
    if request.method != "POST":
        return None
    return request.FILES if files else request.POST


def form_page(request, form, *, save, success, next_url, context, template=None):
    """A form page: on a valid POST, ``save(cleaned_data)``; a ``Refused`` becomes the form's
    error (400, nothing changed), anything else a success message and a redirect to
    ``next_url``. ``context`` is for ``templates/partnership/form_page.html`` (caption,
    heading, submit, cancel_url, breadcrumbs; optionally intro, warning, hidden, multipart)."""
    if form.is_bound and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(next_url(result) if callable(next_url) else next_url)
    return render(
        request,
        template or "partnership/form_page.html",
        {**context, "form": form},
        status=400 if form.errors else 200,
    )
