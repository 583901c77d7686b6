from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .access import get_organisation_for
from .middleware import SESSION_KEY


def organisation_detail(request, pk):
    organisation = get_organisation_for(request, pk)
    memberships = organisation.memberships.select_related("user").order_by("side", "role", "user__email")
    return render(
        request,
        "partnership/organisation_detail.html",
        {"organisation": organisation, "memberships": memberships},
    )


@require_POST
def switch_organisation(request):
    organisation = get_organisation_for(request, request.POST.get("organisation", ""))
    request.session[SESSION_KEY] = str(organisation.pk)
    messages.success(request, f"You are now working in {organisation.name}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "assessments:home"
    return redirect(next_url)
