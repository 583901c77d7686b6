"""The figures of closed rounds, with small groups protected: one organisation's results, and a
network's roll-up of its sharing members.

Primary suppression: a side with fewer than ``SURVEY_MIN_ANSWERS`` answers shows no figures,
only that it had too few. Nothing combines a hidden side with a shown one (no "both sides"
figure, no gap), so a hidden side cannot be worked out by subtraction. In a network's totals,
which count every answer, hiding only one organisation's side would let anyone subtract it
back out, so the next smallest is hidden with it (secondary suppression); a total itself needs
``ROLLUP_MIN_ORGANISATIONS`` organisations behind it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import Count

from partnership.models import Membership, NetworkOrganisation

from ..models import Framework
from .models import SurveyInvitation, SurveyRound, SurveyScore
from .services import min_answers

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
SIDES = (MANAGEMENT, STAFF_SIDE)
LOWEST = 3
LARGE_GAP = 2


def min_organisations() -> int:
    return getattr(settings, "ROLLUP_MIN_ORGANISATIONS", 5)


def one_decimal(value):
    return None if value is None else f"{value:.1f}"


@dataclass
class Figures:
    """One side's answers to one statement (or to all of them): how many, the mean and how they
    spread over the scale. ``suppressed`` hides all three."""

    histogram: dict[int, int] = field(default_factory=dict)
    suppressed: bool = False
    people: int = 0  # how many answers are behind the figures

    @property
    def count(self) -> int:
        return sum(self.histogram.values())

    @property
    def total(self) -> int:
        return sum(value * n for value, n in self.histogram.items())

    @property
    def mean(self) -> float | None:
        if self.suppressed or not self.count:
            return None
        return self.total / self.count

    @property
    def mean_text(self) -> str:
        return one_decimal(self.mean) or ""

    def spread(self, values) -> list[tuple[int, int]]:
        return [(value, self.histogram.get(value, 0)) for value in values]

    def add(self, other: Figures):
        for value, n in other.histogram.items():
            self.histogram[value] = self.histogram.get(value, 0) + n


@dataclass
class StatementRow:
    criterion: object
    sides: dict[str, Figures]
    previous: dict[str, Figures] | None = None

    @property
    def management(self) -> Figures:
        return self.sides[MANAGEMENT]

    @property
    def staff_side(self) -> Figures:
        return self.sides[STAFF_SIDE]

    @property
    def gap(self) -> float | None:
        """Management's mean minus the staff side's, when both are shown."""
        if self.management.mean is None or self.staff_side.mean is None:
            return None
        return self.management.mean - self.staff_side.mean

    @property
    def gap_text(self) -> str:
        return "" if self.gap is None else f"{self.gap:+.1f}"

    @property
    def large_gap(self) -> bool:
        return self.gap is not None and abs(self.gap) >= LARGE_GAP

    @property
    def overall(self) -> float | None:
        """The mean of every shown answer: both sides' when both are shown, else the one."""
        shown = Figures()
        for figures in self.sides.values():
            if not figures.suppressed:
                shown.add(figures)
        return shown.total / shown.count if shown.count else None

    @property
    def overall_text(self) -> str:
        return one_decimal(self.overall) or ""

    def change(self, side) -> float | None:
        if self.previous is None:
            return None
        now, then = self.sides[side].mean, self.previous[side].mean
        return None if now is None or then is None else now - then

    def change_text(self, side) -> str:
        change = self.change(side)
        return "" if change is None else f"{change:+.1f}"

    @property
    def management_change(self) -> str:
        return self.change_text(MANAGEMENT)

    @property
    def staff_side_change(self) -> str:
        return self.change_text(STAFF_SIDE)


@dataclass(frozen=True)
class Response:
    side: str
    invited: int
    answered: int
    suppressed: bool

    @property
    def label(self) -> str:
        return Membership.Side(self.side).label

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    @property
    def rate_text(self) -> str:
        return "" if self.rate is None else f"{self.rate:.0%}"


def _histograms(rounds) -> dict:
    """{(round_id, side, criterion_id): Figures} for the rounds' answers, in one query."""
    result = defaultdict(Figures)
    rows = (
        SurveyScore.objects.filter(answer__round__in=rounds)
        .values_list("answer__round_id", "answer__side", "criterion_id", "value")
        .annotate(n=Count("id"))
        .order_by()
    )
    for round_id, side, criterion_id, value, n in rows:
        result[round_id, side, criterion_id].histogram[value] = n
    return result


def _answer_counts(rounds) -> dict:
    """{(round_id, side): (invited, answered)} in one query."""
    result = defaultdict(lambda: (0, 0))
    rows = (
        SurveyInvitation.objects.filter(round__in=rounds)
        .values_list("round_id", "side", "used")
        .annotate(n=Count("id"))
        .order_by()
    )
    for round_id, side, used, n in rows:
        invited, answered = result[round_id, side]
        result[round_id, side] = (invited + n, answered + (n if used else 0))
    return result


