"""Networks, their people, and organisations that have joined them through both leads."""

import pytest

from assessments.demo_network import Answer, signed_off_cycle
from partnership.models import Membership, Network, NetworkMember, NetworkOrganisation
from partnership.networks import services as network_services
from tests.assessments.test_services import make_framework
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    RatingLevelFactory,
    StageFactory,
    UserFactory,
)

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
LEAD = NetworkMember.Role.LEAD
VIEWER = NetworkMember.Role.VIEWER


def rated_framework(slug="iwl-test", version="1"):
    """A three-criterion framework with a 0-2 scale (met at 2) and one stage."""
    framework = make_framework(refs=("A1", "A2", "B1"), slug=slug, version=version)
    for value, label, rag in (
        (0, "Not in place", "red"),
        (1, "Partly", "amber"),
        (2, "In place", "green"),
    ):
        RatingLevelFactory(framework=framework, value=value, label=label, rag=rag)
    StageFactory(framework=framework, slug="pledge", name="Pledge", position=1, rule=[])
    return framework


@pytest.fixture
def framework(db):
    return rated_framework()


def network_person(network, side, role, email):
    user = UserFactory(email=email)
    NetworkMember.objects.create(user=user, network=network, side=side, role=role)
    return user


@pytest.fixture
def network(db):
    return Network.objects.create(
        name="North East and Yorkshire", slug="ney", kind=Network.Kind.NHS_REGION
    )


@pytest.fixture
def other_network(db):
    return Network.objects.create(name="South West", slug="sw", kind=Network.Kind.NHS_REGION)


@pytest.fixture
def officer(network):
    return network_person(network, STAFF_SIDE, LEAD, "regional.officer@net.example")


def leads_of(organisation):
    management = UserFactory()
    staff = UserFactory()
    MembershipFactory(user=management, organisation=organisation, side=MANAGEMENT, role="lead")
    MembershipFactory(user=staff, organisation=organisation, side=STAFF_SIDE, role="lead")
    return management, staff


def join(network, organisation, officer, leads, sharing="summary"):
    membership = network_services.invite(network, organisation, user=officer)
    for lead in leads:
        network_services.accept(membership.pk, user=lead, sharing=sharing)
    membership.refresh_from_db()
    assert membership.status == NetworkOrganisation.Status.JOINED
    return membership


def make_member(
    network,
    officer,
    framework,
    *,
    name,
    ratings,
    staff=None,
    barrier="other",
    detail="",
    sharing="summary",
    period="2025/26",
    join_network=True,
    **org,
):
    """An organisation with both leads, joined (optionally) and one signed-off cycle where
    criterion i is rated ``ratings[i]``."""
    organisation = OrganisationFactory(name=name, **org)
    leads = leads_of(organisation)
    if join_network:
        join(network, organisation, officer, leads, sharing)
    refs = ("A1", "A2", "B1")
    staff = staff or ratings
    answers = {
        ref: Answer(
            rating=rating,
            staff_rating=staff_rating,
            barrier=barrier if rating < 2 else "",
            barrier_detail=detail if rating < 2 else "",
            narrative=f"Narrative for {ref}",
        )
        for ref, rating, staff_rating in zip(refs, ratings, staff, strict=True)
    }
    signed_off_cycle(
        organisation, framework, period, management=leads[0], staff=leads[1], answers=answers
    )
    return organisation, leads
