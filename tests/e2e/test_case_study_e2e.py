"""A case study from an agreed criterion, approved by both leads, found by another
organisation of the same network from its own gap, and downloaded as a PDF."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.casestudies.models import CaseStudy
from assessments.services import save_response, start_assessment
from partnership.models import Membership, NetworkOrganisation
from partnership.networks.models import Network
from tests.assessments.case_study_helpers import TEXT, closed_gap
from tests.assessments.test_checklist_views import responses_of
from tests.e2e.conftest import assert_accessible, download_when_ready, sign_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


def test_drafted_approved_and_found_from_another_organisations_gap(
    page, live_server, organisation, other_organisation, hr_lead, staff_rep, task_worker
):
    # Given an organisation whose criterion S1.1 went from partly in place to in place for all
    # staff groups, agreed by both sides, and another organisation in the same network with
    # S1.1 not in place
    framework, responses = closed_gap(organisation, hr_lead, staff_rep)
    agreed = responses["S1.1"]
    network = Network.objects.create(name="North ICS", slug="north-ics", kind="ics_or_health_board")
    for member_org in (organisation, other_organisation):
        NetworkOrganisation.objects.create(
            network=network,
            organisation=member_org,
            status=NetworkOrganisation.Status.JOINED,
            joined_at=timezone.now(),
            invited_by=hr_lead,
        )
    reader = UserFactory(email="hr.lead@z9b.example")
    MembershipFactory(user=reader, organisation=other_organisation, side=Membership.Side.MANAGEMENT)
    theirs = start_assessment(
        organisation=other_organisation,
        framework=framework,
        period="2026/27",
        title="T",
        user=reader,
    )
    their_gap = responses_of(theirs)["S1.1"]
    save_response(their_gap.pk, data={"rating": 0}, expected_version=1, user=reader)

    # When the HR lead opens the agreed criterion and writes a case study from it
    sign_in(page, live_server, hr_lead.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(
        live_server.url + reverse("assessments:criterion", args=[agreed.assessment_id, agreed.pk])
    )
    page.get_by_role("link", name="Write a case study").click()
    page.wait_for_url("**/case-studies/new/?response=*")
    assert_accessible(page)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a title")
    assert page.title().startswith("Error: ")
    page.get_by_label("Title").fill(TEXT["title"])
    page.get_by_label("Summary").fill(TEXT["summary"])
    page.get_by_label("What was done").fill(TEXT["what_was_done"])
    page.get_by_label("The impact").fill(TEXT["impact"])
    page.get_by_label("How the two sides worked together").fill(TEXT["joint_working"])
    page.get_by_role("radio", name="The networks our organisation has joined").check()
    page.get_by_role("radio", name="No, show our organisation's name").check()
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url("**/case-studies/*/")

    # Then it is a draft, with the scores from the assessments, waiting for both leads
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    expect(page.get_by_test_id("before")).to_have_text("Partly in place (2025/26)")
    expect(page.get_by_test_id("after")).to_have_text("In place for all staff groups (2026/27)")
    assert page.get_by_role("button", name="Approve for the staff side").count() == 0
    assert_accessible(page)
    case_study_url = page.url
    sign_out(page)

    # When the staff-side lead approves it
    sign_in(page, live_server, staff_rep.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(case_study_url)
    page.get_by_role("button", name="Approve for the staff side").click()
    page.wait_for_url("**/#approvals")
    expect(page.get_by_text("published once the other lead approves it")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    sign_out(page)

    # And the HR lead approves it
    sign_in(page, live_server, hr_lead.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(case_study_url)
    page.get_by_role("button", name="Approve for the management side").click()
    page.wait_for_url("**/#approvals")

    # Then it is published
    expect(page.get_by_test_id("status")).to_have_text("Published")
    assert CaseStudy.objects.get().is_published
    assert_accessible(page)
    sign_out(page)

    # When a member of the other organisation opens their own gap on S1.1
    sign_in(page, live_server, reader.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + reverse("assessments:criterion", args=[theirs.pk, their_gap.pk]))
    expect(page.get_by_test_id("closing-gap")).to_contain_text("1 case study")
    page.get_by_role("link", name="Organisations that closed this gap").click()
    page.wait_for_url("**/case-studies/closing/*/")
    assert_accessible(page)

    # Then they find the case study, read it and download its PDF
    page.get_by_role("link", name=TEXT["title"]).click()
    page.wait_for_url(case_study_url)
    expect(page.get_by_test_id("organisation")).to_contain_text(organisation.name)
    assert page.get_by_test_id("approvals").count() == 0
    assert_accessible(page)
    download = download_when_ready(page, "Download this case study (PDF)", "case study")
    assert_accessible(page)
    text = pdf_text(download.path().read_bytes())
    assert TEXT["title"] in text
    assert "In place for all staff groups (2026/27)" in text
    assert organisation.name in text

    # And the library finds it by word and by country, and not for another country
    page.goto(live_server.url + reverse("casestudies:library"))
    page.get_by_label("Search").fill("rostering")
    page.get_by_label("Country").select_option(label="England")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("case-study")).to_have_count(1)
    assert_accessible(page)
    page.get_by_label("Country").select_option(label="Scotland")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("case-study")).to_have_count(0)
