def current_organisation(request):
    organisation = getattr(request, "organisation", None)
    # SimpleLazyObject wrapping None is still truthy-evaluable; unwrap for templates.
    return {"current_organisation": organisation if organisation else None}
