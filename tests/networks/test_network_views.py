"""Every network page and change, for every kind of person: network lead and viewer on each
side, people of another network, the member organisation's own people and outsiders."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from partnership.models import NetworkOrganisation, SupportOffer
from partnership.networks import services as network_services
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .conftest import LEAD, MANAGEMENT, STAFF_SIDE, VIEWER, leads_of, make_member, network_person

pytestmark = pytest.mark.django_db

PERIOD = "2025/26"


@pytest.fixture
def world(network, other_network, officer, framework, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 2
    first, first_leads = make_member(
        network,
        officer,
        framework,
        name="Detail Trust",
        ratings=(0, 1, 2),
        sharing="detail",
        barrier="funding",
        detail="No budget for a second rota",
    )
    make_member(
        network,
        officer,
        framework,
        name="Summary Trust",
        ratings=(0, 2, 2),
        barrier="staffing",
        detail="Secret words",
    )
    org_viewer = UserFactory()
    MembershipFactory(user=org_viewer, organisation=first, side=MANAGEMENT, role="viewer")
    people = {
        "lead_staff": officer,
        "lead_management": network_person(network, MANAGEMENT, LEAD, "lead.m@net.example"),
        "viewer_management": network_person(network, MANAGEMENT, VIEWER, "viewer.m@net.example"),
        "viewer_staff": network_person(network, STAFF_SIDE, VIEWER, "viewer.s@net.example"),
        "other_network_lead": network_person(other_network, STAFF_SIDE, LEAD, "o@net.example"),
        "org_lead": first_leads[0],
        "org_viewer": org_viewer,
        "outsider": UserFactory(),
    }
    membership = first.networks.get(network=network)
    return {"organisation": first, "membership": membership, "people": people}


NETWORK_PEOPLE = ("lead_staff", "lead_management", "viewer_management", "viewer_staff")
LEADS = ("lead_staff", "lead_management")
NOT_IN_NETWORK = ("other_network_lead", "org_lead", "org_viewer", "outsider")
ALL = NETWORK_PEOPLE + NOT_IN_NETWORK

READ_PAGES = (
    "assessments:network",
    "assessments:network_gaps",
    "assessments:network_help",
    "assessments:network_coverage_csv",
    "assessments:network_coverage_xlsx",
    "assessments:network_gaps_csv",
    "assessments:network_gaps_xlsx",
    "partnership:network_organisations",
)


@pytest.mark.parametrize("person", ALL)
@pytest.mark.parametrize("name", READ_PAGES)
def test_network_pages_are_for_the_networks_members_only(
    client, world, network, person, name, download
):
    client.force_login(world["people"][person])
    # The exports are prepared on the task queue: "preparing" (202), then the file.
    response = download(client, reverse(name, args=[network.slug]))
    assert response.status_code == (200 if person in NETWORK_PEOPLE else 404)


@pytest.mark.parametrize("person", ("lead_staff", "viewer_management", "outsider", "org_lead"))
def test_audit_pdf_is_for_members_only(client, world, network, person, download):
    client.force_login(world["people"][person])
    response = download(client, reverse("assessments:network_audit_pdf", args=[network.slug]))
    assert response.status_code == (200 if person in NETWORK_PEOPLE else 404)


@pytest.mark.parametrize("person", ALL)
def test_only_network_leads_invite(client, world, network, person):
    invitee = OrganisationFactory(ods_code="NEW1")
    client.force_login(world["people"][person])
    response = client.post(
        reverse("partnership:network_organisations", args=[network.slug]), {"ods_code": "new1"}
    )
    expected = 302 if person in LEADS else 403 if person in NETWORK_PEOPLE else 404
    assert response.status_code == expected
    assert NetworkOrganisation.objects.filter(organisation=invitee).exists() == (person in LEADS)


@pytest.mark.parametrize("person", ALL)
def test_only_network_leads_offer_support(client, world, network, person):
    client.force_login(world["people"][person])
    url = reverse("assessments:network_offer", args=[network.slug, world["membership"].pk])
    response = client.post(url, {"who": "Regional officer", "what": "A workshop", "when": "May"})
    expected = 302 if person in LEADS else 403 if person in NETWORK_PEOPLE else 404
    assert response.status_code == expected
    assert SupportOffer.objects.exists() == (person in LEADS)


@pytest.mark.parametrize("person", ALL)
def test_only_network_leads_set_thresholds(client, world, network, person):
    client.force_login(world["people"][person])
    url = reverse("assessments:network_thresholds", args=[network.slug])
    response = client.post(url, {"score_below": "70", "divergence_at_least": "2"})
    expected = 302 if person in LEADS else 403 if person in NETWORK_PEOPLE else 404
    assert response.status_code == expected
    network.refresh_from_db()
    assert (network.help_score_below == 70) == (person in LEADS)


def test_bad_thresholds_change_nothing(client, world, network):
    client.force_login(world["people"]["lead_staff"])
    url = reverse("assessments:network_thresholds", args=[network.slug])
    response = client.post(url, {"score_below": "lots", "divergence_at_least": "2"})
    assert response.status_code == 400 and b"whole numbers" in response.content
    network.refresh_from_db()
    assert network.help_score_below == 50


@pytest.mark.parametrize("person", ALL)
def test_comparison_is_for_the_organisations_leads(client, world, network, person):
    client.force_login(world["people"][person])
    url = reverse("assessments:network_compare", args=[network.slug, world["membership"].pk])
    response = client.get(url)
    expected = 200 if person == "org_lead" else 403 if person == "org_viewer" else 404
    assert response.status_code == expected


@pytest.mark.parametrize("person", ALL)
def test_an_organisations_own_pages_stay_closed_to_the_network(client, world, person):
    organisation = world["organisation"]
    assessment = organisation.assessments.get()
    client.force_login(world["people"][person])
    for url in (
        reverse("partnership:organisation", args=[organisation.pk]),
        reverse("assessments:assessment", args=[assessment.pk]),
        reverse("assessments:report", args=[assessment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == (200 if person in ("org_lead", "org_viewer") else 404)


@pytest.fixture
def invitation(world, network, officer):
    organisation = OrganisationFactory(name="Invited Trust")
    management, staff = leads_of(organisation)
    viewer = UserFactory()
    MembershipFactory(user=viewer, organisation=organisation, side=MANAGEMENT, role="viewer")
    membership = network_services.invite(network, organisation, user=officer)
    return membership, management, staff, viewer


def test_invitation_answered_by_both_leads_through_the_pages(client, invitation):
    membership, management, staff, _ = invitation
    url = reverse("partnership:invitation", args=[membership.pk])
    for lead in (management, staff):
        client.force_login(lead)
        page = client.get(url)
        assert page.status_code == 200
        seen = page.context["form"].initial["seen"]
        response = client.post(url, {"sharing": "detail", "seen": seen})
        assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "joined" and membership.sharing == "detail"
    client.force_login(management)
    page = client.get(reverse("partnership:organisation", args=[membership.organisation_id]))
    assert b"Leave North East and Yorkshire" in page.content


def test_an_invitation_changed_since_it_was_shown_is_refused(client, invitation):
    membership, management, _, _ = invitation
    client.force_login(management)
    response = client.post(
        reverse("partnership:invitation", args=[membership.pk]),
        {"sharing": "detail", "seen": "detail:" + "0" * 64},
    )
    assert response.status_code == 409
    assert not membership.consents.exists()


def test_no_sharing_level_chosen_is_a_clear_error(client, invitation):
    membership, management, _, _ = invitation
    client.force_login(management)
    response = client.post(reverse("partnership:invitation", args=[membership.pk]), {})
    assert response.status_code == 400
    assert b"Choose what your organisation will share" in response.content


@pytest.mark.parametrize("person", ("management", "viewer", "network", "outsider"))
def test_only_the_organisations_leads_answer_or_leave(client, invitation, officer, person):
    membership, management, _, viewer = invitation
    user = {
        "management": management,
        "viewer": viewer,
        "network": officer,
        "outsider": UserFactory(),
    }[person]
    client.force_login(user)
    expected = {"management": 200, "viewer": 403}.get(person, 404)
    assert (
        client.get(reverse("partnership:invitation", args=[membership.pk])).status_code == expected
    )
    response = client.post(reverse("partnership:invitation_decline", args=[membership.pk]))
    assert response.status_code == (302 if person == "management" else expected)
    membership.refresh_from_db()
    assert (membership.status == "declined") == (person == "management")


def test_leaving_through_the_page_hides_the_organisation_at_once(client, world, network):
    people = world["people"]
    client.force_login(people["org_lead"])
    response = client.post(reverse("partnership:network_leave", args=[world["membership"].pk]))
    assert response.status_code == 302
    client.force_login(people["lead_staff"])
    page = client.get(reverse("assessments:network", args=[network.slug]))
    assert b"Detail Trust" not in page.content


def test_unknown_network_or_id_is_404(client, world, network):
    client.force_login(world["people"]["lead_staff"])
    assert client.get("/networks/nope/").status_code == 404
    url = reverse(
        "assessments:network_offer", args=[network.slug, "00000000-0000-0000-0000-000000000000"]
    )
    assert client.post(url, {}).status_code == 404
    assert (
        client.get("/organisations/invitations/00000000-0000-0000-0000-000000000000/").status_code
        == 404
    )


def test_gap_map_filters_and_reasons_from_detail_members_only(client, world, network):
    client.force_login(world["people"]["viewer_management"])
    page = client.get(reverse("assessments:network_gaps", args=[network.slug]))
    assert b"No budget for a second rota" in page.content
    assert b"Secret words" not in page.content
    filtered = client.get(
        reverse("assessments:network_gaps", args=[network.slug]), {"country": "wales"}
    )
    assert filtered.status_code == 200
    assert filtered.context["gaps"].organisations == 0
    bad = client.get(reverse("assessments:network_gaps", args=[network.slug]), {"sector": "x"})
    assert bad.status_code == 400 and b"There is a problem" in bad.content


def test_each_gap_links_to_the_organisations_that_closed_it(client, world, network):
    client.force_login(world["people"]["viewer_management"])
    page = client.get(reverse("assessments:network_gaps", args=[network.slug]))
    gaps = [row for row in page.context["gaps"].rows if row.below_met.value]
    assert gaps
    for row in gaps:
        closing = reverse("casestudies:closing", args=[row.criterion_id])
        assert f'href="{closing}"'.encode() in page.content
    shown = [row for row in page.context["gaps"].rows if not row.below_met.value]
    for row in shown:
        assert f'data-testid="closing-{row.ref}"'.encode() not in page.content


def test_exports_carry_the_same_figures(client, world, network, download):
    client.force_login(world["people"]["lead_staff"])
    csv_text = download(
        client, reverse("assessments:network_gaps_csv", args=[network.slug])
    ).content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("A1,")
    workbook = load_workbook(
        io.BytesIO(
            download(
                client, reverse("assessments:network_coverage_xlsx", args=[network.slug])
            ).content
        )
    )
    names = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Detail Trust", "Summary Trust"]


def test_audit_pdf_has_coverage_and_the_most_common_gap(client, world, network, download):
    client.force_login(world["people"]["lead_staff"])
    response = download(client, reverse("assessments:network_audit_pdf", args=[network.slug]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Signed off by both sides: 2" in text
    assert "A1" in text and "below met in 2 of 2" in text


def test_support_offers_and_invitations_show_on_the_leads_home_page(client, world, invitation):
    people = world["people"]
    client.force_login(people["lead_staff"])
    client.post(
        reverse(
            "assessments:network_offer",
            args=[world["membership"].network.slug, world["membership"].pk],
        ),
        {"who": "Regional officer", "what": "A partnership workshop", "when": "June 2026"},
    )
    client.force_login(people["org_lead"])
    page = client.get(reverse("assessments:home")).content.decode()
    assert "A partnership workshop" in page and "Your scores against the network" in page
    client.force_login(people["org_viewer"])
    assert "A partnership workshop" not in client.get(reverse("assessments:home")).content.decode()
    client.force_login(invitation[1])
    assert (
        "Read and answer the invitation" in client.get(reverse("assessments:home")).content.decode()
    )
