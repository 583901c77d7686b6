from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import rules as access_rules
from .access import get_organisation_for
from .forums.services import forum_health
from .middleware import SESSION_KEY
from .models import Membership


@login_not_required
def accessibility_statement(request):
    """The service's accessibility statement, in the NHS.UK format, open to everyone."""
    return render(request, "accessibility_statement.html")


def organisation_detail(request, pk):
    organisation = get_organisation_for(request, pk)
    role_order = {role: i for i, role in enumerate(Membership.Role.values)}
    memberships = sorted(
        organisation.memberships.select_related("user"),
        key=lambda m: (role_order[m.role], m.user.email),
    )
    sides = [
        (label, [m for m in memberships if m.side == value])
        for value, label in Membership.Side.choices
    ]
    return render(
        request,
        "partnership/organisation_detail.html",
        {
            "organisation": organisation,
            "sides": sides,
            "forum_health": forum_health(organisation.forums.all()),
            "network_places": organisation.networks.exclude(status="declined")
            .select_related("network")
            .prefetch_related("support_offers"),
            "is_lead": access_rules.is_lead_on_either_side(request.user, organisation),
            "breadcrumbs": [{"text": "Home", "href": reverse("assessments:home")}],
        },
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
