"""Scoring against hand-worked examples (the arithmetic is in the comments).

The scale in most tests is IWL's: 0 Not in place (red), 1 Partly in place (amber), 2 In place
(green), 3 In place for all staff groups (green); met at 2. As percentages of the scale:
0 -> 0%, 1 -> 33 1/3%, 2 -> 66 2/3%, 3 -> 100%.
"""

from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from assessments import scoring
from assessments.frameworks import load_framework_files
from assessments.models import Framework
from assessments.scoring import (
    Basis,
    CriterionInfo,
    FrameworkInfo,
    Level,
    ResponseFacts,
    Scale,
    StageInfo,
    StandardInfo,
    percent_text,
    score,
    score_all,
)

IWL_SCALE = Scale(
    (
        Level(0, "Not in place", "red"),
        Level(1, "Partly in place", "amber"),
        Level(2, "In place", "green"),
        Level(3, "In place for all staff groups", "green"),
    ),
    met=2,
)
PLEDGE = StageInfo("pledge", "Pledge", ({"tagged": "policy", "at_least": 2},))
PRACTICE = StageInfo(
    "practice", "Practice", ({"core": True, "at_least": 1}, {"actions_for_gaps": True})
)
PRACTICE_PLUS = StageInfo("practice-plus", "Practice Plus", ({"all": True, "at_least": 3},))
IWL_STAGES = (PLEDGE, PRACTICE, PRACTICE_PLUS)


def framework(criteria, stages=(), scale=IWL_SCALE):
    standards = tuple(
        dict.fromkeys(StandardInfo(c.standard, f"Standard {c.standard}") for c in criteria)
    )
    return FrameworkInfo(scale=scale, standards=standards, criteria=tuple(criteria), stages=stages)


def pct(value):
    return Fraction(value)


class TestScale:
    def test_a_rating_as_a_percentage_of_the_scale(self):
        # (rating - 0) / (3 - 0) x 100
        assert [IWL_SCALE.percent(v) for v in (0, 1, 2, 3)] == [
            0,
            Fraction(100, 3),
            Fraction(200, 3),
            100,
        ]

    def test_a_scale_not_starting_at_zero(self):
        scale = Scale((Level(1, "Low", "red"), Level(5, "High", "green")), met=5)
        # (3 - 1) / (5 - 1) = 50%
        assert scale.percent(3) == 50

    @pytest.mark.parametrize(
        "percent, rag",
        [
            (Fraction(0), "red"),
            (Fraction(100, 3) - Fraction(1, 1000), "red"),  # just below "Partly in place"
            (Fraction(100, 3), "amber"),  # exactly "Partly in place"
            (Fraction(200, 3) - Fraction(1, 1000), "amber"),
            (Fraction(200, 3), "green"),  # exactly "In place"
            (Fraction(100), "green"),
        ],
    )
    def test_rag_is_the_colour_of_the_highest_level_at_or_below_the_score(self, percent, rag):
        assert IWL_SCALE.level_for_percent(percent).rag == rag


