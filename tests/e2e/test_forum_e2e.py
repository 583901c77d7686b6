"""A forum meeting in the browser: attendance by the staff-side lead, quorum per side, minutes
agreed by both joint chairs, and the meeting's calendar file."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from partnership.forums import services
from partnership.models import Membership
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.partnership.machinery import meeting_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _person(organisation, name, side):
    user = UserFactory(full_name=name)
    MembershipFactory(
        user=user, organisation=organisation, side=side, role=Membership.Role.CONTRIBUTOR
    )
    return user


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


def test_attendance_quorum_minutes_and_calendar(
    page, live_server, console_errors, organisation, hr_lead, staff_rep
):
    # Given a JNCC (quorum two a side) chaired by the HR lead and the staff-side lead, with two
    # more members on each side, and a meeting held last week
    for user, name in ((hr_lead, "Helen Roberts"), (staff_rep, "Sam Patel")):
        user.full_name = name
        user.save(update_fields=["full_name"])
    forum = services.save_forum(
        organisation,
        name="Joint negotiating and consultative committee",
        kind="jncc",
        meetings_per_year=6,
        management_quorum=2,
        staff_side_quorum=2,
        management_chair=hr_lead,
        staff_side_chair=staff_rep,
    )
    for name, side in (
        ("Priya Shah", Membership.Side.MANAGEMENT),
        ("Martin Cole", Membership.Side.MANAGEMENT),
        ("Dan Murphy", Membership.Side.STAFF_SIDE),
        ("Aisha Khan", Membership.Side.STAFF_SIDE),
    ):
        services.add_member(forum, user=_person(organisation, name, side), side=side)
    meeting = meeting_of(forum, days_ago=7)
    meeting_url = f"{live_server.url}/forums/meetings/{meeting.pk}/"

    # When the staff-side lead records attendance: both staff-side members sent apologies or
    # did not come
    sign_in(page, live_server, staff_rep.email, PASSWORD)
    page.goto(meeting_url)
    assert_accessible(page)
    page.get_by_test_id("record-attendance").click()
    for name in ("Helen Roberts", "Priya Shah", "Martin Cole", "Sam Patel"):
        page.get_by_role("group", name=name).get_by_label("Present").check()
    page.get_by_role("group", name="Dan Murphy").get_by_label("Apologies").check()
    page.get_by_role("group", name="Aisha Khan").get_by_label("Absent").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url(f"{meeting_url}#attendance")

    # Then the meeting shows quorate for management and not quorate for the staff side
    expect(page.get_by_test_id("quorum-management")).to_contain_text("Quorate")
    expect(page.get_by_test_id("quorum-management")).not_to_contain_text("Not quorate")
    expect(page.get_by_test_id("quorum-staff_side")).to_contain_text("Not quorate")
    expect(page.get_by_test_id("quorum-staff_side")).to_contain_text("1 present")
    assert_accessible(page)

    # When the staff-side lead drafts the minutes and agrees them for the staff side
    page.get_by_test_id("draft-minutes").click()
    page.get_by_label("Minutes").fill("The staff side was not quorate; the meeting is reconvened.")
    page.get_by_role("button", name="Save the minutes").click()
    page.wait_for_url(f"{meeting_url}#minutes")
    page.get_by_role("button", name="Agree the minutes for the staff side").click()
    page.wait_for_url(f"{meeting_url}#agreement")
    expect(page.get_by_test_id("agreement-status")).to_contain_text("Awaiting agreement")
    sign_out(page)

    # And the management joint chair agrees them too
    sign_in(page, live_server, hr_lead.email, PASSWORD)
    page.goto(meeting_url)
    page.get_by_role("button", name="Agree the minutes for the management side").click()
    page.wait_for_url(f"{meeting_url}#agreement")

    # Then the minutes are agreed by both joint chairs, each signature verified
    expect(page.get_by_test_id("agreement-status")).to_contain_text("Agreed by both joint chairs")
    expect(page.get_by_test_id("agreements")).to_contain_text("Verified")
    assert_accessible(page)

    # And the meeting's calendar file downloads
    with page.expect_download() as download_info:
        page.get_by_test_id("ics-link").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.startswith("BEGIN:VCALENDAR")
    assert f"UID:{meeting.pk}@iwl-forums" in content
    assert console_errors == []
