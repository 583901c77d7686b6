"""The heart of the product, in a real browser: two sides sign the same version, or say why not."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import Assessment, Response
from assessments.services import save_response, staff_side_sign, start_assessment, submit_response
from tests.assessments.test_checklist_views import build_framework
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOINT_STATEMENT = "Both sides agree this is a fair account of our working lives this year."


def signed_in_page(browser, live_server, user):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, user.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_disagree_revise_cosign_and_sign_off(
    browser, live_server, organisation, hr_lead, staff_rep
):
    # Given an assessment with two criteria; the second is already agreed by both sides
    assessment = start_assessment(
        organisation=organisation,
        framework=build_framework(standards=1, criteria_per_standard=2),
        period="2026/27",
        title="IWL 2026/27",
        user=hr_lead,
    )
    first, second = assessment.responses.order_by("criterion__ref")
    for response in (first, second):
        save_response(
            response.pk,
            data={"rating": 2, "narrative": "Policy agreed in 2025"},
            expected_version=1,
            user=hr_lead,
        )
    submit_response(second.pk, user=hr_lead)
    staff_side_sign(second.pk, user=staff_rep, decision="agreed")
    criterion_url = live_server.url + reverse(
        "assessments:criterion", args=[assessment.pk, first.pk]
    )
    hr = signed_in_page(browser, live_server, hr_lead)
    rep = signed_in_page(browser, live_server, staff_rep)

    # When the HR lead submits the first criterion for staff-side review
    hr.goto(criterion_url)
    hr.get_by_role("button", name="Submit for staff-side review").click()
    expect(hr.get_by_text("Submitted for staff-side review").first).to_be_visible()

    # And the staff-side rep disagrees, with a comment
    rep.goto(criterion_url)
    assert_accessible(rep)
    rep.get_by_role("radio", name="Disagree").check()
    rep.get_by_label("Comment", exact=True).fill("Night staff cannot use the policy.")
    rep.get_by_role("button", name="Sign for the staff side").click()
    expect(rep.get_by_text("Night staff cannot use the policy.").first).to_be_visible()
    assert Response.objects.get(pk=first.pk).state == Response.State.DISAGREED

    # Then the HR lead revises the answer, which voids the signatures, and resubmits
    hr.goto(criterion_url)
    hr.get_by_label("Evidence narrative").fill(
        "Policy agreed in 2025 and extended to night staff in 2026"
    )
    hr.get_by_role("button", name="Save", exact=True).click()
    expect(hr.get_by_role("button", name="Submit for staff-side review")).to_be_visible()
    assert Response.objects.get(pk=first.pk).state == Response.State.DRAFT
    hr.get_by_role("button", name="Submit for staff-side review").click()
    expect(hr.get_by_text("Submitted for staff-side review").first).to_be_visible()

    # And the rep co-signs the revised version
    rep.goto(criterion_url)
    rep.get_by_role("radio", name="Agree", exact=True).check()
    rep.get_by_role("button", name="Sign for the staff side").click()
    first = Response.objects.get(pk=first.pk)
    assert first.state == Response.State.AGREED
    assert {s.response_version for s in first.signatures.filter(voided_at__isnull=True)} == {
        first.version
    }

    # When both leads sign the joint statement
    sign_off_url = live_server.url + reverse("assessments:sign_off", args=[assessment.pk])
    hr.goto(sign_off_url)
    assert_accessible(hr)
    hr.get_by_label("Joint statement").fill(JOINT_STATEMENT)
    hr.get_by_role("button", name="Sign off for management").click()
    rep.goto(sign_off_url)
    rep.get_by_role("button", name="Sign off for the staff side").click()
    expect(rep.get_by_text("read-only").first).to_be_visible()
    assert Assessment.objects.get(pk=assessment.pk).is_locked

    # Then every edit control is gone from the criterion page
    hr.goto(criterion_url)
    assert hr.locator("textarea, input[type=radio], input[type=file]").count() == 0
    assert hr.get_by_role("button", name="Save").count() == 0
    assert hr.get_by_role("button", name="Submit for staff-side review").count() == 0

    # And a forged edit post is refused and changes nothing
    csrf = next(c["value"] for c in hr.context.cookies() if c["name"] == "csrftoken")
    forged = hr.request.post(
        criterion_url,
        form={
            "csrfmiddlewaretoken": csrf,
            "version": str(first.version),
            "rating": "0",
            "narrative": "Forged",
        },
        headers={"Referer": criterion_url},
    )
    assert forged.status == 403
    assert Response.objects.get(pk=first.pk).narrative.startswith(
        "Policy agreed in 2025 and extended"
    )