class TestWeights:
    CRITERIA = (
        CriterionInfo("A1", "A", weight=2),
        CriterionInfo("A2", "A", weight=1),
        CriterionInfo("A3", "A", weight=5),
        CriterionInfo("B1", "B", weight=Fraction(3, 2)),
    )

    def test_weighted_means_per_standard_and_overall(self):
        result = score(framework(self.CRITERIA), {"A1": 3, "A2": 1, "B1": 0}, not_applicable={"A3"})
        # A: (2 x 100 + 1 x 33 1/3) / (2 + 1) = 233 1/3 / 3 = 77 7/9 -> "77.8%", green
        a = result.standard("A")
        assert a.percent == Fraction(700, 9)
        assert percent_text(a.percent) == "77.8%"
        assert a.rag == "green"
        assert (a.applicable, a.rated) == (2, 2)  # A3 does not apply
        # B: 0 -> red
        assert result.standard("B").percent == 0
        assert result.standard("B").rag == "red"
        # Overall: (200 + 33 1/3 + 1.5 x 0) / (2 + 1 + 1.5) = 233 1/3 / 4.5 = 51.851... -> amber
        assert result.percent == Fraction(700, 3) / Fraction(9, 2)
        assert percent_text(result.percent) == "51.9%"
        assert result.rag == "amber"

    def test_a_not_applicable_criterion_changes_nothing_whatever_its_weight(self):
        with_na = score(
            framework(self.CRITERIA), {"A1": 3, "A2": 1, "B1": 0}, not_applicable={"A3"}
        )
        without = score(
            framework([c for c in self.CRITERIA if c.ref != "A3"]), {"A1": 3, "A2": 1, "B1": 0}
        )
        assert with_na.percent == without.percent
        assert with_na.standard("A").percent == without.standard("A").percent
        # Even a rating recorded against it is ignored.
        assert (
            score(
                framework(self.CRITERIA),
                {"A1": 3, "A2": 1, "A3": 0, "B1": 0},
                not_applicable={"A3"},
            ).percent
            == with_na.percent
        )

    def test_an_unrated_criterion_counts_as_the_lowest_level_and_is_listed(self):
        result = score(framework(self.CRITERIA), {"A1": 3, "B1": 0}, not_applicable={"A3"})
        # A: (2 x 100 + 1 x 0) / 3 = 66 2/3 -> exactly "In place": green
        assert result.standard("A").percent == Fraction(200, 3)
        assert result.standard("A").rag == "green"
        # Overall: 200 / 4.5 = 44.4 -> amber
        assert percent_text(result.percent) == "44.4%"
        assert result.unrated == ("A2",)
        assert (result.applicable, result.rated) == (3, 2)

    def test_decimal_weights_from_the_database_are_exact(self):
        from decimal import Decimal

        criteria = [
            CriterionInfo("A1", "A", weight=Decimal("0.25")),
            CriterionInfo("A2", "A", weight=Decimal("0.75")),
        ]
        # (0.25 x 100 + 0.75 x 0) / 1 = 25%
        assert score(framework(criteria), {"A1": 3, "A2": 0}).percent == 25


class TestEmpty:
    CRITERIA = (CriterionInfo("A1", "A", core=True, tags={"policy"}), CriterionInfo("B1", "B"))

    def test_nothing_rated_scores_zero_and_reaches_no_stage(self):
        result = score(framework(self.CRITERIA, IWL_STAGES), {})
        # Every applicable criterion counts as the lowest level: 0%.
        assert result.percent == 0
        assert result.rag == "red"
        assert result.rated == 0
        assert result.unrated == ("A1", "B1")
        assert result.stage is None
        assert result.next_stage.stage.slug == "pledge"
        assert result.explanation == [
            "Pledge not reached: 1 criterion tagged “policy” is below “In place”: A1 (not yet rated)"
        ]

    def test_nothing_applicable_has_no_score_and_no_division_by_zero(self):
        result = score(framework(self.CRITERIA, IWL_STAGES), {}, not_applicable={"A1", "B1"})
        assert result.percent is None
        assert result.level is None
        assert result.standard("A").percent is None
        assert percent_text(result.percent) == "No score"
        # Conditions about criteria hold when none apply; there are no gaps either.
        assert [s.awarded for s in result.stages] == [True, True, True]

    def test_a_framework_without_stages(self):
        result = score(framework(self.CRITERIA), {"A1": 2, "B1": 2})
        assert result.stages == ()
        assert result.stage is None
        assert result.explanation == []


