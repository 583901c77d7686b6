"""Network membership: a network's leads invite organisations; an organisation's two leads
answer the invitation (each signing a consent), and either may later leave.

Network pages go through the network door (``get_network_for``); answering and leaving go
through the organisation door (``get_invitation_for``), so only that organisation's leads can.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import rules as access_rules
from ..access import get_invitation_for, get_network_for
from ..forms import AcceptInvitationForm, InviteForm
from ..models import NetworkOrganisation
from ..responses import refused
from ..signing import ledger
from . import services
from .models import Network


def _refused(request, message, back_url, back_text, status=400):
    return refused(
        request,
        message=message,
        heading="Nothing was changed",
        caption="Networks",
        back_url=back_url,
        back_text=back_text,
        status=status,
    )


def network_list(request):
    networks = Network.objects.visible_to(request.user).order_by("name")
    return render(
        request,
        "partnership/networks/list.html",
        {
            "networks": networks,
            "breadcrumbs": [{"text": "Home", "href": reverse("assessments:home")}],
        },
    )


def network_organisations(request, slug):
    """Who is in the network, invited, declined or left; leads may invite."""
    network = get_network_for(request, slug, lead=request.method == "POST")
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(network, form.organisation, user=request.user)
        except services.NotAllowed as refusal:
            form.add_error("ods_code", str(refusal))
        else:
            messages.success(request, f"{form.organisation.name} is invited.")
            return redirect("partnership:network_organisations", slug=network.slug)
    memberships = network.organisations.select_related("organisation").order_by(
        "status", "organisation__name"
    )
    return render(
        request,
        "partnership/networks/organisations.html",
        {
            "network": network,
            "memberships": memberships,
            "form": form,
            "is_lead": access_rules.is_network_lead(request.user, network),
            "breadcrumbs": [{"text": "Your networks", "href": reverse("partnership:networks")}],
        },
        status=400 if form.errors else 200,
    )


def invitation(request, pk):
    """An organisation lead reads an invitation and accepts it at a sharing level, or declines."""
    membership = get_invitation_for(request, pk)
    back = reverse("partnership:organisation", args=[membership.organisation_id])
    digests = {
        value: ledger.digest_of(services.accept_subject(membership, value))
        for value in NetworkOrganisation.Sharing.values
    }
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None,
        choices=NetworkOrganisation.Sharing.choices,
        initial={"seen": ",".join(f"{k}:{v}" for k, v in digests.items())},
    )
    if request.method == "POST" and form.is_valid():
        sharing = form.cleaned_data["sharing"]
        shown = dict(
            part.split(":", 1) for part in form.cleaned_data["seen"].split(",") if ":" in part
        )
        try:
            services.accept(
                membership.pk, user=request.user, sharing=sharing, seen=shown.get(sharing, "")
            )
        except ledger.ContentChanged:
            return _refused(
                request,
                "This invitation changed since you opened it: read it again before accepting.",
                reverse("partnership:invitation", args=[membership.pk]),
                "Read the invitation again",
                status=409,
            )
        except services.NotAllowed as refusal:
            return _refused(request, str(refusal), back, "Back to your organisation")
        membership.refresh_from_db()
        if membership.is_joined:
            messages.success(
                request, f"{membership.organisation.name} has joined {membership.network.name}."
            )
        else:
            messages.success(
                request,
                "Your acceptance is signed. The organisation joins when the other lead accepts "
                "at the same level.",
            )
        return redirect(back)
    consents = membership.consents.filter(voided_at__isnull=True).select_related("signer")
    return render(
        request,
        "partnership/networks/invitation.html",
        {
            "membership": membership,
            "form": form,
            "consents": consents,
            "breadcrumbs": [{"text": membership.organisation.name, "href": back}],
        },
        status=400 if form.errors else 200,
    )


def _organisation_action(request, pk, action, done):
    membership = get_invitation_for(request, pk)
    back = reverse("partnership:organisation", args=[membership.organisation_id])
    try:
        action(membership.pk, user=request.user)
    except services.NotAllowed as refusal:
        return _refused(request, str(refusal), back, "Back to your organisation")
    messages.success(request, done.format(network=membership.network.name))
    return redirect(back)


@require_POST
def decline(request, pk):
    return _organisation_action(request, pk, services.decline, "You declined to join {network}.")


@require_POST
def leave(request, pk):
    return _organisation_action(
        request, pk, services.leave, "Your organisation has left {network}. It shares nothing now."
    )
