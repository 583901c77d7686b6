"""A network's roll-up of its members' surveys, the survey_results command and closing by date."""

import datetime
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from assessments.surveys import services
from assessments.surveys.models import SurveyRound
from assessments.surveys.results import survey_scores_for_network
from partnership.models import Network, NetworkMember, NetworkOrganisation
from tests.assessments.survey_helpers import (
    MANAGEMENT,
    STAFF_SIDE,
    TODAY,
    answer_all,
    make_survey_framework,
    open_round,
    survey_framework_fixture,  # noqa: F401
)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    return Network.objects.create(name="Region", slug="region", kind="nhs_region")


def _member_with_round(network, framework, lead, *, management, staff_side, status="joined"):
    organisation = OrganisationFactory()
    NetworkOrganisation.objects.create(
        network=network,
        organisation=organisation,
        status=status,
        invited_by=lead,
        joined_at=timezone.now() if status == "joined" else None,
    )
    survey_round = services._create_round(
        organisation,
        framework=framework,
        period="2026/27",
        title="Regional survey",
        closes_on=TODAY,
        invitees={MANAGEMENT: [], STAFF_SIDE: []},
        user=lead,
        network=network,
    )
    answer_all(
        survey_round,
        {MANAGEMENT: [[management] * 3] * 6, STAFF_SIDE: [[value] * 3 for value in staff_side]},
    )
    services.close_round(survey_round.pk)
    return organisation


def test_scores_by_side_with_primary_and_secondary_suppression(network, survey_framework):
    lead = UserFactory()
    members = [
        _member_with_round(network, survey_framework, lead, management=8, staff_side=[4] * 6),
        _member_with_round(network, survey_framework, lead, management=7, staff_side=[5] * 5),
        _member_with_round(network, survey_framework, lead, management=6, staff_side=[2] * 4),
        _member_with_round(network, survey_framework, lead, management=5, staff_side=[6] * 7),
        _member_with_round(network, survey_framework, lead, management=4, staff_side=[3] * 8),
    ]
    # Not shared with the network: never in its figures.
    _member_with_round(
        network, survey_framework, lead, management=0, staff_side=[0] * 9, status="left"
    )
    scores = survey_scores_for_network(network, survey_framework, "2026/27")
    assert [row.organisation for row in scores.rows] == sorted(members, key=lambda o: o.name)
    by_org = {row.organisation.pk: row for row in scores.rows}
    first, second, third, fourth, fifth = (by_org[o.pk] for o in members)
    assert first.sides[MANAGEMENT].mean == 8.0 and first.sides[STAFF_SIDE].mean == 4.0
    assert first.gap == 4.0
    assert first.answered(STAFF_SIDE) == 6 and first.invited[STAFF_SIDE] == 6
    # Primary: 4 staff-side answers at the third. Secondary: the next smallest (5) goes too.
    assert third.sides[STAFF_SIDE].suppressed and third.answered(STAFF_SIDE) is None
    assert second.sides[STAFF_SIDE].suppressed and second.sides[STAFF_SIDE].mean is None
    assert not fourth.sides[STAFF_SIDE].suppressed and not fifth.sides[STAFF_SIDE].suppressed
    assert not any(row.sides[MANAGEMENT].suppressed for row in scores.rows)
    # Totals over every answer, from five organisations: shown.
    staff_total = scores.totals[STAFF_SIDE]
    assert staff_total.people == 30 and not staff_total.suppressed
    # (6*4 + 5*5 + 4*2 + 7*6 + 8*3) / 30 = 123/30 = 4.1 per statement.
    assert staff_total.mean == pytest.approx(4.1)
    assert scores.totals[MANAGEMENT].mean == pytest.approx(6.0)


def test_network_totals_need_enough_organisations(network, survey_framework, settings):
    lead = UserFactory()
    for value in (8, 7, 6, 5):
        _member_with_round(network, survey_framework, lead, management=value, staff_side=[5] * 5)
    scores = survey_scores_for_network(network, survey_framework, "2026/27")
    assert scores.totals[MANAGEMENT].suppressed and scores.totals[STAFF_SIDE].suppressed
    settings.ROLLUP_MIN_ORGANISATIONS = 4
    scores = survey_scores_for_network(network, survey_framework, "2026/27")
    assert scores.totals[MANAGEMENT].mean == pytest.approx(6.5)


def test_network_scores_take_a_fixed_number_of_queries(
    network, survey_framework, django_assert_num_queries
):
    lead = UserFactory()
    _member_with_round(network, survey_framework, lead, management=8, staff_side=[5] * 5)
    with django_assert_num_queries(4):
        survey_scores_for_network(network, survey_framework, "2026/27")
    for value in (7, 6, 5):
        _member_with_round(network, survey_framework, lead, management=value, staff_side=[5] * 6)
    with django_assert_num_queries(4):
        survey_scores_for_network(network, survey_framework, "2026/27")


