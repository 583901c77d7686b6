from django.shortcuts import render

from partnership.responses import refused

__all__ = ["changed", "refused"]


def changed(
    request,
    *,
    heading,
    caption,
    back_url,
    back_text,
    breadcrumbs=None,
    history=(),
    current=(),
    more=(),
):
    """A signature over something that changed since the signer opened the page: answer 409
    with what changed (``history``) and what it says now (``current``), and the way back."""
    return render(
        request,
        "assessments/changed.html",
        {
            "message": "This changed since you opened it, so nothing was signed",
            "heading": heading,
            "caption": caption,
            "back_url": back_url,
            "back_text": back_text,
            "breadcrumbs": breadcrumbs,
            "history": list(history),
            "current": list(current),
            "more": list(more),
        },
        status=409,
    )
