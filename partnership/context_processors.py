from django.utils.functional import SimpleLazyObject


def current_organisation(request):
    # Lazy: only templates that show it (the page header) pay for its query; htmx fragments
    # such as the autosave answer do not. A lazy None is unwrapped to None when it is used.
    return {
        "current_organisation": SimpleLazyObject(
            lambda: getattr(request, "organisation", None) or None
        )
    }