class TestIwlStages:
    """P1 (policy, core), P2 (policy), C1 (core), X1: Pledge needs P1 and P2 at 2; Practice
    needs P1 and C1 at 1 and an action for every criterion below 2; Practice Plus needs all 3."""

    CRITERIA = (
        CriterionInfo("P1", "P", core=True, tags={"policy"}),
        CriterionInfo("P2", "P", tags={"policy"}),
        CriterionInfo("C1", "C", core=True),
        CriterionInfo("X1", "C"),
    )

    def result(self, ratings, actions=()):
        return score(framework(self.CRITERIA, IWL_STAGES), ratings, actions=actions)

    def awarded(self, result):
        return [s.stage.slug for s in result.stages if s.awarded]

    def test_pledge_just_below(self):
        result = self.result({"P1": 2, "P2": 1, "C1": 3, "X1": 3})
        assert result.stage is None
        assert result.explanation == [
            "Pledge not reached: 1 criterion tagged “policy” is below “In place”: P2"
        ]

    def test_pledge_at_the_boundary(self):
        result = self.result({"P1": 2, "P2": 2, "C1": 0, "X1": 3})
        assert result.stage.stage.slug == "pledge"

    def test_practice_just_below_on_a_core_criterion(self):
        # C1 at 0 is below 1; C1 is also a gap, and it has an action.
        result = self.result({"P1": 2, "P2": 2, "C1": 0, "X1": 3}, actions={"C1"})
        assert self.awarded(result) == ["pledge"]
        assert result.explanation == [
            "Practice not reached: 1 core criterion is below “Partly in place”: C1"
        ]

    def test_practice_at_the_core_boundary_but_gaps_have_no_action(self):
        # C1 at 1 meets "core at least 1"; C1 (1) and X1 (0) are below met (2): gaps.
        result = self.result({"P1": 2, "P2": 2, "C1": 1, "X1": 0})
        assert self.awarded(result) == ["pledge"]
        assert result.gaps == ("C1", "X1")
        assert result.gaps_without_action == ("C1", "X1")
        assert result.explanation == ["Practice not reached: 2 gaps have no action: C1, X1"]

    def test_practice_with_one_gap_lacking_an_action(self):
        result = self.result({"P1": 2, "P2": 2, "C1": 1, "X1": 0}, actions={"C1"})
        assert result.explanation == ["Practice not reached: 1 gap has no action: X1"]

    def test_practice_reached_when_every_gap_has_an_action(self):
        result = self.result({"P1": 2, "P2": 2, "C1": 1, "X1": 0}, actions={"C1", "X1"})
        assert self.awarded(result) == ["pledge", "practice"]
        assert result.stage.stage.name == "Practice"
        assert result.explanation == [
            "Practice Plus not reached: 4 criteria are below “In place for all staff groups”: "
            "P1, P2, C1, X1"
        ]

    def test_practice_with_no_gaps_needs_no_actions(self):
        result = self.result({"P1": 2, "P2": 2, "C1": 2, "X1": 2})
        assert self.awarded(result) == ["pledge", "practice"]
        practice = result.stages[1]
        assert [c.message for c in practice.conditions] == [
            "Every core criterion is at least “Partly in place”",
            "There are no gaps, so no actions are needed",
        ]

    def test_practice_plus_just_below(self):
        result = self.result({"P1": 3, "P2": 3, "C1": 3, "X1": 2})
        assert self.awarded(result) == ["pledge", "practice"]
        assert result.explanation == [
            "Practice Plus not reached: 1 criterion is below “In place for all staff groups”: X1"
        ]

    def test_practice_plus_at_the_boundary(self):
        result = self.result({"P1": 3, "P2": 3, "C1": 3, "X1": 3})
        assert self.awarded(result) == ["pledge", "practice", "practice-plus"]
        assert result.next_stage is None
        assert result.explanation == []
        assert result.percent == 100

    def test_stages_are_cumulative(self):
        # Practice's own rule holds (cores at least 1, P2's gap has an action), but Pledge does
        # not (P2 below 2), so Practice is not awarded either.
        result = self.result({"P1": 3, "P2": 1, "C1": 3, "X1": 3}, actions={"P2"})
        pledge, practice, plus = result.stages
        assert not pledge.awarded
        assert practice.rule_holds and not practice.awarded
        assert practice.blocked_by == PLEDGE
        assert practice.reasons == ["Pledge is not reached"]
        assert not plus.rule_holds
        assert result.stage is None

    def test_a_not_applicable_policy_criterion_is_left_out_of_the_pledge(self):
        result = score(
            framework(self.CRITERIA, IWL_STAGES),
            {"P1": 2, "C1": 2, "X1": 2},
            not_applicable={"P2"},
        )
        assert self.awarded(result) == ["pledge", "practice"]


