"""Permission matrix over every forum and facility time page, and what the pages do."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from partnership.facility_time.models import EmployerInputs, ReturnSignature
from partnership.forums import links, services
from partnership.forums.models import AgendaItem, Forum, ForumAction, Meeting
from partnership.models import Membership

from .machinery import forum_with_members, meeting_of, official

pytestmark = pytest.mark.django_db
SLUG = "2025-26"


@pytest.fixture
def people(organisation, hr_lead, contributor, staff_rep, viewer, outsider):
    staff_contributor = _user(organisation, Membership.Side.STAFF_SIDE, "contributor")
    return {
        "hr_lead": hr_lead,
        "contributor": contributor,
        "staff_rep": staff_rep,
        "staff_contributor": staff_contributor,
        "viewer": viewer,
        "outsider": outsider,
    }


def _user(organisation, side, role):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, side=side, role=role)
    return user


@pytest.fixture
def world(organisation, people):
    forum = forum_with_members(organisation, people["hr_lead"], people["staff_rep"])
    meeting = meeting_of(forum)
    services.save_minutes(
        meeting, text="Draft minutes", user=people["staff_rep"], side="staff_side", version=0
    )
    item = services.add_agenda_item(
        meeting,
        title="Rota policy",
        lead_side="management",
        paper=SimpleUploadedFile("rota.pdf", b"%PDF-1.4 paper"),
        paper_name="rota.pdf",
    )
    action = services.save_action(
        forum, description="Review", owner=people["hr_lead"], due_date="2026-06-30"
    )
    services.new_feed_token(forum)
    rep = official(organisation, "Ann", duties="150")
    EmployerInputs.objects.create(organisation=organisation, period="2025/26", pay_bill=10**7)
    return {"forum": forum, "meeting": meeting, "item": item, "action": action, "rep": rep}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _url(name, world, organisation):
    forum, meeting = world["forum"], world["meeting"]
    o = organisation.pk
    return {
        "forum_list": reverse("forums:list", args=[o]),
        "forum": reverse("forums:forum", args=[forum.pk]),
        "meeting": reverse("forums:meeting", args=[meeting.pk]),
        "meeting_ics": reverse("forums:meeting_ics", args=[meeting.pk]),
        "agenda_pdf": reverse("forums:agenda_pdf", args=[meeting.pk]),
        "minutes_pdf": reverse("forums:minutes_pdf", args=[meeting.pk]),
        "paper": reverse("forums:paper", args=[world["item"].pk]),
        "action": reverse("forums:action", args=[world["action"].pk]),
        "add_forum": reverse("forums:add", args=[o]),
        "edit_forum": reverse("forums:edit", args=[forum.pk]),
        "add_meeting": reverse("forums:add_meeting", args=[forum.pk]),
        "add_action": reverse("forums:add_action", args=[forum.pk]),
        "add_agenda_item": reverse("forums:add_agenda_item", args=[meeting.pk]),
        "attendance": reverse("forums:attendance", args=[meeting.pk]),
        "minutes": reverse("forums:minutes", args=[meeting.pk]),
        "add_member": reverse("forums:add_member", args=[forum.pk]),
        "new_feed": reverse("forums:new_feed", args=[forum.pk]),
        "revoke_feed": reverse("forums:revoke_feed", args=[forum.pk]),
        "agree": reverse("forums:agree", args=[meeting.pk]),
        "add_decision": reverse("forums:add_decision", args=[meeting.pk]),
        "return": reverse("facility_time:return", args=[o, SLUG]),
        "latest": reverse("facility_time:latest", args=[o]),
        "csv": reverse("facility_time:csv", args=[o, SLUG]),
        "pdf": reverse("facility_time:pdf", args=[o, SLUG]),
        "add_representative": reverse("facility_time:add_representative", args=[o, SLUG]),
        "time": reverse("facility_time:time", args=[world["rep"].pk, SLUG]),
        "cost": reverse("facility_time:cost", args=[world["rep"].pk, SLUG]),
        "employer": reverse("facility_time:employer", args=[o, SLUG]),
        "sign": reverse("facility_time:sign", args=[o, SLUG]),
    }[name]


READ_PAGES = [
    "forum_list",
    "forum",
    "meeting",
    "meeting_ics",
    "agenda_pdf",
    "minutes_pdf",
    "paper",
    "action",
    "return",
    "csv",
    "pdf",
]
EVERY_ROLE = ["hr_lead", "contributor", "staff_rep", "staff_contributor", "viewer"]


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize("role", [*EVERY_ROLE, "outsider"])
def test_reading_is_for_every_member_and_outsiders_get_404(
    world, organisation, people, page, role, download
):
    # The PDFs are prepared on the task queue: "preparing" (202), then the file.
    response = download(_client(people[role]), _url(page, world, organisation))
    assert response.status_code == (404 if role == "outsider" else 200)


FORUM_CHANGES = [
    "add_forum",
    "edit_forum",
    "add_meeting",
    "add_action",
    "add_agenda_item",
    "attendance",
    "minutes",
]
FORUM_POSTS = ["add_member", "new_feed", "revoke_feed", "agree", "add_decision", "action"]
EDITORS = ["hr_lead", "contributor", "staff_rep", "staff_contributor"]


@pytest.mark.parametrize("page", FORUM_CHANGES)
@pytest.mark.parametrize("role", [*EVERY_ROLE, "outsider"])
def test_forum_forms_are_for_editors_of_either_side(world, organisation, people, page, role):
    url = _url(page, world, organisation)
    client = _client(people[role])
    expected = {"viewer": 403, "outsider": 404}.get(role, 200)
    assert client.get(url).status_code == expected
    if role in ("viewer", "outsider"):
        assert client.post(url, {}).status_code == expected


@pytest.mark.parametrize("page", FORUM_POSTS)
@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_forum_changes_refused_to_viewers_and_outsiders(world, organisation, people, page, role):
    forum = world["forum"]
    token = forum.feed_token
    response = _client(people[role]).post(_url(page, world, organisation), {"text": "x"})
    assert response.status_code == (403 if role == "viewer" else 404)
    forum.refresh_from_db()
    assert forum.feed_token == token
    assert not world["meeting"].decisions.exists()


FACILITY_RULES = {
    "add_representative": {"staff_rep", "staff_contributor"},
    "time": {"staff_rep", "staff_contributor"},
    "cost": {"hr_lead", "contributor"},
    "employer": {"hr_lead", "contributor"},
}


@pytest.mark.parametrize("page", list(FACILITY_RULES))
@pytest.mark.parametrize("role", [*EVERY_ROLE, "outsider"])
def test_staff_side_enters_time_and_management_enters_pay(world, organisation, people, page, role):
    url = _url(page, world, organisation)
    client = _client(people[role])
    allowed = 200 if role in FACILITY_RULES[page] else 403
    expected = 404 if role == "outsider" else allowed
    assert client.get(url).status_code == expected
    if expected != 200:
        assert client.post(url, {}).status_code == expected


@pytest.mark.parametrize("role", [*EVERY_ROLE, "outsider"])
def test_only_leads_sign_the_return_each_for_their_side(world, organisation, people, role):
    from partnership.facility_time.presenters import ReturnPresenter

    seen = ReturnPresenter.build(organisation, "2025/26").seen
    client = _client(people[role])
    url = _url("sign", world, organisation)
    response = client.post(url, {"seen": seen, "side": "management"})
    expected = {"hr_lead": 302, "staff_rep": 400, "outsider": 404}.get(role, 403)
    assert response.status_code == expected
    assert ReturnSignature.objects.exists() == (role == "hr_lead")


@pytest.mark.parametrize(
    "name",
    ["forums:forum", "forums:meeting", "forums:action", "forums:paper", "forums:meeting_ics"],
)
def test_unknown_ids_are_404(hr_lead_client, world, name):
    assert hr_lead_client.get(reverse(name, args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize("name", ["facility_time:return", "facility_time:csv", "facility_time:pdf"])
def test_unknown_organisation_is_404(hr_lead_client, world, name):
    assert hr_lead_client.get(reverse(name, args=[uuid.uuid4(), SLUG])).status_code == 404


@pytest.mark.parametrize("name", ["facility_time:time", "facility_time:cost"])
def test_unknown_representative_is_404(staff_rep_client, world, name):
    assert staff_rep_client.get(reverse(name, args=[uuid.uuid4(), SLUG])).status_code == 404


def test_unknown_period_is_404(hr_lead_client, organisation):
    url = reverse("facility_time:return", args=[organisation.pk, "2025-27"])
    assert hr_lead_client.get(url).status_code == 404


# --- The calendar subscription link --------------------------------------------------------------


def test_feed_works_without_sign_in_only_with_its_secret(world, client, staff_rep_client):
    forum = world["forum"]
    url = reverse("forums:feed", args=[forum.pk, forum.feed_token])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert f"UID:{world['meeting'].pk}@iwl-forums" in body
    wrong = reverse("forums:feed", args=[forum.pk, forum.feed_token[:-1] + "x"])
    assert client.get(wrong).status_code == 404
    other = reverse("forums:feed", args=[uuid.uuid4(), forum.feed_token])
    assert client.get(other).status_code == 404
    staff_rep_client.post(reverse("forums:revoke_feed", args=[forum.pk]))
    assert Client().get(url).status_code == 404
    forum.refresh_from_db()
    assert forum.feed_token == ""
    assert Client().get(reverse("forums:feed", args=[forum.pk, "x"])).status_code == 404


def test_a_new_link_replaces_the_old_one(world, hr_lead_client):
    forum = world["forum"]
    old = reverse("forums:feed", args=[forum.pk, forum.feed_token])
    hr_lead_client.post(reverse("forums:new_feed", args=[forum.pk]))
    forum.refresh_from_db()
    assert Client().get(old).status_code == 404
    new = reverse("forums:feed", args=[forum.pk, forum.feed_token])
    assert Client().get(new).status_code == 200


# --- What the pages do ---------------------------------------------------------------------------


def test_add_a_forum_and_a_meeting(organisation, hr_lead, staff_rep, hr_lead_client):
    response = hr_lead_client.post(
        reverse("forums:add", args=[organisation.pk]),
        {
            "name": "Local partnership forum",
            "kind": "partnership_forum",
            "meetings_per_year": "4",
            "management_quorum": "3",
            "staff_side_quorum": "3",
            "management_chair": str(hr_lead.pk),
            "staff_side_chair": str(staff_rep.pk),
        },
    )
    forum = Forum.objects.get(name="Local partnership forum")
    assert response.status_code == 302
    response = hr_lead_client.post(
        reverse("forums:add_meeting", args=[forum.pk]),
        {
            "date_day": "15",
            "date_month": "3",
            "date_year": "2026",
            "time": "14:00",
            "duration_minutes": "90",
            "place": "Room 1",
        },
    )
    meeting = Meeting.objects.get(forum=forum)
    assert response.status_code == 302
    from django.utils import timezone

    local = timezone.localtime(meeting.starts_at)
    assert (local.day, local.month, local.year, local.hour) == (15, 3, 2026, 14)
    assert meeting.duration_minutes == 90


def test_forum_form_errors_are_clear(organisation, hr_lead_client, staff_rep):
    response = hr_lead_client.post(
        reverse("forums:add", args=[organisation.pk]),
        {"name": "", "meetings_per_year": "0", "management_chair": str(staff_rep.pk)},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter the forum&#x27;s name" in text or "Enter the forum's name" in text
    assert "Meetings a year must be 1 or more" in text
    assert "Select somebody from that side" in text
    assert not Forum.objects.exists()


def test_agenda_papers_are_checked(world, hr_lead_client):
    url = reverse("forums:add_agenda_item", args=[world["meeting"].pk])
    fake = SimpleUploadedFile("paper.pdf", b"<html>not a pdf</html>")
    response = hr_lead_client.post(
        url, {"title": "Budget", "lead_side": "management", "paper": fake}
    )
    assert response.status_code == 400
    assert "The paper must be a PDF, Word" in response.content.decode()
    assert AgendaItem.objects.count() == 1


def test_agenda_links_must_be_of_this_organisation(world, hr_lead_client):
    url = reverse("forums:add_agenda_item", args=[world["meeting"].pk])
    response = hr_lead_client.post(
        url,
        {
            "title": "Budget",
            "lead_side": "management",
            "link": f"assessments.assessment:{uuid.uuid4()}",
        },
    )
    assert response.status_code == 400
    assert AgendaItem.objects.count() == 1


def test_attendance_page_records_quorum(world, staff_rep_client):
    meeting = world["meeting"]
    members = list(meeting.forum.members.all())
    data = {f"member_{m.pk}": "present" for m in members}
    staff = [m for m in members if m.side == "staff_side"]
    data[f"member_{staff[0].pk}"] = "absent"
    data[f"member_{staff[1].pk}"] = "apologies"
    response = staff_rep_client.post(reverse("forums:attendance", args=[meeting.pk]), data)
    assert response.status_code == 302
    page = staff_rep_client.get(reverse("forums:meeting", args=[meeting.pk]))
    text = page.content.decode()
    assert "Not quorate" in text
    assert "1 present; the quorum was 2." in text


def test_agreeing_stale_minutes_is_refused(world, hr_lead_client, staff_rep):
    meeting = world["meeting"]
    response = hr_lead_client.post(reverse("forums:agree", args=[meeting.pk]), {"seen": "0" * 64})
    assert response.status_code == 400
    assert "changed since you opened them" in response.content.decode()
    assert not meeting.agreements.exists()


def test_the_meeting_ics_downloads(world, viewer_client):
    response = viewer_client.get(reverse("forums:meeting_ics", args=[world["meeting"].pk]))
    assert response["Content-Disposition"].endswith('.ics"')
    assert b"SUMMARY:Joint negotiating and consultative committee" in response.content
    assert b"1. Rota policy" in response.content


def test_pdfs_read_back(world, viewer_client, download):
    from io import BytesIO

    from pypdf import PdfReader

    response = download(viewer_client, reverse("forums:minutes_pdf", args=[world["meeting"].pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages)
    assert "Draft minutes" in text and "DRAFT" in text
    response = download(viewer_client, reverse("forums:agenda_pdf", args=[world["meeting"].pk]))
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages)
    assert "Rota policy" in text


def test_action_status_and_never_deleted(world, contributor):
    action = world["action"]
    client = _client(contributor)
    response = client.post(reverse("forums:action", args=[action.pk]), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.closed_at
    assert ForumAction.objects.count() == 1


def test_organisation_page_shows_machinery_health(world, organisation, viewer_client):
    response = viewer_client.get(reverse("partnership:organisation", args=[organisation.pk]))
    assert b'data-testid="forum-health"' in response.content


def test_return_page_csv_and_employer_validation(world, organisation, hr_lead_client):
    response = hr_lead_client.post(
        reverse("facility_time:employer", args=[organisation.pk, SLUG]),
        {"pay_bill": "1000", "fte_employees": "500"},
    )
    assert response.status_code == 400
    assert "not thousands of pounds" in response.content.decode()
    assert EmployerInputs.objects.get().pay_bill == Decimal(10**7)
    response = hr_lead_client.get(reverse("facility_time:csv", args=[organisation.pk, SLUG]))
    text = response.content.decode("utf-8-sig")
    assert "Table 2: Percentage of time spent on facility time" in text
    assert "1% to 50%,1" in text
    assert "percent_of_pay_bill,0.0300" in text  # 150 h x £20 = £3,000 of £10m


def test_staff_side_enters_time_with_clear_messages(world, staff_rep_client):
    url = reverse("facility_time:time", args=[world["rep"].pk, SLUG])
    response = staff_rep_client.post(
        url,
        {
            "quarter": "0",
            "fte": "1",
            "working_hours": "100",
            "duties_hours": "90",
            "paid_activities_hours": "20",
            "unpaid_activities_hours": "0",
        },
    )
    assert response.status_code == 400
    assert "Ann&#x27;s facility time hours (110) are more than their working hours (100)" in (
        response.content.decode()
    )


# --- Links to the upper layer, and query counts ----------------------------------------------------


def test_agenda_item_links_to_an_assessment_of_this_organisation(
    world, organisation, hr_lead_client
):
    from tests.factories import AssessmentFactory

    mine = AssessmentFactory(organisation=organisation, title="IWL 2025/26")
    meeting = world["meeting"]
    url = reverse("forums:add_agenda_item", args=[meeting.pk])
    response = hr_lead_client.post(
        url,
        {
            "title": "Self-assessment",
            "lead_side": "staff_side",
            "link": f"assessments.assessment:{mine.pk}",
        },
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(title="Self-assessment")
    assert item.link == mine
    page = hr_lead_client.get(reverse("forums:meeting", args=[meeting.pk]))
    assert "Assessment: IWL 2025/26" in page.content.decode()


def test_agenda_item_cannot_link_to_another_organisations_assessment(
    world, other_organisation, hr_lead_client
):
    from tests.factories import AssessmentFactory

    theirs = AssessmentFactory(organisation=other_organisation)
    response = hr_lead_client.post(
        reverse("forums:add_agenda_item", args=[world["meeting"].pk]),
        {
            "title": "Theirs",
            "lead_side": "staff_side",
            "link": f"assessments.assessment:{theirs.pk}",
        },
    )
    assert response.status_code == 400
    assert "Choose something of this organisation" in response.content.decode()
    assert not AgendaItem.objects.filter(title="Theirs").exists()


def _grow_meeting(meeting, organisation, hr_lead, count):
    """More of everything on a meeting's page: linked items, decisions, carried actions."""
    from tests.factories import AssessmentFactory

    for _ in range(count):
        n = AgendaItem.objects.count()
        assessment = AssessmentFactory(organisation=organisation, period=f"20{n + 30}/{n + 31}")
        services.add_agenda_item(
            meeting,
            title=f"Item {n}",
            lead_side="staff_side",
            link=links.resolve(organisation, f"assessments.assessment:{assessment.pk}"),
        )
        services.add_decision(meeting, text=f"Decision {n}", user=hr_lead)
        old = services.save_action(
            meeting.forum, description=f"Old {n}", owner=hr_lead, due_date="2026-01-01"
        )
        ForumAction.objects.filter(pk=old.pk).update(
            created_at=meeting.starts_at - datetime.timedelta(days=5)
        )


