import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from partnership.models import Membership, Network, NetworkMember
from tests.e2e.conftest import assert_accessible, download_when_ready, sign_in
from tests.networks.conftest import make_member, network_person, rated_framework

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


def test_regional_officer_filters_the_gap_map_and_downloads_the_audit(
    page, live_server, console_errors, settings, task_worker
):
    # Given a region with five members: one sharing the detail, four the summary (one in Wales)
    settings.ROLLUP_MIN_ORGANISATIONS = 2
    framework = rated_framework()
    region = Network.objects.create(name="North East and Yorkshire", slug="ney", kind="nhs_region")
    officer = network_person(
        region,
        Membership.Side.STAFF_SIDE,
        NetworkMember.Role.LEAD,
        "regional.officer@network.example",
    )
    officer.set_password(PASSWORD)
    officer.save()
    make_member(
        region,
        officer,
        framework,
        name="Detail Trust",
        ratings=(0, 2, 2),
        sharing="detail",
        barrier="funding",
        detail="No budget for cover",
        country="england",
    )
    for i in range(4):
        make_member(
            region,
            officer,
            framework,
            name=f"Summary Trust {i}",
            ratings=(0, 1, 2),
            barrier="staffing",
            detail="Private words",
            country="england" if i else "wales",
        )

    # When the regional officer signs in and opens the gap map
    sign_in(page, live_server, officer.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Networks").first.click()
    page.get_by_role("link", name="North East and Yorkshire").click()
    page.get_by_role("link", name="Gap map").click()
    page.wait_for_url(f"**{reverse('assessments:network_gaps', args=['ney'])}*")
    assert page.get_by_test_id("gap-A1").get_by_role("cell").nth(2).inner_text() == "5"
    assert_accessible(page)

    # And filters it to England
    page.get_by_label("Country").select_option("england")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**country=england*")
    assert page.get_by_test_id("gap-A1").get_by_role("cell").nth(1).inner_text() == "4"

    # Then they see the reasons from the detail member only
    page.get_by_test_id("reasons-A1").locator("summary").click()
    reasons = page.get_by_test_id("reason").all_inner_texts()
    assert reasons == ["Detail Trust (Funding): No budget for cover"]
    assert "Private words" not in page.content()
    assert_accessible(page)

    # And the audit report downloads once prepared, with the coverage and the most common gap
    download = download_when_ready(
        page, None, "network audit report", link=page.get_by_test_id("audit-pdf")
    )
    assert_accessible(page)
    content = download.path().read_bytes()
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )
    assert "Where Improving Working Lives is not in place, and why" in text
    assert "Member organisations: 4" in text and "Signed off by both sides: 4" in text
    assert "The most common gaps A1 Statement for A1: below met in 4 of 4 organisations" in text
    assert console_errors == []