class TestOtherConditions:
    CRITERIA = (
        CriterionInfo("A1", "A", weight=2999),
        CriterionInfo("A2", "A", weight=2001),
        CriterionInfo("B1", "B"),
    )

    def test_overall_percent_just_below_and_at(self):
        stage = StageInfo("s", "Silver", ({"overall_percent_at_least": 60},))
        fw = framework(self.CRITERIA[:2], (stage,))
        # 2999 x 100 / (2999 + 2001) = 59.98% : shown with two places beside the threshold
        below = score(fw, {"A1": 3, "A2": 0})
        assert below.percent == Fraction(2999 * 100, 5000)
        assert below.stage is None
        assert below.explanation == ["Silver not reached: The overall score, 59.98%, is below 60%"]
        # 60% exactly: 3000 / 5000
        at = score(
            framework(
                [CriterionInfo("A1", "A", weight=3000), CriterionInfo("A2", "A", weight=2000)],
                (stage,),
            ),
            {"A1": 3, "A2": 0},
        )
        assert at.percent == 60
        assert at.stage.stage.name == "Silver"

    def test_a_percentage_threshold_with_decimals(self):
        stage = StageInfo("s", "Silver", ({"overall_percent_at_least": 66.7},))
        # 66 2/3 is below 66.7 (read as the decimal written, not its binary approximation)
        result = score(framework(self.CRITERIA[2:], (stage,)), {"B1": 2})
        assert result.stage is None
        assert result.explanation == [
            "Silver not reached: The overall score, 66.67%, is below 66.7%"
        ]

    def test_named_criteria_and_standards(self):
        stages = (
            StageInfo("one", "One", ({"criteria": ["A1", "B1"], "at_least": 2},)),
            StageInfo("two", "Two", ({"standards": ["A"], "at_least": 3},)),
        )
        fw = framework(self.CRITERIA, stages)
        result = score(fw, {"A1": 3, "A2": 2, "B1": 1})
        assert result.explanation == [
            "One not reached: 1 of the criteria A1, B1 is below “In place”: B1"
        ]
        result = score(fw, {"A1": 3, "A2": 2, "B1": 2})
        assert result.stage.stage.name == "One"
        assert (
            result.stages[0].conditions[0].message
            == "Each of the criteria A1, B1 is at least “In place”"
        )
        assert result.explanation == [
            "Two not reached: 1 criterion in A is below “In place for all staff groups”: A2"
        ]

    def test_an_unknown_condition_fails_loudly(self):
        stage = StageInfo("s", "Silver", ({"mystery": True},))
        with pytest.raises(ValueError, match="Unknown stage condition"):
            score(framework(self.CRITERIA, (stage,)), {})


class TestTheSidesDisagreeing:
    """Three criteria of weight 1.

    A1: management 3, staff side 3, agreed            -> agreed 3
    A2: management 2, staff side 1, disagreed         -> not agreed (counts 0)
    B1: management 1, staff side 1, waiting for staff -> not agreed (counts 0)
    """

    FACTS = (
        ResponseFacts("A1", rating=3, staff_rating=3, state="agreed"),
        ResponseFacts("A2", rating=2, staff_rating=1, state="disagreed"),
        ResponseFacts("B1", rating=1, staff_rating=1, state="submitted"),
    )
    CRITERIA = (CriterionInfo("A1", "A"), CriterionInfo("A2", "A"), CriterionInfo("B1", "B"))

    def test_three_scores(self):
        scores = score_all(framework(self.CRITERIA), self.FACTS)
        # Management: (100 + 66 2/3 + 33 1/3) / 3 = 66 2/3
        assert scores[Basis.MANAGEMENT].percent == Fraction(200, 3)
        # Staff side: (100 + 33 1/3 + 33 1/3) / 3 = 55 5/9 -> "55.6%"
        assert scores[Basis.STAFF_SIDE].percent == Fraction(500, 9)
        assert percent_text(scores[Basis.STAFF_SIDE].percent) == "55.6%"
        # Agreed: (100 + 0 + 0) / 3 = 33 1/3
        assert scores[Basis.AGREED].percent == Fraction(100, 3)
        assert scores[Basis.AGREED].unrated == ("A2", "B1")
        assert scores[Basis.AGREED].unrated_label == "not agreed"

    def test_reservations_count_as_agreed_on_managements_rating(self):
        facts = (ResponseFacts("A1", rating=3, staff_rating=2, state="agreed_with_reservations"),)
        scores = score_all(framework(self.CRITERIA[:1]), facts)
        assert scores[Basis.AGREED].percent == 100
        assert scores[Basis.STAFF_SIDE].percent == Fraction(200, 3)

    def test_the_staff_side_has_no_fallback_to_managements_rating(self):
        facts = (ResponseFacts("A1", rating=3, staff_rating=None, state="agreed"),)
        scores = score_all(framework(self.CRITERIA[:1]), facts)
        assert scores[Basis.STAFF_SIDE].percent == 0
        assert scores[Basis.STAFF_SIDE].unrated == ("A1",)
        assert scores[Basis.STAFF_SIDE].unrated_label == "not rated by the staff side"

    def test_a_signature_that_does_not_verify_is_not_agreed(self):
        facts = (
            ResponseFacts(
                "A1", rating=3, staff_rating=3, state="agreed", signatures_verified=False
            ),
        )
        assert score_all(framework(self.CRITERIA[:1]), facts)[Basis.AGREED].percent == 0

    def test_stage_explanations_name_the_basis_wording(self):
        fw = framework(
            (CriterionInfo("A1", "A", tags={"policy"}), CriterionInfo("A2", "A", tags={"policy"})),
            IWL_STAGES,
        )
        scores = score_all(fw, self.FACTS[:2])
        # Management: both policies at 2 or more; no core criteria and no gaps, so Practice too.
        assert scores[Basis.MANAGEMENT].stage.stage.name == "Practice"
        assert scores[Basis.AGREED].explanation == [
            "Pledge not reached: 1 criterion tagged “policy” is below “In place”: A2 (not agreed)"
        ]


