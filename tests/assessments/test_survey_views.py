"""Every survey page: the permission matrix, and what leads and members do through them."""

import datetime
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Action
from assessments.surveys import links, services
from assessments.surveys.models import SurveyInvitation, SurveyRound
from partnership.models import Network, NetworkMember, NetworkOrganisation
from tests.assessments.survey_helpers import (
    MANAGEMENT,
    STAFF_SIDE,
    answer_all,
    open_round,
    survey_framework_fixture,  # noqa: F401
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FUTURE = datetime.date.today() + datetime.timedelta(days=10)


@pytest.fixture
def contributor_client(client, contributor):
    client.force_login(contributor)
    return client


@pytest.fixture
def open_survey(organisation, hr_lead, staff_rep, viewer, survey_framework):
    return open_round(
        organisation,
        survey_framework,
        hr_lead,
        management=[hr_lead.email, viewer.email],
        staff_side=[staff_rep.email],
        closes_on=FUTURE,
    )


@pytest.fixture
def closed_survey(open_survey, hr_lead):
    answer_all(
        open_survey,
        {MANAGEMENT: [[8, 2, 6]] * 5, STAFF_SIDE: [[4, 1, 7]] * 6},
        today=datetime.date.today(),
    )
    return services.close_round(open_survey.pk, user=hr_lead)


ROUND_PAGES = ["survey"]
CLOSED_PAGES = ["survey_results", "survey_results_pdf", "survey_results_csv"]
LEAD_PAGES = ["survey_action"]
LEAD_POSTS = ["survey_remind", "survey_close"]


def _clients(request, who):
    return request.getfixturevalue(f"{who}_client")


@pytest.mark.parametrize(
    ("who", "expected"),
    [("hr_lead", 200), ("staff_rep", 200), ("viewer", 200), ("outsider", 404)],
)
def test_reading_pages(request, who, expected, organisation, closed_survey, download):
    client = _clients(request, who)
    assert client.get(reverse("assessments:surveys", args=[organisation.pk])).status_code == (
        expected
    )
    for name in ROUND_PAGES + CLOSED_PAGES:
        # The PDF is prepared on the task queue: "preparing" (202), then the file.
        response = download(client, reverse(f"assessments:{name}", args=[closed_survey.pk]))
        assert response.status_code == expected, name


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("hr_lead", 200),
        ("staff_rep", 200),
        ("viewer", 403),
        ("contributor", 403),
        ("outsider", 404),
    ],
)
def test_lead_pages(request, who, expected, organisation, closed_survey):
    client = _clients(request, who)
    assert client.get(reverse("assessments:survey_open", args=[organisation.pk])).status_code == (
        expected
    )
    for name in LEAD_PAGES:
        response = client.get(reverse(f"assessments:{name}", args=[closed_survey.pk]))
        assert response.status_code == expected, name


@pytest.mark.parametrize(
    ("who", "expected"),
    [("viewer", 403), ("contributor", 403), ("outsider", 404)],
)
def test_lead_changes_are_refused_to_others(request, who, expected, open_survey):
    client = _clients(request, who)
    for name in LEAD_POSTS:
        response = client.post(reverse(f"assessments:{name}", args=[open_survey.pk]))
        assert response.status_code == expected, name
    open_survey.refresh_from_db()
    assert open_survey.is_open


def test_unknown_ids_are_404(hr_lead_client, organisation):
    missing = uuid.uuid4()
    for name in ROUND_PAGES + CLOSED_PAGES + LEAD_PAGES + ["survey_answer"]:
        assert hr_lead_client.get(reverse(f"assessments:{name}", args=[missing])).status_code == (
            404
        )
    for name in LEAD_POSTS:
        assert hr_lead_client.post(reverse(f"assessments:{name}", args=[missing])).status_code == (
            404
        )
    assert hr_lead_client.get(reverse("assessments:surveys", args=[missing])).status_code == 404
    assert (
        hr_lead_client.get(
            reverse("assessments:network_surveys", args=["no-such-network"])
        ).status_code
        == 404
    )


def test_changes_need_post(hr_lead_client, open_survey):
    for name in LEAD_POSTS:
        assert (
            hr_lead_client.get(reverse(f"assessments:{name}", args=[open_survey.pk])).status_code
            == 405
        )


def test_results_of_an_open_round_are_not_shown(hr_lead_client, open_survey):
    for name in CLOSED_PAGES:
        assert (
            hr_lead_client.get(reverse(f"assessments:{name}", args=[open_survey.pk])).status_code
            == 404
        )


