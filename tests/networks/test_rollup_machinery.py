"""Members' partnership machinery rolled up on the network pages, and the needs-help page fed
by each member's latest signed-off partnership health check."""

import datetime

import pytest
from django.urls import reverse

from assessments.demo_network import Answer, signed_off_cycle
from assessments.rollup import machinery, queries
from partnership.forums import services as forums
from tests.assessments.test_services import make_framework
from tests.factories import RatingLevelFactory, UserFactory
from tests.partnership.machinery import all_present, forum_with_members, meeting_of

from .conftest import LEAD, MANAGEMENT, STAFF_SIDE, VIEWER, join, leads_of, network_person

pytestmark = pytest.mark.django_db


def joined_with_forum(network, officer, name, *, meetings=(), overdue=0, forum=True):
    """A joined organisation; its forum holds one meeting per entry of ``meetings`` (True:
    quorate, False: not) and has ``overdue`` overdue actions."""
    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory(name=name)
    management, staff = leads_of(organisation)
    join(network, organisation, officer, (management, staff))
    if not forum:
        return organisation, (management, staff)
    made = forum_with_members(organisation, management, staff)
    staff_members = list(made.members.filter(side=STAFF_SIDE).exclude(user=staff))
    for i, quorate in enumerate(meetings):
        meeting = meeting_of(made, days_ago=30 + i)
        absent = {} if quorate else {str(m.pk): "absent" for m in staff_members}
        forums.record_attendance(meeting, all_present(meeting, **absent))
    for _ in range(overdue):
        forums.save_action(
            made, description="Late", owner=management, due_date=datetime.date(2020, 1, 1)
        )
    return organisation, (management, staff)


