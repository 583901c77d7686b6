"""The two sides build, sign and follow up a joint action plan in the browser, and download it."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.frameworks import load_framework_files
from assessments.models import Action, Framework, PlanSignature
from assessments.services import save_response, start_assessment
from tests.e2e.conftest import assert_accessible, download_when_ready, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUNDLED = Path(settings.BASE_DIR) / "fixtures" / "frameworks" / "iwl-standard-2000.yaml"
UPDATE = "Bid submitted to the capital round; decision due in October."


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )


def add_action(page, ref, description, *, management_owner, staff_owner, day, month, year):
    page.get_by_role("link", name=f"Add an action for {ref}").click()
    page.wait_for_url("**/action-plan/actions/new/?criterion=*")
    expect(page.get_by_role("checkbox", name=re.compile(rf"^{ref} "))).to_be_checked()
    page.get_by_label("What will be done?").fill(description)
    page.get_by_label("Management owner").select_option(label=management_owner)
    page.get_by_label("Staff-side owner").select_option(label=staff_owner)
    page.get_by_role("textbox", name="Day", exact=True).fill(day)
    page.get_by_role("textbox", name="Month", exact=True).fill(month)
    page.get_by_role("textbox", name="Year", exact=True).fill(year)
    page.get_by_role("button", name="Add the action").click()
    page.wait_for_url("**/action-plan/#actions")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


@pytest.mark.smoke
def test_both_sides_build_sign_and_follow_up_the_plan(
    page, live_server, console_errors, organisation, hr_lead, staff_rep, task_worker
):
    # Given a self-assessment on the bundled IWL framework with two gaps: HR4 partly in place
    # and ED4 not in place
    for user, name in ((hr_lead, "Helen Roberts"), (staff_rep, "Sam Patel")):
        user.full_name = name  # Faker's names may be hyphenated, and break across PDF lines
        user.save(update_fields=["full_name"])
    load_framework_files([BUNDLED])
    framework = Framework.objects.get(slug="iwl-standard-2000")
    assessment = start_assessment(
        organisation=organisation,
        framework=framework,
        period="2026/27",
        title="Improving Working Lives 2026/27",
        user=hr_lead,
    )
    responses = {r.criterion.ref: r for r in assessment.responses.select_related("criterion")}
    for ref, rating, barrier in (("HR4", 1, "staffing"), ("ED4", 0, "funding")):
        save_response(
            responses[ref].pk,
            data={"rating": rating, "barrier": barrier, "barrier_detail": f"Why {ref} is not met"},
            expected_version=1,
            user=hr_lead,
        )
    plan_url = live_server.url + reverse("assessments:action_plan", args=[assessment.pk])
    hr_name, staff_name = hr_lead.get_full_name(), staff_rep.get_full_name()

    # When the HR lead signs in and opens the action plan
    sign_in(page, live_server, hr_lead.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(plan_url)

    # Then both gaps are listed with no action yet
    assert page.get_by_role("heading", name="Joint action plan", level=1).is_visible()
    for ref in ("HR4", "ED4"):
        expect(page.get_by_test_id(f"gap-{ref}")).to_contain_text("No action yet")
    assert "DRAFT" in page.get_by_test_id("plan-status").inner_text()
    assert_accessible(page)

    # When they add an action for HR4 without describing it, the form says what is missing
    page.get_by_role("link", name="Add an action for HR4").click()
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Describe the action")
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.goto(plan_url)

    # And they create two actions, each with an owner on both sides
    add_action(
        page,
        "HR4",
        "Review the HR policies past their review date with the staff side",
        management_owner=hr_name,
        staff_owner=staff_name,
        day="30",
        month="9",
        year="2027",
    )
    expect(page.get_by_text("Action added to the plan")).to_be_visible()
    add_action(
        page,
        "ED4",
        "Restore equality and diversity training to the mandatory list",
        management_owner=hr_name,
        staff_owner=staff_name,
        day="31",
        month="3",
        year="2028",
    )

    # Then no gap is left without an action, and both actions are listed with their owners
    for ref in ("HR4", "ED4"):
        expect(page.get_by_test_id(f"gap-{ref}")).not_to_contain_text("No action yet")
    rows = page.get_by_test_id("action-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(hr_name)
    expect(rows.first).to_contain_text(staff_name)
    assert Action.objects.filter(plan__assessment=assessment).count() == 2
    assert_accessible(page)

    # When the HR lead signs the plan for the management side
    page.get_by_role("button", name="Sign the action plan for the management side").click()
    page.wait_for_url("**/action-plan/#signatures")
    expect(page.get_by_test_id("plan-signatures")).to_contain_text(f"Signed by {hr_name}")
    sign_out(page)

    # And the staff-side lead signs in and signs it for the staff side
    sign_in(page, live_server, staff_rep.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(plan_url)
    assert (
        page.get_by_role("button", name="Sign the action plan for the management side").count() == 0
    )
    page.get_by_role("button", name="Sign the action plan for the staff side").click()
    page.wait_for_url("**/action-plan/#signatures")

    # Then the plan is agreed by both leads, and each signature verifies
    expect(page.get_by_test_id("plan-status")).to_have_text("Agreed: signed by both leads")
    expect(page.get_by_test_id("plan-signatures")).to_contain_text(f"Signed by {staff_name}")
    assert PlanSignature.objects.filter(voided_at__isnull=True).count() == 2
    page.get_by_role("link", name="Verify the management lead's signature").click()
    expect(page.get_by_test_id("verification")).to_contain_text(
        "Verified: the action plan is unchanged since it was signed"
    )
    assert_accessible(page)
    page.goto(plan_url)

    # When the staff-side owner posts a progress update on the ED4 action
    page.get_by_test_id("actions-table").get_by_role(
        "link", name="Restore equality and diversity training to the mandatory list"
    ).click()
    page.wait_for_url("**/actions/*/")
    assert_accessible(page)
    page.get_by_label("What progress has been made?").fill(UPDATE)
    page.get_by_role("radio", name="In progress").check()
    page.get_by_role("button", name="Post update").click()
    page.wait_for_url("**/actions/*/#progress")

    # Then the update is in the action's progress log, and progress does not void the plan
    entry = page.get_by_test_id("progress-update")
    expect(entry).to_contain_text(UPDATE)
    expect(entry).to_contain_text("Staff side")
    expect(page.get_by_test_id("action-status")).to_have_text("In progress")
    assert PlanSignature.objects.filter(voided_at__isnull=True).count() == 2

    # And the page to change the action warns that a change voids both signatures
    page.get_by_role("link", name="Change or remove this action").click()
    expect(page.get_by_test_id("signed-warning")).to_contain_text(
        "Changing an action will void both signatures"
    )
    assert_accessible(page)

    # And the organisation's list of actions filters to it
    page.goto(plan_url)
    page.get_by_role("link", name=f"All actions of {organisation.name}").click()
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("action-row")).to_have_count(1)
    expect(page.get_by_test_id("action-row")).to_contain_text("Restore equality and diversity")
    assert_accessible(page)

    # When they download the action plan as a PDF
    page.goto(plan_url)
    download = download_when_ready(page, "Download the action plan (PDF)", "joint action plan")
    content = download.path().read_bytes()

    # Then it shows the organisation, both owners and the update, and is no longer a draft
    assert download.suggested_filename == "Z9A-2026-27-action-plan.pdf"
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert organisation.name in text
    assert hr_name in text and staff_name in text
    assert UPDATE in text
    assert "Agreed: signed by both leads" in text and "DRAFT" not in text
    # The one console message is the browser noting the form with a problem answered 400.
    assert console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
