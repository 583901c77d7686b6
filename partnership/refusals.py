from django.shortcuts import render


def refused(
    request, *, message, heading, caption, back_url, back_text, breadcrumbs=None, detail=""
):
    """A service refused a change (the state moved on, a rule said no): answer 400 with why,
    that nothing changed, and the way back. Used by both layers."""
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
        status=400,
    )