def test_machinery_is_summed_over_joined_members(network, officer, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 2
    joined_with_forum(network, officer, "Trust A", meetings=(True, False), overdue=2)
    joined_with_forum(network, officer, "Trust B", meetings=(True, True))
    joined_with_forum(network, officer, "Trust C", forum=False)
    report = machinery.machinery(network)
    assert report.members == 3
    assert report.with_forums.value is None  # 2 with and 1 without: the 1 is suppressed...
    assert (report.forums.value, report.planned.value, report.held.value) == (2, 12, 4)
    assert str(report.quorate_percent.value) == "75.0"
    assert str(report.minutes_agreed_percent.value) == "0.0"
    assert report.overdue_actions.value == 2
    assert report.with_overdue_actions.value is None  # one organisation of two: suppressed


def test_fewer_reporting_organisations_than_the_threshold_show_nothing(network, officer, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 2
    joined_with_forum(network, officer, "Trust A", meetings=(True,), overdue=1)
    joined_with_forum(network, officer, "Trust C", forum=False)
    report = machinery.machinery(network)
    for cell in (report.forums, report.held, report.planned, report.quorate_percent):
        assert cell.value is None


def test_a_member_that_left_or_an_outsider_never_counts(network, other_network, officer, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 1
    leaving, (management, _) = joined_with_forum(network, officer, "Leaving", meetings=(True,))
    joined_with_forum(network, officer, "Staying", meetings=(False,))
    other_officer = network_person(other_network, STAFF_SIDE, LEAD, "o@net.example")
    joined_with_forum(other_network, other_officer, "Elsewhere", meetings=(True, True))
    from partnership.networks import services as network_services

    network_services.leave(leaving.networks.get(network=network).pk, user=management)
    report = machinery.machinery(network)
    assert (report.members, report.held.value, str(report.quorate_percent.value)) == (1, 1, "0.0")


def test_query_count_is_flat(network, officer, settings, django_assert_num_queries):
    joined_with_forum(network, officer, "Trust A", meetings=(True,))
    with django_assert_num_queries(4):
        machinery.machinery(network)
    for i in range(3):
        joined_with_forum(network, officer, f"More {i}", meetings=(True, False), overdue=1)
    with django_assert_num_queries(4):
        machinery.machinery(network)


@pytest.fixture
def people(network, other_network, officer):
    organisation, leads = joined_with_forum(network, officer, "Trust A", meetings=(True,))
    return {
        "lead_staff": officer,
        "lead_management": network_person(network, MANAGEMENT, LEAD, "lead.m@net.example"),
        "viewer_staff": network_person(network, STAFF_SIDE, VIEWER, "viewer.s@net.example"),
        "other_network_lead": network_person(other_network, STAFF_SIDE, LEAD, "o@net.example"),
        "org_lead": leads[0],
        "outsider": UserFactory(),
    }


@pytest.mark.parametrize(
    "person",
    ["lead_staff", "lead_management", "viewer_staff", "other_network_lead", "org_lead", "outsider"],
)
def test_the_machinery_page_is_for_the_networks_people(client, network, people, person):
    client.force_login(people[person])
    response = client.get(reverse("assessments:network_machinery", args=[network.slug]))
    allowed = person in ("lead_staff", "lead_management", "viewer_staff")
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert b'data-testid="machinery-held"' in response.content


def test_the_page_shows_the_figures_and_suppression(client, network, officer, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 2
    joined_with_forum(network, officer, "Trust A", meetings=(True, False), overdue=2)
    joined_with_forum(network, officer, "Trust B", meetings=(True, True))
    client.force_login(officer)
    page = client.get(reverse("assessments:network_machinery", args=[network.slug]))
    text = " ".join(page.content.decode().split())
    assert 'data-testid="machinery-held"> 4 of 12 </dd>' in text
    assert 'data-testid="machinery-quorate"> 75.0% </dd>' in text.replace(" %", "%")
    assert "<abbr" in text  # one organisation with overdue actions: suppressed


# --- Needs help from the partnership health check ----------------------------------------------


def health_check_framework():
    framework = make_framework(refs=("A1", "A2", "B1"), slug=queries.HEALTH_CHECK)
    for value, label in ((0, "Not in place"), (1, "Partly"), (2, "In place")):
        RatingLevelFactory(framework=framework, value=value, label=label)
    return framework


def health_check(organisation, leads, framework, period, ratings):
    answers = {
        ref: Answer(
            rating=rating,
            staff_rating=rating,
            narrative="n",
            barrier="other" if rating < 2 else "",
        )
        for ref, rating in zip(("A1", "A2", "B1"), ratings, strict=True)
    }
    signed_off_cycle(
        organisation, framework, period, management=leads[0], staff=leads[1], answers=answers
    )


def test_needs_help_lists_a_low_latest_health_check(
    network, officer, framework, settings, django_assert_num_queries
):
    checks = health_check_framework()
    network.help_health_check_below = 60
    network.save()
    low, low_leads = joined_with_forum(network, officer, "Low now", forum=False)
    health_check(low, low_leads, checks, "2024/25", (2, 2, 2))
    health_check(low, low_leads, checks, "2025/26", (0, 1, 0))
    better, better_leads = joined_with_forum(network, officer, "Better now", forum=False)
    health_check(better, better_leads, checks, "2024/25", (0, 0, 0))
    health_check(better, better_leads, checks, "2025/26", (2, 2, 2))
    rows = queries.needs_help(network, "iwl-test", "2025/26")
    assert [r.membership.organisation.name for r in rows] == ["Low now"]
    assert rows[0].health_check.period == "2025/26"
    assert any("Partnership health check 2025/26" in reason for reason in rows[0].reasons)
    # Flat queries as more members report.
    with django_assert_num_queries(4):
        queries.needs_help(network, "iwl-test", "2025/26")
    for i in range(3):
        more, more_leads = joined_with_forum(network, officer, f"More {i}", forum=False)
        health_check(more, more_leads, checks, "2025/26", (0, 0, 1))
    with django_assert_num_queries(4):
        assert len(queries.needs_help(network, "iwl-test", "2025/26")) == 4


def test_leads_set_the_health_check_threshold_and_bad_input_changes_nothing(
    client, network, people
):
    url = reverse("assessments:network_thresholds", args=[network.slug])
    client.force_login(people["lead_staff"])
    response = client.post(
        url, {"score_below": "70", "divergence_at_least": "2", "health_check_below": "65"}
    )
    assert response.status_code == 302
    network.refresh_from_db()
    assert network.help_health_check_below == 65
    for bad in ("lots", "150"):
        response = client.post(
            url, {"score_below": "70", "divergence_at_least": "2", "health_check_below": bad}
        )
        assert response.status_code == 400
    network.refresh_from_db()
    assert network.help_health_check_below == 65
    client.force_login(people["viewer_staff"])
    response = client.post(
        url, {"score_below": "70", "divergence_at_least": "2", "health_check_below": "10"}
    )
    assert response.status_code == 403
    network.refresh_from_db()
    assert network.help_health_check_below == 65
