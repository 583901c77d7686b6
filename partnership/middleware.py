from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

SESSION_KEY = "current_organisation_id"


def current_organisation(request):
    """The organisation the user is working in: the one chosen this session, else their first."""
    from .models import Organisation

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    organisations = Organisation.objects.visible_to(user)
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        organisation = organisations.filter(pk=chosen).first()
        if organisation is not None:
            return organisation
    return organisations.order_by("name").first()


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = SimpleLazyObject(lambda: current_organisation(request))
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Tells browsers and proxies to keep no copy of anything served to a signed-in person:
    pages, reports, exports and evidence files alike (a shared computer's back button or disk
    cache must not show them to the next person)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
