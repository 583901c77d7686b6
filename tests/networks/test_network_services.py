"""Joining takes both leads' signed consent to the same sharing level; leaving is immediate."""

import pytest

from partnership.models import Membership, NetworkConsent, NetworkOrganisation
from partnership.networks import services
from partnership.signing import ledger
from tests.factories import OrganisationFactory, UserFactory

from .conftest import LEAD, MANAGEMENT, VIEWER, leads_of, network_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(network, officer):
    organisation = OrganisationFactory()
    management, staff = leads_of(organisation)
    membership = services.invite(network, organisation, user=officer)
    return membership, management, staff


def test_only_a_network_lead_invites(network, officer):
    viewer = network_person(network, MANAGEMENT, VIEWER, "viewer@net.example")
    with pytest.raises(services.NotAllowed, match="lead of the network"):
        services.invite(network, OrganisationFactory(), user=viewer)
    assert not NetworkOrganisation.objects.exists()


def test_one_leads_acceptance_alone_shares_nothing(invited):
    membership, management, _ = invited
    consent = services.accept(membership.pk, user=management, sharing="detail")
    membership.refresh_from_db()
    assert membership.status == NetworkOrganisation.Status.INVITED
    assert ledger.verify(consent).matches


def test_both_leads_at_the_same_level_join(invited):
    membership, management, staff = invited
    services.accept(membership.pk, user=management, sharing="detail")
    services.accept(membership.pk, user=staff, sharing="detail")
    membership.refresh_from_db()
    assert membership.status == NetworkOrganisation.Status.JOINED
    assert membership.sharing == "detail" and membership.joined_at is not None
    assert all(ledger.verify(c).matches for c in membership.consents.all())


def test_different_levels_do_not_join_until_one_lead_changes(invited):
    membership, management, staff = invited
    services.accept(membership.pk, user=management, sharing="detail")
    services.accept(membership.pk, user=staff, sharing="summary")
    membership.refresh_from_db()
    assert membership.status == NetworkOrganisation.Status.INVITED
    services.accept(membership.pk, user=management, sharing="summary")
    membership.refresh_from_db()
    assert membership.status == NetworkOrganisation.Status.JOINED
    assert membership.sharing == "summary"
    assert NetworkConsent.objects.filter(voided_at__isnull=False).count() == 1


def test_consent_to_what_was_not_shown_is_refused(invited):
    membership, management, _ = invited
    seen = ledger.digest_of(services.accept_subject(membership, "summary"))
    with pytest.raises(ledger.ContentChanged):
        services.accept(membership.pk, user=management, sharing="detail", seen=seen)
    assert not NetworkConsent.objects.exists()


def test_only_the_organisations_leads_accept(invited, organisation, hr_lead):
    membership, _, _ = invited
    for user in (hr_lead, UserFactory()):
        with pytest.raises(services.NotAllowed):
            services.accept(membership.pk, user=user, sharing="summary")
    assert not NetworkConsent.objects.exists()


def test_leaving_is_immediate_recorded_and_voids_consents(invited):
    membership, management, staff = invited
    services.accept(membership.pk, user=management, sharing="summary")
    services.accept(membership.pk, user=staff, sharing="summary")
    services.leave(membership.pk, user=staff)
    membership.refresh_from_db()
    assert membership.status == NetworkOrganisation.Status.LEFT
    assert membership.left_by == staff and membership.left_at is not None
    assert not membership.consents.filter(voided_at__isnull=True).exists()
    with pytest.raises(services.NotAllowed):
        services.leave(membership.pk, user=management)


def test_declining_closes_the_invitation(invited, network, officer):
    membership, management, staff = invited
    services.accept(membership.pk, user=management, sharing="summary")
    services.decline(membership.pk, user=staff)
    membership.refresh_from_db()
    assert membership.status == NetworkOrganisation.Status.DECLINED
    with pytest.raises(services.NotAllowed):
        services.accept(membership.pk, user=management, sharing="summary")
    again = services.invite(network, membership.organisation, user=officer)
    assert again.pk == membership.pk and again.status == NetworkOrganisation.Status.INVITED


def test_one_person_cannot_accept_for_both_sides(invited):
    membership, management, _ = invited
    Membership.objects.create(
        user=management, organisation=membership.organisation, side="staff_side", role=LEAD
    )
    services.accept(membership.pk, user=management, sharing="summary", side="management")
    with pytest.raises(services.NotAllowed, match="other side"):
        services.accept(membership.pk, user=management, sharing="summary", side="staff_side")