def test_survey_results_command_prints_suppressed_json(
    organisation, hr_lead, survey_framework, capsys
):
    survey_round = open_round(organisation, survey_framework, hr_lead, management=["a@x.example"])
    answer_all(survey_round, {MANAGEMENT: [[8, 2, 6]] * 5, STAFF_SIDE: [[4, 1, 7]] * 2})
    with pytest.raises(CommandError, match="still open"):
        call_command("survey_results", organisation="Z9A", round=str(survey_round.pk))
    services.close_round(survey_round.pk)
    call_command("survey_results", organisation="z9a", round=str(survey_round.pk), format="json")
    data = json.loads(capsys.readouterr().out)
    assert data["statements"][0]["management"]["mean"] == 8.0
    assert data["statements"][0]["staff_side"] == {"suppressed": True}
    assert data["responses"]["staff_side"] == {"invited": 2, "suppressed": True}
    for organisation_code, round_id in (("Z9B", survey_round.pk), ("Z9A", "not-an-id")):
        with pytest.raises(CommandError, match="has no survey round"):
            call_command("survey_results", organisation=organisation_code, round=str(round_id))


def test_send_notifications_closes_rounds_past_their_date_and_emails_invitations(
    organisation, hr_lead, survey_framework, capsys
):
    today = datetime.date.today()
    past = open_round(
        organisation, survey_framework, hr_lead, management=["a@x.example"], closes_on=today
    )
    SurveyRound.objects.filter(pk=past.pk).update(closes_on=today - datetime.timedelta(days=1))
    current = open_round(
        organisation,
        make_survey_framework(slug="other"),
        hr_lead,
        management=["b@x.example"],
        closes_on=today,
    )
    call_command("send_notifications")
    output = capsys.readouterr().out
    assert "Closed 1 survey." in output
    past.refresh_from_db()
    current.refresh_from_db()
    assert past.is_closed and current.is_open
    assert [m.to for m in mail.outbox] == [["b@x.example"]]


def test_demo_surveys(settings, tmp_path):
    from assessments.demo import seed_demo
    from assessments.surveys.results import RoundResults

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    sign_ins = seed_demo()
    assert "network.lead@north-east-and-yorkshire.example" in [s.email for s in sign_ins]
    closed = SurveyRound.objects.filter(status="closed")
    repeat = RoundResults(closed.get(organisation__ods_code="Z9A", period="2025/26"))
    answered = {r.side: r.answered for r in repeat.responses}
    assert answered == {MANAGEMENT: 8, STAFF_SIDE: 9}
    assert repeat.previous.period == "2024/25"
    assert repeat.rows[0].management_change and repeat.rows[0].staff_side_change
    southdale = RoundResults(closed.get(organisation__ods_code="Z9B"))
    assert [r.suppressed for r in southdale.responses] == [False, True]
    network = Network.objects.get(slug="north-east-and-yorkshire")
    open_rounds = SurveyRound.objects.filter(network=network, status="open")
    assert set(open_rounds.values_list("organisation__ods_code", flat=True)) == {"Z9A", "Z9B"}
    scores = survey_scores_for_network(network, repeat.framework, "2025/26")
    assert len(scores.rows) == 2 and scores.totals[MANAGEMENT].suppressed
    seed_demo()  # again: nothing new
    assert SurveyRound.objects.count() == 5


def test_the_network_page_shows_suppressed_cells_and_totals(client, network, survey_framework):
    lead = UserFactory()
    NetworkMember.objects.create(network=network, user=lead, side=STAFF_SIDE, role="viewer")
    shown = _member_with_round(network, survey_framework, lead, management=8, staff_side=[5] * 6)
    hidden = _member_with_round(network, survey_framework, lead, management=7, staff_side=[4] * 4)
    client.force_login(lead)
    page = client.get(reverse("assessments:network_surveys", args=[network.slug])).content.decode()
    assert shown.name in page and hidden.name in page
    assert page.count("Too few answers") == 2  # the hidden one and, secondarily, the other
    assert page.count("Too few organisations") == 2
    assert "8.0" in page and "7.0" in page


def test_low_survey_scores_or_a_large_gap_flag_a_member_as_needing_help(
    network, django_assert_num_queries
):
    from assessments.rollup import queries
    from assessments.surveys.results import needs_help_reasons

    framework = make_survey_framework(slug="partnership-health-check")
    lead = UserFactory()
    network.help_health_check_below = 50  # a side's mean below 5 out of 10
    network.save()
    low = _member_with_round(network, framework, lead, management=5, staff_side=[4] * 5)
    apart = _member_with_round(network, framework, lead, management=9, staff_side=[6] * 5)
    fine = _member_with_round(network, framework, lead, management=7, staff_side=[6] * 5)
    # Two staff sides too small to show (two, so no secondary suppression hides another).
    too_few = _member_with_round(network, framework, lead, management=8, staff_side=[1] * 4)
    _member_with_round(network, framework, lead, management=8, staff_side=[1] * 3)

    with django_assert_num_queries(5):
        reasons = needs_help_reasons(network, "2026/27")
    assert reasons[low.pk] == [
        "Partnership survey 2026/27: the staff side scored 4.0 out of 10, below 5.0"
    ]
    assert reasons[apart.pk] == [
        "Partnership survey 2026/27: the two sides' scores are 3.0 points apart"
    ]
    # Fine, or a side too small to show: nothing said (a hidden side is never a reason).
    assert fine.pk not in reasons and too_few.pk not in reasons

    rows = queries.needs_help(network, "iwl-test", "2026/27", more_reasons=reasons)
    assert {row.membership.organisation_id for row in rows} == {low.pk, apart.pk}