def previous_round(survey_round) -> SurveyRound | None:
    """The organisation's closed round of the same framework (any version) before this one."""
    return (
        SurveyRound.objects.filter(
            organisation_id=survey_round.organisation_id,
            framework__slug=survey_round.framework.slug,
            status=SurveyRound.Status.CLOSED,
            closes_on__lt=survey_round.closes_on,
        )
        .exclude(pk=survey_round.pk)
        .select_related("framework")
        .order_by("-closes_on")
        .first()
    )


class RoundResults:
    """Everything the results page, its PDF, CSV and JSON show about a closed round."""

    template_name = "assessments/surveys/results.html"

    def __init__(self, survey_round):
        self.round = survey_round
        self.organisation = survey_round.organisation
        self.framework = survey_round.framework
        self.minimum = min_answers()

    @cached_property
    def previous(self) -> SurveyRound | None:
        return previous_round(self.round)

    @cached_property
    def _data(self):
        rounds = [self.round] + ([self.previous] if self.previous else [])
        return _histograms(rounds), _answer_counts(rounds)

    @cached_property
    def levels(self) -> list[int]:
        return list(self.framework.levels.order_by("value").values_list("value", flat=True))

    def _suppressed(self, round_id, side) -> bool:
        return self._data[1][round_id, side][1] < self.minimum

    @cached_property
    def responses(self) -> list[Response]:
        counts = self._data[1]
        return [
            Response(side, *counts[self.round.pk, side], self._suppressed(self.round.pk, side))
            for side in SIDES
        ]

    def _side_figures(self, round_id, criterion_id) -> dict[str, Figures]:
        histograms = self._data[0]
        result = {}
        for side in SIDES:
            figures = histograms.get((round_id, side, criterion_id)) or Figures()
            if self._suppressed(round_id, side):
                figures = Figures(suppressed=True)
            result[side] = figures
        return result

    @cached_property
    def rows(self) -> list[StatementRow]:
        criteria = self.framework.criteria.select_related("standard").order_by(
            "standard__position", "position"
        )
        previous_criteria = {}
        if self.previous:
            previous_criteria = dict(self.previous.framework.criteria.values_list("ref", "pk"))
        rows = []
        for criterion in criteria:
            row = StatementRow(criterion, self._side_figures(self.round.pk, criterion.pk))
            if criterion.ref in previous_criteria:
                row.previous = self._side_figures(
                    self.previous.pk, previous_criteria[criterion.ref]
                )
            rows.append(row)
        return rows

    @property
    def lowest(self) -> list[StatementRow]:
        scored = [row for row in self.rows if row.overall is not None]
        return sorted(
            scored,
            key=lambda row: (row.overall, row.criterion.standard.position, row.criterion.position),
        )[:LOWEST]

    @property
    def spread_rows(self) -> list[dict]:
        """How many gave each score, per statement and side, for the spread table."""
        return [
            {
                "label": f"{row.criterion.ref} {Membership.Side(side).label.lower()}",
                "suppressed": row.sides[side].suppressed,
                "counts": [n for _value, n in row.sides[side].spread(self.levels)],
            }
            for row in self.rows
            for side in SIDES
        ]

    @property
    def any_shown(self) -> bool:
        return any(not response.suppressed for response in self.responses)

    def as_dict(self) -> dict:
        """The results as plain data (the survey_results command's JSON)."""

        def figures(f: Figures):
            if f.suppressed:
                return {"suppressed": True}
            return {
                "count": f.count,
                "mean": None if f.mean is None else round(f.mean, 2),
                "spread": {str(value): n for value, n in f.spread(self.levels)},
            }

        return {
            "organisation": self.organisation.ods_code,
            "round": str(self.round.pk),
            "title": self.round.title,
            "framework": {"slug": self.framework.slug, "version": self.framework.version},
            "period": self.round.period,
            "closes_on": self.round.closes_on.isoformat(),
            "status": self.round.status,
            "minimum_answers": self.minimum,
            "responses": {
                r.side: {"invited": r.invited}
                | ({"suppressed": True} if r.suppressed else {"answered": r.answered})
                for r in self.responses
            },
            "statements": [
                {
                    "ref": row.criterion.ref,
                    "statement": row.criterion.statement,
                    **{side: figures(row.sides[side]) for side in SIDES},
                    "gap": None if row.gap is None else round(row.gap, 2),
                    "previous": None
                    if row.previous is None
                    else {side: figures(row.previous[side]) for side in SIDES},
                }
                for row in self.rows
            ],
            "lowest": [row.criterion.ref for row in self.lowest],
            "previous_round": str(self.previous.pk) if self.previous else None,
        }


# --- Networks ---------------------------------------------------------------------------------


