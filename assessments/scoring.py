"""Scoring: every rule taken from the framework's data, as pure functions over plain data.

docs/scoring.md explains the rules for readers of the reports. In short:

- A criterion's percentage is ``(rating - lowest) / (highest - lowest)`` on the framework's scale.
  A criterion marked not applicable is left out of everything. An applicable criterion with no
  rating counts as the lowest level (so leaving a weak criterion unrated never raises a score)
  and is listed as not rated.
- A standard's score is the weighted mean of its applicable criteria's percentages
  (``Criterion.weight``); the overall score is the weighted mean over all applicable criteria.
- RAG: the colour of the highest scale level whose own percentage is at most the score.
- Stages are cumulative: a stage is awarded when every condition of its rule holds and every
  earlier stage is awarded. Each condition is evaluated and explained, held or not.
- Three bases are scored from one set of responses: the management side's ratings, the staff
  side's ratings (no fallback to management's) and the agreed ratings (what both sides signed).

Nothing here touches the database: ``framework_info`` and ``response_facts`` turn model rows the
caller has already fetched into the dataclasses below, so tests can use hand-worked examples.
Arithmetic is exact (``Fraction``); only display rounds.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# --- The framework, as plain data --------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    rag: str


@dataclass(frozen=True)
class Scale:
    levels: tuple[Level, ...]  # lowest first
    met: int

    def __post_init__(self):
        if len(self.levels) < 2:
            raise ValueError("A rating scale needs at least two levels")
        object.__setattr__(self, "levels", tuple(sorted(self.levels, key=lambda lv: lv.value)))

    @property
    def lowest(self) -> Level:
        return self.levels[0]

    @property
    def highest(self) -> Level:
        return self.levels[-1]

    def level(self, value) -> Level | None:
        return next((lv for lv in self.levels if lv.value == value), None)

    def label(self, value) -> str:
        level = self.level(value)
        return level.label if level else str(value)

    def percent(self, value: int) -> Fraction:
        """A rating as a percentage of the scale: lowest 0, highest 100."""
        span = self.highest.value - self.lowest.value
        return Fraction(100 * (value - self.lowest.value), span)

    def level_for_percent(self, percent: Fraction | None) -> Level | None:
        """The highest level whose own percentage is at most ``percent``."""
        if percent is None:
            return None
        reached = [lv for lv in self.levels if self.percent(lv.value) <= percent]
        return reached[-1] if reached else self.lowest


@dataclass(frozen=True)
class CriterionInfo:
    ref: str
    standard: str  # the standard's ref
    weight: Fraction = Fraction(1)
    core: bool = False
    tags: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "weight", _fraction(self.weight))
        object.__setattr__(self, "tags", frozenset(self.tags))


@dataclass(frozen=True)
class StandardInfo:
    ref: str
    title: str = ""


@dataclass(frozen=True)
class StageInfo:
    slug: str
    name: str
    rule: tuple[Mapping, ...]


@dataclass(frozen=True)
class FrameworkInfo:
    scale: Scale
    standards: tuple[StandardInfo, ...]
    criteria: tuple[CriterionInfo, ...]  # display order
    stages: tuple[StageInfo, ...] = ()  # lowest first


def _fraction(value) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        # 62.5 or 66.7 as written in YAML, not its binary approximation.
        return Fraction(Decimal(str(value)))
    return Fraction(value)


# --- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScore:
    criterion: CriterionInfo
    rating: int | None  # as rated on this basis; None when not rated
    applicable: bool
    percent: Fraction | None  # None when not applicable; an unrated criterion scores 0

    @property
    def ref(self):
        return self.criterion.ref

    @property
    def rated(self) -> bool:
        return self.rating is not None


@dataclass(frozen=True)
class StandardScore:
    standard: StandardInfo
    percent: Fraction | None  # None when none of its criteria apply
    level: Level | None
    applicable: int
    rated: int

    @property
    def rag(self):
        return self.level.rag if self.level else None


@dataclass(frozen=True)
class ConditionResult:
    holds: bool
    message: str
    refs: tuple[str, ...] = ()  # the criteria that stop it holding


@dataclass(frozen=True)
class StageResult:
    stage: StageInfo
    conditions: tuple[ConditionResult, ...]
    awarded: bool
    blocked_by: StageInfo | None = None  # its own rule holds, but an earlier stage is not reached

    @property
    def rule_holds(self) -> bool:
        return all(c.holds for c in self.conditions)

    @property
    def reasons(self) -> list[str]:
        """Why this stage is not awarded, one sentence per failing condition."""
        reasons = [c.message for c in self.conditions if not c.holds]
        if self.blocked_by is not None:
            reasons.append(f"{self.blocked_by.name} is not reached")
        return reasons


@dataclass(frozen=True)
class Score:
    basis: Basis | None
    criteria: tuple[CriterionScore, ...]
    standards: tuple[StandardScore, ...]
    percent: Fraction | None  # None only when no criterion applies
    level: Level | None
    stages: tuple[StageResult, ...]
    gaps: tuple[str, ...]  # applicable criteria below met (unrated ones included)
    gaps_without_action: tuple[str, ...]
    unrated_label: str = "not yet rated"

    @property
    def rag(self):
        return self.level.rag if self.level else None

    @property
    def applicable(self) -> int:
        return sum(1 for c in self.criteria if c.applicable)

    @property
    def rated(self) -> int:
        return sum(1 for c in self.criteria if c.applicable and c.rated)

    @property
    def unrated(self) -> tuple[str, ...]:
        return tuple(c.ref for c in self.criteria if c.applicable and not c.rated)

    @property
    def stage(self) -> StageResult | None:
        """The highest stage awarded."""
        awarded = [s for s in self.stages if s.awarded]
        return awarded[-1] if awarded else None

    @property
    def next_stage(self) -> StageResult | None:
        return next((s for s in self.stages if not s.awarded), None)

    @property
    def explanation(self) -> list[str]:
        """Why the next stage is not reached, as sentences for a report."""
        following = self.next_stage
        if following is None:
            return []
        return [f"{following.stage.name} not reached: {reason}" for reason in following.reasons]

    def standard(self, ref) -> StandardScore | None:
        return next((s for s in self.standards if s.standard.ref == ref), None)


# --- The bases ----------------------------------------------------------------------------------


class Basis(enum.StrEnum):
    MANAGEMENT = "management"
    STAFF_SIDE = "staff_side"
    AGREED = "agreed"

    @property
    def label(self) -> str:
        return {
            "management": "Management side",
            "staff_side": "Staff side",
            "agreed": "Agreed",
        }[self.value]

    @property
    def unrated_label(self) -> str:
        return {
            "management": "not yet rated",
            "staff_side": "not rated by the staff side",
            "agreed": "not agreed",
        }[self.value]


AGREED_STATES = ("agreed", "agreed_with_reservations")


@dataclass(frozen=True)
class ResponseFacts:
    """What scoring needs from one response.

    ``signatures_verified`` is False when an active signature no longer matches what is stored:
    a rating whose signatures do not verify is not counted as agreed.
    """

    ref: str
    rating: int | None = None
    staff_rating: int | None = None
    state: str = "draft"
    not_applicable: bool = False
    signatures_verified: bool = True

    @property
    def agreed_rating(self) -> int | None:
        """The management rating the staff side co-signed, or None when there is none."""
        if self.state in AGREED_STATES and self.signatures_verified and not self.not_applicable:
            return self.rating
        return None

    def rating_for(self, basis: Basis) -> int | None:
        if basis == Basis.MANAGEMENT:
            return self.rating
        if basis == Basis.STAFF_SIDE:
            return self.staff_rating
        return self.agreed_rating


def score_all(
    framework: FrameworkInfo, facts: Iterable[ResponseFacts], *, actions: Iterable[str] = ()
) -> dict[Basis, Score]:
    """The management, staff-side and agreed scores of one assessment."""
    facts = list(facts)
    not_applicable = {f.ref for f in facts if f.not_applicable}
    actions = frozenset(actions)
    return {
        basis: score(
            framework,
            {f.ref: f.rating_for(basis) for f in facts},
            not_applicable=not_applicable,
            actions=actions,
            basis=basis,
        )
        for basis in Basis
    }


# --- Scoring ------------------------------------------------------------------------------------


def _weighted_mean(scores: Iterable[CriterionScore]) -> Fraction | None:
    total_weight = Fraction(0)
    total = Fraction(0)
    for item in scores:
        if item.applicable:
            total_weight += item.criterion.weight
            total += item.criterion.weight * item.percent
    return total / total_weight if total_weight else None


def score(
    framework: FrameworkInfo,
    ratings: Mapping[str, int | None],
    *,
    not_applicable: Iterable[str] = (),
    actions: Iterable[str] = (),
    basis: Basis | None = None,
) -> Score:
    """Score one basis. ``ratings`` maps criterion refs to ratings (missing or None: not rated);
    ``actions`` holds the refs of criteria that have an action in the action plan."""
    scale = framework.scale
    not_applicable = frozenset(not_applicable)
    actions = frozenset(actions)
    unrated_label = basis.unrated_label if basis else "not yet rated"
    criteria = tuple(
        CriterionScore(
            criterion=c,
            rating=None if c.ref in not_applicable else ratings.get(c.ref),
            applicable=c.ref not in not_applicable,
            percent=None
            if c.ref in not_applicable
            else scale.percent(_effective(ratings.get(c.ref), scale)),
        )
        for c in framework.criteria
    )
    standards = tuple(
        _standard_score(
            standard, [c for c in criteria if c.criterion.standard == standard.ref], scale
        )
        for standard in framework.standards
    )
    overall = _weighted_mean(criteria)
    gaps = tuple(
        c.ref for c in criteria if c.applicable and _effective(c.rating, scale) < scale.met
    )
    context = _Context(
        framework=framework,
        by_ref={c.ref: c for c in criteria},
        overall=overall,
        gaps=gaps,
        actions=actions,
        unrated_label=unrated_label,
    )
    return Score(
        basis=basis,
        criteria=criteria,
        standards=standards,
        percent=overall,
        level=scale.level_for_percent(overall),
        stages=evaluate_stages(framework.stages, context),
        gaps=gaps,
        gaps_without_action=tuple(ref for ref in gaps if ref not in actions),
        unrated_label=unrated_label,
    )


def _effective(rating, scale: Scale) -> int:
    """An unrated applicable criterion counts as the lowest level."""
    return scale.lowest.value if rating is None else rating


def _standard_score(standard, criteria, scale) -> StandardScore:
    percent = _weighted_mean(criteria)
    return StandardScore(
        standard=standard,
        percent=percent,
        level=scale.level_for_percent(percent),
        applicable=sum(1 for c in criteria if c.applicable),
        rated=sum(1 for c in criteria if c.applicable and c.rated),
    )


# --- Stages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    framework: FrameworkInfo
    by_ref: Mapping[str, CriterionScore]
    overall: Fraction | None
    gaps: tuple[str, ...]
    actions: frozenset[str]
    unrated_label: str = "not yet rated"


def evaluate_stages(stages: Iterable[StageInfo], context: _Context) -> tuple[StageResult, ...]:
    """Every condition of every stage, and which stages are awarded (cumulatively)."""
    results = []
    first_missing = None
    for stage in stages:
        conditions = tuple(evaluate_condition(c, context) for c in stage.rule)
        holds = all(c.holds for c in conditions)
        awarded = holds and first_missing is None
        results.append(
            StageResult(
                stage=stage,
                conditions=conditions,
                awarded=awarded,
                blocked_by=first_missing if holds and not awarded else None,
            )
        )
        if not awarded and first_missing is None:
            first_missing = stage
    return tuple(results)


def evaluate_condition(condition: Mapping, context: _Context) -> ConditionResult:
    if "overall_percent_at_least" in condition:
        return _overall_condition(_fraction(condition["overall_percent_at_least"]), context)
    if condition.get("actions_for_gaps"):
        return _actions_condition(context)
    if "at_least" in condition:
        selected, noun = _select(condition, context)
        return _at_least_condition(selected, noun, condition["at_least"], context)
    raise ValueError(f"Unknown stage condition: {dict(condition)!r}")


def _select(condition, context) -> tuple[list[CriterionScore], tuple[str, str]]:
    """The criteria a condition is about, and how to name them (singular, plural)."""
    criteria = [context.by_ref[c.ref] for c in context.framework.criteria]
    if condition.get("all") is True:
        return criteria, ("criterion", "criteria")
    if condition.get("core") is True:
        return [c for c in criteria if c.criterion.core], ("core criterion", "core criteria")
    if "tagged" in condition:
        tag = condition["tagged"]
        return (
            [c for c in criteria if tag in c.criterion.tags],
            (f"criterion tagged “{tag}”", f"criteria tagged “{tag}”"),
        )
    if "criteria" in condition:
        refs = set(condition["criteria"])
        names = ", ".join(condition["criteria"])
        return (
            [c for c in criteria if c.ref in refs],
            (f"of the criteria {names}", f"of the criteria {names}"),
        )
    if "standards" in condition:
        refs = set(condition["standards"])
        names = ", ".join(condition["standards"])
        return (
            [c for c in criteria if c.criterion.standard in refs],
            (f"criterion in {names}", f"criteria in {names}"),
        )
    raise ValueError(f"Unknown stage condition: {dict(condition)!r}")


def _at_least_condition(selected, noun, at_least, context) -> ConditionResult:
    scale = context.framework.scale
    label = scale.label(at_least)
    applicable = [c for c in selected if c.applicable]
    failing = [c for c in applicable if _effective(c.rating, scale) < at_least]
    singular, plural = noun
    if not applicable:
        return ConditionResult(True, f"No {plural} apply")
    if not failing:
        subject = f"The only {singular}" if len(applicable) == 1 else f"Every {singular}"
        if singular.startswith("of the"):
            subject = "Each " + singular
        return ConditionResult(True, f"{subject} is at least “{label}”")
    count = len(failing)
    if singular.startswith("of the"):
        head = f"{count} {singular} {'is' if count == 1 else 'are'}"
    else:
        head = f"{count} {singular if count == 1 else plural} {'is' if count == 1 else 'are'}"
    return ConditionResult(
        False,
        f"{head} below “{label}”: {_refs(failing, context.unrated_label)}",
        tuple(c.ref for c in failing),
    )


def _refs(failing, unrated_label) -> str:
    return ", ".join(c.ref if c.rated else f"{c.ref} ({unrated_label})" for c in failing)


def _overall_condition(threshold: Fraction, context) -> ConditionResult:
    if context.overall is None:
        return ConditionResult(False, "There is no overall score: no criterion applies")
    shown = percent_text(context.overall, precise_near=threshold)
    if context.overall >= threshold:
        return ConditionResult(
            True, f"The overall score, {shown}, is at least {percent_text(threshold)}"
        )
    return ConditionResult(False, f"The overall score, {shown}, is below {percent_text(threshold)}")


def _actions_condition(context) -> ConditionResult:
    if not context.gaps:
        return ConditionResult(True, "There are no gaps, so no actions are needed")
    missing = [ref for ref in context.gaps if ref not in context.actions]
    if not missing:
        return ConditionResult(True, "Every gap has an action in the action plan")
    count = len(missing)
    named = ", ".join(
        ref if context.by_ref[ref].rated else f"{ref} ({context.unrated_label})" for ref in missing
    )
    return ConditionResult(
        False,
        f"{count} {'gap has' if count == 1 else 'gaps have'} no action: {named}",
        tuple(missing),
    )


# --- Trend --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    current: Fraction | None
    previous: Fraction | None

    @property
    def points(self) -> Fraction | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def direction(self) -> str:
        points = self.points
        if points is None:
            return "none"
        return "up" if points > 0 else "down" if points < 0 else "same"

    @property
    def text(self) -> str:
        points = self.points
        if points is None:
            return "No earlier score" if self.previous is None else "No score"
        if points == 0:
            return "No change"
        return f"{'Up' if points > 0 else 'Down'} {number_text(abs(points))} points"


@dataclass(frozen=True)
class Trend:
    overall: Change
    standards: dict[str, Change] = field(default_factory=dict)  # by standard ref


def trend(current: Score, previous: Score | None) -> Trend:
    """Compare two scores overall and standard by standard (matched by standard ref)."""
    if previous is None:
        return Trend(
            Change(current.percent, None),
            {s.standard.ref: Change(s.percent, None) for s in current.standards},
        )
    before = {s.standard.ref: s.percent for s in previous.standards}
    return Trend(
        Change(current.percent, previous.percent),
        {s.standard.ref: Change(s.percent, before.get(s.standard.ref)) for s in current.standards},
    )


# --- Display ------------------------------------------------------------------------------------


def number_text(value: Fraction, places: int = 1) -> str:
    """A number rounded half up: 66.67 -> "66.7", 50 -> "50"."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_text(value: Fraction | None, *, precise_near: Fraction | None = None) -> str:
    """A percentage for people: one decimal place at most ("66.7%", "50%").

    With ``precise_near``, a value that would round to that threshold without reaching it is
    shown with two places, so "59.98%" never reads as "60%" beside "below 60%".
    """
    if value is None:
        return "No score"
    text = number_text(value)
    if (
        precise_near is not None
        and value < precise_near
        and Fraction(Decimal(text)) >= precise_near
    ):
        text = number_text(value, places=2)
    return f"{text}%"


# --- Building the plain data from model rows (no queries here) ----------------------------------


def framework_info(*, met_value, levels, stages, criteria) -> FrameworkInfo:
    """From RatingLevel, Stage and Criterion rows (each Criterion with ``standard`` loaded)."""
    standards = {}
    infos = []
    for criterion in criteria:
        standard = criterion.standard
        standards.setdefault(standard.ref, StandardInfo(standard.ref, standard.title))
        infos.append(
            CriterionInfo(
                ref=criterion.ref,
                standard=standard.ref,
                weight=criterion.weight,
                core=criterion.core,
                tags=frozenset(criterion.tags or ()),
            )
        )
    return FrameworkInfo(
        scale=Scale(tuple(Level(lv.value, lv.label, lv.rag) for lv in levels), met_value),
        standards=tuple(standards.values()),
        criteria=tuple(infos),
        stages=tuple(StageInfo(s.slug, s.name, tuple(s.rule or ())) for s in stages),
    )
