"""Joining and leaving networks: every change to an organisation's place in a network.

An organisation joins only when both of its leads have signed a consent (``NetworkConsent``,
through the ledger) to the same sharing level; one lead's consent alone shares nothing. Either
lead may leave at any time: leaving takes effect at once, voids both consents on the ledger and
records who left and when. Declining an invitation voids any consent already given.
"""

from django.db import transaction
from django.utils import timezone

from .. import rules as access_rules
from ..models import Membership
from ..signing import ledger
from .models import Network, NetworkConsent, NetworkOrganisation, SupportOffer, consent_subject

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE


class NotAllowed(Exception):
    """The change is not allowed; the message says why. Nothing was changed."""


def _lock(membership_id) -> NetworkOrganisation:
    return (
        NetworkOrganisation.objects.select_for_update(of=("self",))
        .select_related("network", "organisation")
        .get(pk=membership_id)
    )


def _require_network_lead(user, network):
    if not access_rules.is_network_lead(user, network):
        raise NotAllowed("Only a lead of the network can do that")


def _lead_side(user, organisation, side=None):
    """The side the user acts for as one of the organisation's two leads."""
    sides = [
        s for s in (MANAGEMENT, STAFF_SIDE) if access_rules.can_sign_off_for[s](user, organisation)
    ]
    if not sides:
        raise NotAllowed("Only the organisation's management lead or staff-side lead can do that")
    if side is None:
        return sides[0]
    if side not in sides:
        raise NotAllowed(f"You are not the {Membership.Side(side).label.lower()} lead")
    return side


def active_consents(membership) -> dict:
    return {c.side: c for c in membership.consents.filter(voided_at__isnull=True)}


@transaction.atomic
def invite(network: Network, organisation, *, user) -> NetworkOrganisation:
    """A network lead invites an organisation. One that declined or left may be invited again."""
    _require_network_lead(user, network)
    membership = (
        NetworkOrganisation.objects.select_for_update()
        .filter(network=network, organisation=organisation)
        .first()
    )
    if membership is None:
        return NetworkOrganisation.objects.create(
            network=network, organisation=organisation, invited_by=user
        )
    if membership.status in (NetworkOrganisation.Status.INVITED, NetworkOrganisation.Status.JOINED):
        raise NotAllowed(
            f"{organisation.name} is already {membership.get_status_display().lower()}"
        )
    membership.status = NetworkOrganisation.Status.INVITED
    membership.invited_by = user
    membership.joined_at = None
    membership.save(update_fields=["status", "invited_by", "joined_at", "updated_at"])
    return membership


def accept_subject(membership, sharing) -> dict:
    """What the acceptance form shows and signs; its digest is the form's ``seen``."""
    return consent_subject(membership, sharing)


@transaction.atomic
def accept(membership_id, *, user, sharing, seen=None, side=None) -> NetworkConsent:
    """One of the organisation's leads signs their consent to join at ``sharing``.

    The organisation joins when the other lead's active consent names the same level. A lead
    who accepts again at another level replaces their own consent.
    """
    membership = _lock(membership_id)
    organisation = membership.organisation
    side = _lead_side(user, organisation, side)
    if sharing not in NetworkOrganisation.Sharing.values:
        raise NotAllowed("Choose what to share: the summary or the detail")
    if membership.status != NetworkOrganisation.Status.INVITED:
        raise NotAllowed(
            f"There is no open invitation: {organisation.name} has "
            f"{membership.get_status_display().lower()}"
            if membership.status != NetworkOrganisation.Status.JOINED
            else f"{organisation.name} has already joined {membership.network.name}"
        )
    consents = active_consents(membership)
    other = consents.get(STAFF_SIDE if side == MANAGEMENT else MANAGEMENT)
    if other is not None and other.signer_id == user.pk:
        raise NotAllowed("You accepted for the other side, so you cannot also accept for this one")
    mine = consents.get(side)
    if mine is not None:
        ledger.void(mine, "Accepted again")
    consent = ledger.sign(
        NetworkConsent,
        organisation=organisation,
        signer=user,
        side=side,
        subject=accept_subject(membership, sharing),
        seen=seen,
        membership=membership,
        sharing=sharing,
    )
    if other is not None and other.sharing == sharing:
        membership.status = NetworkOrganisation.Status.JOINED
        membership.sharing = sharing
        membership.joined_at = timezone.now()
        membership.left_at = None
        membership.left_by = None
        membership.save(
            update_fields=["status", "sharing", "joined_at", "left_at", "left_by", "updated_at"]
        )
    return consent


@transaction.atomic
def decline(membership_id, *, user) -> NetworkOrganisation:
    membership = _lock(membership_id)
    _lead_side(user, membership.organisation)
    if membership.status != NetworkOrganisation.Status.INVITED:
        raise NotAllowed("There is no open invitation to decline")
    ledger.void_all(membership.consents.filter(voided_at__isnull=True), "Invitation declined")
    membership.status = NetworkOrganisation.Status.DECLINED
    membership.save(update_fields=["status", "updated_at"])
    return membership


@transaction.atomic
def leave(membership_id, *, user) -> NetworkOrganisation:
    """Either lead takes the organisation out of the network, at once."""
    membership = _lock(membership_id)
    _lead_side(user, membership.organisation)
    if membership.status != NetworkOrganisation.Status.JOINED:
        raise NotAllowed(f"{membership.organisation.name} is not a member of this network")
    ledger.void_all(membership.consents.filter(voided_at__isnull=True), "Left the network")
    membership.status = NetworkOrganisation.Status.LEFT
    membership.left_at = timezone.now()
    membership.left_by = user
    membership.save(update_fields=["status", "left_at", "left_by", "updated_at"])
    return membership


@transaction.atomic
def offer_support(membership_id, *, user, who, what, when) -> SupportOffer:
    membership = _lock(membership_id)
    _require_network_lead(user, membership.network)
    if membership.status != NetworkOrganisation.Status.JOINED:
        raise NotAllowed(f"{membership.organisation.name} is not a member of this network")
    who, what, when = (value.strip() for value in (who, what, when))
    if not (who and what and when):
        raise NotAllowed("Say who will help, with what, and when")
    return SupportOffer.objects.create(
        membership=membership, offered_by=user, who=who, what=what, when=when
    )


@transaction.atomic
def set_thresholds(
    network: Network, *, user, score_below, divergence_at_least, health_check_below=None
) -> Network:
    _require_network_lead(user, network)
    if health_check_below is None:
        health_check_below = network.help_health_check_below
    if (
        not (0 <= score_below <= 100)
        or not (0 <= health_check_below <= 100)
        or divergence_at_least < 1
    ):
        raise NotAllowed("The scores are percentages from 0 to 100; divergence is at least 1")
    network.help_score_below = score_below
    network.help_divergence_at_least = divergence_at_least
    network.help_health_check_below = health_check_below
    network.save(
        update_fields=[
            "help_score_below",
            "help_divergence_at_least",
            "help_health_check_below",
            "updated_at",
        ]
    )
    return network