def test_signed_out_people_reach_only_the_link_pages(client, open_survey):
    invitation = SurveyInvitation.objects.get(email="staff.rep@z9a.example")
    assert (
        client.get(
            reverse("assessments:survey_link", args=[links.token_for(invitation)])
        ).status_code
        == 200
    )
    assert client.get(reverse("assessments:survey_thanks")).status_code == 200
    for name in ROUND_PAGES + ["survey_answer"]:
        response = client.get(reverse(f"assessments:{name}", args=[open_survey.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize(
    ("who", "expected"), [("hr_lead", 200), ("contributor", 403), ("outsider", 404)]
)
def test_answering_as_a_member_needs_an_invitation(request, who, expected, open_survey):
    response = _clients(request, who).get(
        reverse("assessments:survey_answer", args=[open_survey.pk])
    )
    assert response.status_code == expected


def test_a_lead_opens_a_round_inviting_members_and_others(
    hr_lead_client, organisation, survey_framework, staff_rep, viewer
):
    response = hr_lead_client.post(
        reverse("assessments:survey_open", args=[organisation.pk]),
        {
            "framework": str(survey_framework.pk),
            "title": "Partnership pulse",
            "period": "2026/27",
            "closes_on_day": str(FUTURE.day),
            "closes_on_month": str(FUTURE.month),
            "closes_on_year": str(FUTURE.year),
            "invite_members": "on",
            "staff_side_emails": "Rep.One@union.example\nrep.two@union.example",
        },
    )
    survey_round = SurveyRound.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "assessments:survey", args=[survey_round.pk]
    )
    assert dict(survey_round.invitations.values_list("email", "side")) == {
        "hr.lead@z9a.example": MANAGEMENT,
        "board@z9a.example": MANAGEMENT,
        "staff.rep@z9a.example": STAFF_SIDE,
        "rep.one@union.example": STAFF_SIDE,
        "rep.two@union.example": STAFF_SIDE,
    }


def test_bad_round_details_get_messages_and_change_nothing(
    hr_lead_client, organisation, survey_framework
):
    response = hr_lead_client.post(
        reverse("assessments:survey_open", args=[organisation.pk]),
        {
            "framework": str(survey_framework.pk),
            "title": "",
            "period": "2026/28",
            "closes_on_day": "31",
            "closes_on_month": "2",
            "closes_on_year": "2027",
            "management_emails": "not an email",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: " in page
    for message in ("Enter a title", "Enter the period as a financial year", "is not an email"):
        assert message in page
    assert not SurveyRound.objects.exists()


def test_a_second_open_round_of_the_same_survey_is_refused(
    hr_lead_client, organisation, survey_framework, open_survey
):
    response = hr_lead_client.post(
        reverse("assessments:survey_open", args=[organisation.pk]),
        {
            "framework": str(survey_framework.pk),
            "title": "Again",
            "period": "2026/27",
            "closes_on_day": str(FUTURE.day),
            "closes_on_month": str(FUTURE.month),
            "closes_on_year": str(FUTURE.year),
            "management_emails": "someone@x.example",
        },
    )
    assert response.status_code == 400
    assert "already has an open" in response.content.decode()
    assert SurveyRound.objects.count() == 1


def test_the_round_page_shows_counts_never_who(hr_lead_client, open_survey):
    answer_all(open_survey, {STAFF_SIDE: [[5, 5, 5]]}, today=datetime.date.today())
    page = hr_lead_client.get(reverse("assessments:survey", args=[open_survey.pk])).content.decode()
    assert "1 of 2 invited have answered" in page
    assert "staff.rep@z9a.example" not in page


def test_a_lead_closes_and_reads_the_results_with_pdf_and_csv(
    staff_rep_client, open_survey, download
):
    answer_all(
        open_survey,
        {MANAGEMENT: [[8, 2, 6]] * 5, STAFF_SIDE: [[4, 1, 7]] * 4},
        today=datetime.date.today(),
    )
    response = staff_rep_client.post(reverse("assessments:survey_close", args=[open_survey.pk]))
    assert response.url == reverse("assessments:survey_results", args=[open_survey.pk])
    page = staff_rep_client.get(response.url).content.decode()
    assert "Too few answers (fewer than 5)" in page
    assert "8.0" in page
    pdf = download(
        staff_rep_client, reverse("assessments:survey_results_pdf", args=[open_survey.pk])
    )
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "8.0" in text and "Too few answers" in text
    csv = staff_rep_client.get(reverse("assessments:survey_results_csv", args=[open_survey.pk]))
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("P1,Statement P1,5,8.0,") and "too few answers" in lines[1]
    assert (
        staff_rep_client.post(
            reverse("assessments:survey_close", args=[open_survey.pk])
        ).status_code
        == 400
    )


def test_a_lead_turns_a_low_statement_into_a_joint_action(
    staff_rep_client, closed_survey, hr_lead, staff_rep
):
    response = staff_rep_client.post(
        reverse("assessments:survey_action", args=[closed_survey.pk]),
        {
            "description": "Agree how both sides prepare papers together",
            "responses": ["P2"],
            "management_owner": str(hr_lead.pk),
            "staff_owner": str(staff_rep.pk),
            "target_date_day": "31",
            "target_date_month": "3",
            "target_date_year": "2027",
        },
    )
    action = Action.objects.get()
    assessment = action.plan.assessment
    assert response.status_code == 302 and response.url == reverse(
        "assessments:action_plan", args=[assessment.pk]
    )
    assert assessment.framework == closed_survey.framework
    assert [r.criterion.ref for r in action.responses.all()] == ["P2"]
    # A second action goes to the same plan.
    services.add_action_from_statements(
        closed_survey.pk,
        user=hr_lead,
        refs=["P1"],
        description="Another",
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=datetime.date(2027, 3, 31),
    )
    assert Action.objects.filter(plan__assessment=assessment).count() == 2


# --- Networks ---------------------------------------------------------------------------------


@pytest.fixture
def network(db, hr_lead):
    return Network.objects.create(
        name="North East and Yorkshire", slug="north-east-and-yorkshire", kind="nhs_region"
    )


def _network_person(network, role, email):
    user = UserFactory(email=email)
    NetworkMember.objects.create(network=network, user=user, side=STAFF_SIDE, role=role)
    return user


@pytest.mark.parametrize(
    ("role", "results", "opening"),
    [("lead", 200, 200), ("viewer", 200, 403), (None, 404, 404)],
)
def test_network_pages(client, network, role, results, opening):
    user = _network_person(network, role, "officer@union.example") if role else UserFactory()
    client.force_login(user)
    slug = network.slug
    assert client.get(reverse("assessments:network_surveys", args=[slug])).status_code == results
    assert client.get(reverse("assessments:network_survey_open", args=[slug])).status_code == (
        opening
    )


def test_a_network_lead_opens_a_round_in_every_joined_member(
    client, network, organisation, hr_lead, staff_rep, other_organisation, survey_framework
):
    lead = _network_person(network, "lead", "officer@union.example")
    for org, status in ((organisation, "joined"), (other_organisation, "invited")):
        NetworkOrganisation.objects.create(
            network=network,
            organisation=org,
            status=status,
            invited_by=lead,
            joined_at=timezone.now() if status == "joined" else None,
        )
    client.force_login(lead)
    response = client.post(
        reverse("assessments:network_survey_open", args=[network.slug]),
        {
            "framework": str(survey_framework.pk),
            "title": "Regional partnership survey",
            "period": "2026/27",
            "closes_on_day": str(FUTURE.day),
            "closes_on_month": str(FUTURE.month),
            "closes_on_year": str(FUTURE.year),
        },
    )
    assert response.status_code == 302
    survey_round = SurveyRound.objects.get()
    assert survey_round.organisation == organisation and survey_round.network == network
    assert dict(survey_round.invitations.values_list("email", "side")) == {
        hr_lead.email: MANAGEMENT,
        staff_rep.email: STAFF_SIDE,
    }
    page = client.get(reverse("assessments:network_surveys", args=[network.slug]))
    assert organisation.name in page.content.decode()
    # Membership of a network gives no access to the organisation's own pages.
    assert client.get(reverse("assessments:survey", args=[survey_round.pk])).status_code == 404


def test_the_results_page_takes_the_same_queries_however_many_answered(
    hr_lead_client, organisation, hr_lead, survey_framework, django_assert_num_queries
):
    def closed(answers, year):
        survey_round = open_round(
            organisation,
            survey_framework,
            hr_lead,
            management=["x@x.example"],
            closes_on=FUTURE.replace(year=year),
        )
        answer_all(survey_round, answers, today=datetime.date.today())
        return services.close_round(survey_round.pk, user=hr_lead)

    small = closed({MANAGEMENT: [[5, 5, 5]] * 5, STAFF_SIDE: [[4, 4, 4]] * 5}, FUTURE.year + 1)
    big = closed({MANAGEMENT: [[6, 2, 9]] * 20, STAFF_SIDE: [[3, 4, 8]] * 30}, FUTURE.year + 2)
    urls = [reverse("assessments:survey_results", args=[r.pk]) for r in (small, big)]
    for url in urls:
        hr_lead_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small_queries:
        assert hr_lead_client.get(urls[0]).status_code == 200
    # Ten times the answers, and a previous round (the small one): one more query, for the
    # previous round's statements.
    with django_assert_num_queries(len(small_queries) + 1):
        assert hr_lead_client.get(urls[1]).status_code == 200