@dataclass
class OrganisationScores:
    organisation: object
    round: SurveyRound
    invited: dict[str, int]
    sides: dict[str, Figures]

    def answered(self, side) -> int | None:
        figures = self.sides[side]
        return None if figures.suppressed else figures.people

    @property
    def labelled_sides(self) -> list[dict]:
        return [{"figures": self.sides[side], "invited": self.invited[side]} for side in SIDES]

    @property
    def gap(self) -> float | None:
        m, s = self.sides[MANAGEMENT].mean, self.sides[STAFF_SIDE].mean
        return None if m is None or s is None else m - s


@dataclass
class NetworkSurveyScores:
    network: object
    framework: object
    period: str
    rows: list[OrganisationScores]
    totals: dict[str, Figures]
    minimum_answers: int
    minimum_organisations: int

    @property
    def total_list(self) -> list[Figures]:
        return [self.totals[side] for side in SIDES]

    def for_organisation(self, organisation) -> OrganisationScores | None:
        return next((row for row in self.rows if row.organisation.pk == organisation.pk), None)


def survey_scores_for_network(network, framework, period) -> NetworkSurveyScores:
    """Each sharing (joined) member's latest closed round of ``framework`` (any version of its
    slug) in ``period``: invited, answered and mean score per side, suppressed as above, and the
    network's totals per side. Five queries, however many organisations."""
    joined = list(
        NetworkOrganisation.objects.filter(
            network=network, status=NetworkOrganisation.Status.JOINED
        ).values_list("organisation_id", flat=True)
    )
    rounds = {}
    for survey_round in (
        SurveyRound.objects.filter(
            organisation_id__in=joined,
            framework__slug=framework.slug,
            period=period,
            status=SurveyRound.Status.CLOSED,
        )
        .select_related("organisation")
        .order_by("organisation__name", "closes_on")
    ):
        rounds[survey_round.organisation_id] = survey_round  # the latest wins
    rounds = list(rounds.values())
    histograms, counts = _histograms(rounds), _answer_counts(rounds)
    minimum = min_answers()
    rows = []
    for survey_round in rounds:
        sides = {side: Figures() for side in SIDES}
        for (round_id, side, _criterion), figures in histograms.items():
            if round_id == survey_round.pk:
                sides[side].add(figures)
        for side in SIDES:
            # Per organisation the figures are over every score, so "answered" is people.
            answered = counts[survey_round.pk, side][1]
            sides[side] = Figures(
                sides[side].histogram, suppressed=answered < minimum, people=answered
            )
        rows.append(
            OrganisationScores(
                survey_round.organisation,
                survey_round,
                {side: counts[survey_round.pk, side][0] for side in SIDES},
                sides,
            )
        )
    totals = {side: _network_total(rows, side) for side in SIDES}
    return NetworkSurveyScores(
        network, framework, period, rows, totals, minimum, min_organisations()
    )


def _network_total(rows, side) -> Figures:
    """Every answer of the side across the network; suppresses one more cell when only one was
    hidden, and the total itself when too few organisations stand behind it."""
    cells = [row.sides[side] for row in rows if row.sides[side].people]
    hidden = [cell for cell in cells if cell.suppressed]
    if len(hidden) == 1:
        shown = sorted((c for c in cells if not c.suppressed), key=lambda c: c.people)
        if shown:
            shown[0].suppressed = True
    total = Figures()
    for cell in cells:
        total.add(cell)
    total.people = sum(cell.people for cell in cells)
    total.suppressed = len(cells) < min_organisations()
    return total


def needs_help_reasons(network, period) -> dict:
    """``{organisation id: [reason, ...]}`` for the network's needs-help page, from each joined
    member's latest closed partnership survey in ``period``: a side whose mean is below the
    network's health check threshold, or a large gap between the sides. Suppressed sides say
    nothing. Five queries, however many organisations."""
    framework = (
        Framework.objects.filter(survey=True, slug="partnership-health-check")
        .order_by("-publication_date", "-version")
        .first()
    )
    if framework is None:
        return {}
    scores = survey_scores_for_network(network, framework, period)
    threshold = network.help_health_check_below / 10  # a percentage of the 0-10 scale
    reasons = {}
    for row in scores.rows:
        means = {side: row.sides[side].mean for side in SIDES}
        found = [
            f"Partnership survey {period}: the {Membership.Side(side).label.lower()} scored {one_decimal(mean)} "
            f"out of 10, below {one_decimal(threshold)}"
            for side, mean in means.items()
            if mean is not None and mean < threshold
        ]
        if None not in means.values():
            gap = means[Membership.Side.MANAGEMENT] - means[Membership.Side.STAFF_SIDE]
            if abs(gap) >= LARGE_GAP:
                found.append(
                    f"Partnership survey {period}: the two sides' scores are "
                    f"{one_decimal(abs(gap))} points apart"
                )
        if found:
            reasons[row.organisation.pk] = found
    return reasons
