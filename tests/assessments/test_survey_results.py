"""Survey figures against hand-worked examples, and suppression at the threshold."""

import pytest

from assessments.surveys import services
from assessments.surveys.models import SurveyRound
from assessments.surveys.results import RoundResults
from tests.assessments.survey_helpers import (
    MANAGEMENT,
    STAFF_SIDE,
    answer_all,
    open_round,
    survey_framework_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

# Five management answers to P1, P2, P3 and five staff-side answers.
MANAGEMENT_SCORES = [[8, 2, 5], [7, 3, 5], [9, 4, 5], [6, 2, 5], [10, 4, 5]]
STAFF_SCORES = [[4, 3, 6], [5, 3, 6], [3, 2, 6], [4, 1, 6], [4, 1, 7]]


def closed_round(organisation, framework, lead, scores, **kwargs):
    survey_round = open_round(organisation, framework, lead, management=["a@x.example"], **kwargs)
    answer_all(survey_round, scores)
    return services.close_round(survey_round.pk, user=lead)


def test_means_spread_gap_and_lowest_against_hand_worked_figures(
    organisation, hr_lead, survey_framework
):
    survey_round = closed_round(
        organisation,
        survey_framework,
        hr_lead,
        {MANAGEMENT: MANAGEMENT_SCORES, STAFF_SIDE: STAFF_SCORES},
    )
    report = RoundResults(survey_round)
    p1, p2, p3 = report.rows
    # P1: management (8+7+9+6+10)/5 = 8.0; staff side (4+5+3+4+4)/5 = 4.0; gap 4.0.
    assert (p1.management.mean, p1.staff_side.mean, p1.gap) == (8.0, 4.0, 4.0)
    assert p1.management.count == 5
    assert p1.staff_side.spread(range(11)) == [
        (0, 0),
        (1, 0),
        (2, 0),
        (3, 1),
        (4, 3),
        (5, 1),
        (6, 0),
        (7, 0),
        (8, 0),
        (9, 0),
        (10, 0),
    ]
    assert p1.large_gap
    # P2: management 15/5 = 3.0, staff side 10/5 = 2.0; both sides' 25/10 = 2.5, the lowest.
    assert (p2.management.mean, p2.staff_side.mean, p2.overall) == (3.0, 2.0, 2.5)
    # P3: management 5.0, staff side 31/5 = 6.2, gap -1.2 (not large).
    assert p3.staff_side.mean == pytest.approx(6.2)
    assert p3.gap_text == "-1.2" and not p3.large_gap
    # Overall: P2 2.5, P3 56/10 = 5.6, P1 60/10 = 6.0.
    assert [row.criterion.ref for row in report.lowest] == ["P2", "P3", "P1"]
    invited = {r.side: (r.invited, r.answered, r.rate_text) for r in report.responses}
    assert invited == {MANAGEMENT: (6, 5, "83%"), STAFF_SIDE: (5, 5, "100%")}


@pytest.mark.parametrize(("staff_answers", "suppressed"), [(5, False), (4, True)])
def test_a_side_at_the_threshold_shows_figures_and_one_below_shows_none(
    organisation, hr_lead, survey_framework, staff_answers, suppressed
):
    survey_round = closed_round(
        organisation,
        survey_framework,
        hr_lead,
        {MANAGEMENT: MANAGEMENT_SCORES, STAFF_SIDE: STAFF_SCORES[:staff_answers]},
    )
    report = RoundResults(survey_round)
    staff = {r.side: r for r in report.responses}[STAFF_SIDE]
    assert staff.suppressed is suppressed
    for row in report.rows:
        assert row.staff_side.suppressed is suppressed
        assert (row.staff_side.mean is None) is suppressed
        assert (row.gap is None) is suppressed
        assert row.management.mean is not None
    p1 = report.rows[0]
    # With the staff side hidden, "both sides" is management alone: nothing to subtract.
    assert p1.overall == (8.0 if suppressed else 6.0)
    data = report.as_dict()
    assert ("mean" not in data["statements"][0][STAFF_SIDE]) is suppressed
    assert ("answered" not in data["responses"][STAFF_SIDE]) is suppressed


def test_the_threshold_is_a_setting(organisation, hr_lead, survey_framework, settings):
    settings.SURVEY_MIN_ANSWERS = 6
    survey_round = closed_round(
        organisation, survey_framework, hr_lead, {MANAGEMENT: MANAGEMENT_SCORES}
    )
    assert RoundResults(survey_round).rows[0].management.suppressed


def test_comparison_with_the_previous_round(organisation, hr_lead, survey_framework):
    baseline = closed_round(
        organisation,
        survey_framework,
        hr_lead,
        {MANAGEMENT: [[5, 5, 5]] * 5, STAFF_SIDE: [[2, 2, 2]] * 5},
        period="2025/26",
        title="Baseline",
    )
    repeat = closed_round(
        organisation,
        survey_framework,
        hr_lead,
        {MANAGEMENT: MANAGEMENT_SCORES, STAFF_SIDE: STAFF_SCORES},
        closes_on=baseline.closes_on.replace(year=baseline.closes_on.year + 1),
    )
    report = RoundResults(repeat)
    assert report.previous == baseline
    p1 = report.rows[0]
    # Management 8.0 against 5.0, staff side 4.0 against 2.0.
    assert (p1.management_change, p1.staff_side_change) == ("+3.0", "+2.0")
    assert RoundResults(baseline).previous is None


def test_results_take_a_fixed_number_of_queries(
    organisation, hr_lead, survey_framework, django_assert_num_queries
):
    small = closed_round(organisation, survey_framework, hr_lead, {MANAGEMENT: MANAGEMENT_SCORES})
    small = SurveyRound.objects.select_related("framework", "organisation").get(pk=small.pk)
    # The previous round, the spreads, the counts, the scale and the statements.
    with django_assert_num_queries(5):
        RoundResults(small).as_dict()
    big = closed_round(
        organisation,
        survey_framework,
        hr_lead,
        {MANAGEMENT: MANAGEMENT_SCORES * 3, STAFF_SIDE: STAFF_SCORES * 2},
        closes_on=small.closes_on.replace(year=small.closes_on.year + 1),
    )
    big = SurveyRound.objects.select_related("framework", "organisation").get(pk=big.pk)
    with django_assert_num_queries(6):  # and one more for the previous round's statements
        RoundResults(big).as_dict()
