"""The HR lead completes a criterion in the browser: autosave, validation, and a conflict."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.services import save_response, start_assessment
from tests.assessments.test_checklist_views import build_framework, responses_of
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_autosave_validation_and_conflict(
    page, live_server, console_errors, organisation, hr_lead, contributor
):
    # Given an assessment and the HR lead signed in on a criterion page
    assessment = start_assessment(
        organisation=organisation,
        framework=build_framework(),
        period="2026/27",
        title="Ours",
        user=hr_lead,
    )
    response = responses_of(assessment)["S1.1"]
    sign_in(page, live_server, hr_lead.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + reverse("assessments:criterion", args=[assessment.pk, response.pk]))
    status = page.locator("#save-status")
    assert "save automatically" in status.inner_text()
    assert_accessible(page)

    # When they type a narrative, it is saved in place
    page.get_by_label("Evidence narrative").fill("Typed words")
    expect(status).to_contain_text("Saved at", timeout=8000)
    response.refresh_from_db()
    assert (response.narrative, response.version) == ("Typed words", 2)
    assert page.locator("#id_version").get_attribute("value") == "2"

    # When they rate it as a gap without a reason, the page says it is not saved and why
    page.get_by_role("radio", name="Not in place").check()
    expect(status).to_contain_text("Not saved", timeout=8000)
    assert "Select the main reason" in page.locator("#autosave-errors").inner_text()

    # Then giving the reason saves it
    page.get_by_role("radio", name="Funding").check()
    expect(status).to_contain_text("Saved at", timeout=8000)
    assert page.locator("#autosave-errors").inner_text().strip() == ""
    response.refresh_from_db()
    assert (response.rating, response.barrier, response.version) == (0, "funding", 3)

    # When they type and press Save at once, their own autosave does not conflict
    page.get_by_label("Evidence narrative").fill("Typed words and more")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    page.wait_for_selector("text=Saved")
    assert "Someone else" not in page.content()
    response.refresh_from_db()
    assert response.narrative == "Typed words and more"

    # When a contributor saves in between, the HR lead's next save is refused, not lost
    save_response(
        response.pk,
        data={"narrative": "Contributor's words"},
        expected_version=response.version,
        user=contributor,
    )
    page.get_by_label("Evidence narrative").fill("My newer words")
    expect(status).to_contain_text("Not saved", timeout=8000)
    page.get_by_role("button", name="Compare your changes with theirs").click()
    page.wait_for_selector("text=Someone else saved this criterion")
    assert_accessible(page)
    assert "My newer words" in page.content()
    assert "Contributor" in page.content()

    # Then keeping their own words saves them over the contributor's
    page.get_by_role("button", name="Keep mine").click()
    page.wait_for_selector("text=Saved")
    response.refresh_from_db()
    assert response.narrative == "My newer words"
    # The conflict page answers 409 on purpose, which Chromium logs; nothing else may fail.
    assert [e for e in console_errors if "status of 409 (Conflict)" not in e] == []