class TestTrend:
    def test_per_standard_by_ref_and_overall(self):
        now = score(
            framework([CriterionInfo("A1", "A"), CriterionInfo("B1", "B")]), {"A1": 3, "B1": 2}
        )
        before = score(
            framework([CriterionInfo("A1", "A"), CriterionInfo("C1", "C")]), {"A1": 1, "C1": 0}
        )
        trend = scoring.trend(now, before)
        # Overall: (100 + 66 2/3) / 2 = 83 1/3 now; (33 1/3 + 0) / 2 = 16 2/3 before: up 66 2/3
        assert trend.overall.points == Fraction(200, 3)
        assert trend.overall.text == "Up 66.7 points"
        # A: 100 vs 33 1/3; B is new (no earlier score)
        assert trend.standards["A"].points == Fraction(200, 3)
        assert trend.standards["B"].points is None
        assert trend.standards["B"].text == "No earlier score"

    def test_no_previous(self):
        now = score(framework([CriterionInfo("A1", "A")]), {"A1": 3})
        assert scoring.trend(now, None).overall.text == "No earlier score"


class TestDisplay:
    @pytest.mark.parametrize(
        "value, text",
        [
            (Fraction(200, 3), "66.7%"),
            (Fraction(50), "50%"),
            (Fraction(1, 20), "0.1%"),  # 0.05 rounds half up
            (Fraction(0), "0%"),
        ],
    )
    def test_percent_text(self, value, text):
        assert percent_text(value) == text


BUNDLED = Path(settings.BASE_DIR) / "fixtures" / "frameworks" / "iwl-standard-2000.yaml"


@pytest.mark.django_db
class TestTheBundledIwlFramework:
    @pytest.fixture
    def info(self):
        load_framework_files([BUNDLED])
        fw = Framework.objects.get(slug="iwl-standard-2000", version="1.0")
        return scoring.framework_info(
            met_value=fw.met_value,
            levels=fw.levels.all(),
            stages=fw.stages.all(),
            criteria=fw.criteria.select_related("standard").order_by(
                "standard__position", "position"
            ),
        )

    def test_the_framework_as_data(self, info):
        assert len(info.criteria) == 45
        assert [s.ref for s in info.standards] == ["HR", "ED", "SI", "FW", "HW", "TD", "RC"]
        assert [s.slug for s in info.stages] == ["pledge", "practice", "practice-plus"]
        # Seven criteria carry weight 2: total weight 38 + 7 x 2 = 52
        assert sum(c.weight for c in info.criteria) == 52

    def test_everything_in_place_reaches_practice(self, info):
        result = score(info, {c.ref: 2 for c in info.criteria})
        assert result.percent == Fraction(200, 3)
        assert result.stage.stage.name == "Practice"
        assert result.explanation[0].startswith(
            "Practice Plus not reached: 45 criteria are below “In place for all staff groups”"
        )

    def test_one_weighted_policy_criterion_at_zero(self, info):
        ratings = {c.ref: 3 for c in info.criteria} | {"HR1": 0}
        result = score(info, ratings)
        # HR1 weighs 2 of 52: (50 x 100 + 2 x 0) / 52 = 96.15... -> "96.2%"
        assert result.percent == Fraction(5000, 52)
        assert percent_text(result.percent) == "96.2%"
        # HR: HR1 (2) at 0, six others (1 each) at 100: 600 / 8 = 75%
        assert result.standard("HR").percent == 75
        assert result.stage is None
        assert result.explanation == [
            "Pledge not reached: 1 criterion tagged “policy” is below “In place”: HR1"
        ]
        # Practice fails on its own rule too: HR1 is core, and it is a gap with no action.
        assert result.stages[1].reasons == [
            "1 core criterion is below “Partly in place”: HR1",
            "1 gap has no action: HR1",
        ]
