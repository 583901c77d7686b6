"""Northshire's HR lead moves the next cycle onto the 2009 edition through the bundled
crosswalk, and checks what came across in the carry-over report."""

import pytest
from django.urls import reverse

from assessments.demo import DEMO_PASSWORD, seed_demo
from assessments.models import Assessment, CarryOver, Framework
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hr_lead_starts_the_next_cycle_on_the_2009_edition_and_reads_the_carry_over_report(
    page, live_server, console_errors
):
    # Given the demo, with Northshire's 2026/27 self-assessment against the 2000 standard
    seed_demo()
    latest = Assessment.objects.get(organisation__ods_code="Z9A", period="2026/27")
    edition = Framework.objects.get(slug="iwl-framework-2009", version="2009.1")

    # When the HR lead signs in and starts the next cycle from it, on the 2009 edition
    sign_in(page, live_server, "hr.lead@northshire.example", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + reverse("assessments:assessment", args=[latest.pk]))
    page.get_by_role("link", name="Start the next cycle from this self-assessment").click()
    page.wait_for_url(f"**{reverse('assessments:next_cycle', args=[latest.pk])}")
    assert_accessible(page)
    page.get_by_label("Framework version").select_option(
        label=f"{edition.title}, version {edition.version}"
    )
    page.get_by_role("button", name="Start the next cycle").click()
    new = Assessment.objects.get(organisation__ods_code="Z9A", period="2027/28")
    page.wait_for_url(f"**{reverse('assessments:assessment', args=[new.pk])}")
    assert new.framework == edition

    # And opens the carry-over report from the new self-assessment's overview
    page.get_by_test_id("reports").get_by_role("link", name="Carry-over report").click()
    page.wait_for_url(f"**{reverse('assessments:carry_over', args=[new.pk])}")
    assert page.get_by_role("heading", name=f"Carry-over report: {new.title}").is_visible()

    # Then a carried answer is there, marked to review, with where it came from
    carried = (
        CarryOver.objects.filter(response__assessment=new, carried=CarryOver.Carried.ANSWER)
        .select_related("response__criterion")
        .order_by("response__criterion__standard__position", "response__criterion__position")
        .first()
    )
    row = page.get_by_test_id(f"carried-{carried.response.criterion.ref}")
    text = " ".join(row.inner_text().split())
    assert "To review" in text
    assert "Rating, narrative, reason, files and links" in text
    assert f"{carried.source_ref} in 2026/27 (equivalent)" in text
    assert_accessible(page)

    # And the four-country guide, linked from the frameworks page, sets the countries side by side
    page.goto(live_server.url + reverse("assessments:frameworks"))
    page.get_by_role("link", name="The four-country guide").click()
    page.wait_for_url(f"**{reverse('assessments:guide')}")
    header = page.get_by_test_id("area-HR").locator("thead").inner_text()
    assert "Scotland" in header and "Wales" in header and "Northern Ireland" in header
    assert_accessible(page)
    assert console_errors == []