MEETING_PAGE_QUERIES = 14


def test_meeting_page_queries_stay_flat(
    world, organisation, hr_lead, staff_rep, viewer_client, django_assert_num_queries
):
    meeting = world["meeting"]
    url = reverse("forums:meeting", args=[meeting.pk])
    _grow_meeting(meeting, organisation, hr_lead, 1)
    services.agree_minutes(meeting, user=hr_lead, seen=None)
    with django_assert_num_queries(MEETING_PAGE_QUERIES):
        assert viewer_client.get(url).status_code == 200
    _grow_meeting(meeting, organisation, hr_lead, 3)  # voids the agreement: agree again
    services.agree_minutes(meeting, user=hr_lead, seen=None)
    services.agree_minutes(meeting, user=staff_rep, seen=None)
    with django_assert_num_queries(MEETING_PAGE_QUERIES):
        response = viewer_client.get(url)
    assert response.content.decode().count("Assessment: ") == 4


RETURN_PAGE_QUERIES = 12


def test_return_page_queries_stay_flat(
    world, organisation, hr_lead, viewer_client, django_assert_num_queries
):
    from partnership.facility_time import services as facility_time

    url = reverse("facility_time:return", args=[organisation.pk, SLUG])
    facility_time.sign_return(
        organisation, period="2025/26", user=hr_lead, side="management", seen=None
    )
    with django_assert_num_queries(RETURN_PAGE_QUERIES):
        assert viewer_client.get(url).status_code == 200
    for n in range(4):
        official(organisation, f"Rep {n}", duties="10")
    with django_assert_num_queries(RETURN_PAGE_QUERIES):
        response = viewer_client.get(url)
    assert response.content.decode().count("Change time") == 0  # a viewer changes nothing
    assert "Rep 3" in response.content.decode()


def test_return_pdf_has_the_four_tables_and_is_draft_until_signed(
    world, organisation, viewer_client, download
):
    from io import BytesIO

    from pypdf import PdfReader

    response = download(viewer_client, reverse("facility_time:pdf", args=[organisation.pk, SLUG]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(BytesIO(response.content)).pages
    )
    for title in (
        "Table 1: Relevant union officials",
        "Table 2: Percentage of time spent on facility time",
        "Table 3: Percentage of pay bill spent on facility time",
        "Table 4: Paid trade union activities",
    ):
        assert title in text
    assert "£3,000.00" in text and "£10,000,000.00" in text and "0.0300%" in text
    assert "DRAFT" in text


def test_hourly_cost_from_the_years_employment_costs(world, organisation, hr_lead_client):
    rep = world["rep"]
    response = hr_lead_client.post(
        reverse("facility_time:cost", args=[rep.pk, SLUG]), {"employment_costs": "45000"}
    )
    assert response.status_code == 302
    assert rep.costs.get(period="2025/26").hourly_cost == Decimal("30.0000")  # 45,000 / 1,500
    response = hr_lead_client.post(reverse("facility_time:cost", args=[rep.pk, SLUG]), {})
    assert response.status_code == 400
    assert "Enter the hourly cost, or the employment costs" in response.content.decode()


def test_a_representative_without_an_account(world, organisation, staff_rep_client):
    url = reverse("facility_time:add_representative", args=[organisation.pk, SLUG])
    response = staff_rep_client.post(url, {"name": "Jo Bell", "rep_type": "ulr", "union": "UNISON"})
    rep = organisation.representatives.get(name="Jo Bell")
    assert response.status_code == 302 and rep.user is None
    response = staff_rep_client.post(url, {"name": "Jo Bell", "rep_type": "ulr", "union": "RCN"})
    assert response.status_code == 400
    assert "There is already a representative called Jo Bell" in response.content.decode()
