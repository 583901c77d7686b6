"""The roll-ups: figures over a network's member organisations, read from summary rows only.

Only organisations that have *joined* (both leads consented) count; an organisation that left
or only one of whose leads accepted contributes nothing. Every function runs a fixed number of
queries, whatever the number of organisations, and applies disclosure control
(``disclosure``) to every aggregate it returns.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from partnership.models import Network, NetworkOrganisation, Organisation

from ..models import Assessment, Criterion, Framework, RatingLevel, Response, SignOff
from .disclosure import Cell, suppress_partition, suppress_statistic, threshold
from .models import (
    NOT_AGREED_VALUE,
    AssessmentSummary,
    CriterionSummary,
    NetworkCriterionCount,
    NetworkSummaryCount,
    StandardSummary,
)

JOINED = NetworkOrganisation.Status.JOINED
INVITED = NetworkOrganisation.Status.INVITED
DETAIL = NetworkOrganisation.Sharing.DETAIL
NOT_RECORDED = "not_recorded"
NOT_AGREED = "not_agreed"
REASONS_SHOWN = 20  # per criterion, by organisation name: a page, not a dump of every reason


@dataclass(frozen=True)
class Filters:
    country: str = ""
    sector: str = ""
    region: str = ""
    child: Network | None = None

    def apply(self, memberships):
        if self.country:
            memberships = memberships.filter(organisation__country=self.country)
        if self.sector:
            memberships = memberships.filter(organisation__sector=self.sector)
        if self.region:
            memberships = memberships.filter(organisation__region=self.region)
        if self.child is not None:
            memberships = memberships.filter(
                organisation__networks__network=self.child, organisation__networks__status=JOINED
            )
        return memberships


NO_FILTERS = Filters()


def members(network: Network, filters: Filters = NO_FILTERS, *, statuses=(JOINED,)):
    return filters.apply(NetworkOrganisation.objects.filter(network=network, status__in=statuses))


def member_ids(network: Network, filters: Filters = NO_FILTERS, *, sharing=None):
    """The joined organisations' ids, as a subquery (never loaded into Python)."""
    memberships = members(network, filters)
    if sharing:
        memberships = memberships.filter(sharing=sharing)
    return memberships.values("organisation_id")


def previous_period(period: str) -> str:
    year = int(period[:4]) - 1
    return f"{year}/{(year + 1) % 100:02d}"


def period_ended(period: str, today: datetime.date) -> bool:
    return today > datetime.date(int(period[:4]) + 1, 3, 31)


def latest_framework(slug: str) -> Framework | None:
    return Framework.objects.filter(slug=slug).order_by("-publication_date", "-version").first()


def framework_choices() -> list[tuple[str, str]]:
    """(slug, title) of each framework, newest version's title."""
    titles = {}
    for slug, title in Framework.objects.order_by(
        "slug", "publication_date", "version"
    ).values_list("slug", "title"):
        titles[slug] = title
    return sorted(titles.items(), key=lambda item: item[1])


def regions_of(network: Network) -> list[str]:
    return list(
        members(network)
        .exclude(organisation__region="")
        .order_by("organisation__region")
        .values_list("organisation__region", flat=True)
        .distinct()
    )


def periods_of(network: Network, slug: str) -> list[str]:
    return list(
        AssessmentSummary.objects.filter(
            framework_slug=slug, organisation_id__in=member_ids(network)
        )
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


# --- Coverage -----------------------------------------------------------------------------------


class Coverage:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ONE_SIDED = "one_sided"
    SIGNED_OFF = "signed_off"
    OVERDUE = "overdue"
    LABELS = {
        NOT_STARTED: "Not started",
        IN_PROGRESS: "In progress",
        ONE_SIDED: "Signed off by one side",
        SIGNED_OFF: "Signed off by both sides",
        OVERDUE: "Overdue",
    }


@dataclass
class CoverageRow:
    organisation: Organisation
    membership_status: str
    status: str  # Coverage.*
    overdue: bool
    stage: str = ""
    management_percent: object = None
    staff_percent: object = None
    agreed_percent: object = None

    @property
    def status_label(self):
        return Coverage.LABELS[self.status]

    @property
    def invited(self):
        return self.membership_status == INVITED


@dataclass
class CoverageReport:
    rows: list[CoverageRow]
    counts: dict  # Coverage.* -> Cell
    total: Cell
    invited: int
    page_size: int = 0
    more: int = 0


def _cycle(slug, period):
    """The assessments of ``slug`` (any version) for ``period``: an organisation normally has
    one; where it has two (two versions started), a signed-off one decides its status."""
    return Assessment.objects.filter(framework__slug=slug, period=period).order_by()


def _one_sided(slug, period):
    """The cycle's open assessments with an active sign-off: their organisations are signed off
    by one side (unless another assessment of theirs for the cycle is signed off)."""
    active = SignOff.objects.filter(assessment=OuterRef("pk"), voided_at__isnull=True)
    return _cycle(slug, period).filter(Exists(active), status=Assessment.Status.IN_PROGRESS)


def _coverage_tally(network, slug, period, filters) -> dict:
    """The joined members counted by status in one query. Each condition is an ``IN`` over a
    set computed once, not per member: the members' assessments of the cycle, those signed off,
    those open with an active sign-off. Each set is restricted to the members, so PostgreSQL
    finds a small network's from its members (an index probe each) and hashes a large one's
    from the period's assessments (index ``assessments_assessment_cycle``). Per-member
    subqueries cost about 64,000 probes at 20,000 members, enough to trigger JIT compilation
    (docs/performance.md)."""
    ids = member_ids(network, filters)
    cycle = _cycle(slug, period).filter(organisation_id__in=ids)
    signed_off = Q(
        organisation_id__in=cycle.filter(status=Assessment.Status.SIGNED_OFF).values(
            "organisation_id"
        )
    )
    one_sided = _one_sided(slug, period).filter(organisation_id__in=ids)
    return members(network, filters).aggregate(
        total=Count("pk"),
        started=Count("pk", filter=Q(organisation_id__in=cycle.values("organisation_id"))),
        signed_off=Count("pk", filter=signed_off),
        one_sided=Count(
            "pk",
            filter=Q(organisation_id__in=one_sided.values("organisation_id")) & ~signed_off,
        ),
    )


def _coverage_rows(network, slug, period, filters):
    """Joined and invited members with their cycle's status and summary figures. Correlated
    lookups, so cheap only for a page of rows: the database sorts first and looks up the rows
    it keeps."""
    cycle = _cycle(slug, period).filter(organisation_id=OuterRef("organisation_id"))
    summary = AssessmentSummary.objects.filter(
        organisation_id=OuterRef("organisation_id"), framework_slug=slug, period=period
    ).order_by()
    return members(network, filters, statuses=(JOINED, INVITED)).annotate(
        # "signed_off" sorts after "in_progress": descending, a signed-off one comes first.
        assessment_status=Subquery(cycle.order_by("-status").values("status")[:1]),
        one_sided=Exists(
            _one_sided(slug, period).filter(organisation_id=OuterRef("organisation_id"))
        ),
        stage=Subquery(summary.values("stage_name")[:1]),
        management_percent=Subquery(summary.values("management_percent")[:1]),
        staff_percent=Subquery(summary.values("staff_percent")[:1]),
        agreed_percent=Subquery(summary.values("agreed_percent")[:1]),
    )


def _coverage_status(assessment_status, one_sided) -> str:
    if assessment_status is None:
        return Coverage.NOT_STARTED
    if assessment_status == Assessment.Status.SIGNED_OFF:
        return Coverage.SIGNED_OFF
    return Coverage.ONE_SIDED if one_sided else Coverage.IN_PROGRESS


def coverage(
    network, slug, period, filters=NO_FILTERS, *, today=None, limit: int | None = None
) -> CoverageReport:
    """Every member organisation's cycle for ``slug`` and ``period`` (joined members, and those
    invited but not joined, marked so), with the counts per status. Three queries."""
    today = today or timezone.localdate()
    ended = period_ended(period, today)
    tallies = _coverage_tally(network, slug, period, filters)
    tallies["not_started"] = tallies["total"] - tallies["started"]
    open_count = tallies["total"] - tallies["signed_off"] - tallies["not_started"]
    counts = {
        Coverage.NOT_STARTED: tallies["not_started"],
        Coverage.IN_PROGRESS: open_count - tallies["one_sided"],
        Coverage.ONE_SIDED: tallies["one_sided"],
        Coverage.SIGNED_OFF: tallies["signed_off"],
    }
    total, cells = suppress_partition(tallies["total"], counts)
    overdue = tallies["not_started"] + open_count if ended else 0
    cells[Coverage.OVERDUE] = suppress_partition(
        tallies["total"], {"overdue": overdue, "rest": tallies["total"] - overdue}
    )[1]["overdue"]
    rows_queryset = (
        _coverage_rows(network, slug, period, filters)
        .select_related("organisation")
        .order_by("status", "organisation__name")
    )
    everyone = rows_queryset.count() if limit else None
    if limit:
        rows_queryset = rows_queryset[:limit]
    rows = []
    invited = 0
    for item in rows_queryset:
        joined = item.status == JOINED
        invited += not joined
        status = (
            _coverage_status(item.assessment_status, item.one_sided)
            if joined
            else Coverage.NOT_STARTED
        )
        rows.append(
            CoverageRow(
                organisation=item.organisation,
                membership_status=item.status,
                status=status,
                overdue=joined and ended and status != Coverage.SIGNED_OFF,
                stage=item.stage or "" if joined else "",
                management_percent=item.management_percent if joined else None,
                staff_percent=item.staff_percent if joined else None,
                agreed_percent=item.agreed_percent if joined else None,
            )
        )
    return CoverageReport(
        rows=rows,
        counts=cells,
        total=total,
        invited=invited,
        page_size=limit or 0,
        more=(everyone - len(rows)) if limit else 0,
    )


# --- The gap map --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    organisation: str
    barrier: str
    text: str


@dataclass
class GapRow:
    ref: str
    statement: str
    standard: str
    assessed: Cell
    below_met: Cell
    levels: list[tuple[str, Cell]]  # (label, organisations), lowest level first
    barriers: list[tuple[str, Cell]]  # (label, organisations), most common first
    divergent: Cell
    reasons: list[Reason] = field(default_factory=list)
    mapped_from: list[str] = field(default_factory=list)  # source refs, when shown mapped
    criterion_id: object = None  # links the page to the case studies that closed this gap

    @property
    def suppressed(self) -> bool:
        return self.assessed.suppressed

    @property
    def most_common_barrier(self) -> str:
        for label, cell in self.barriers:
            if not cell.suppressed and cell.value:
                return label
        return ""


@dataclass
class GapMap:
    framework: Framework | None
    period: str
    rows: list[GapRow]
    organisations: int  # joined organisations with a signed-off assessment in the period
    threshold: int
    terms: Framework | None = None  # the framework whose criteria the rows are, when mapped

    @property
    def mapped(self) -> bool:
        return self.terms is not None

    def most_common_gaps(self, count=5) -> list[GapRow]:
        shown = [r for r in self.rows if not r.below_met.suppressed and r.below_met.value]
        return sorted(shown, key=lambda r: (-r.below_met.value, r.ref))[:count]


BARRIER_LABELS = {**dict(Response.Barrier.choices), NOT_RECORDED: "No reason recorded"}


GAP_KEY = ("criterion_ref", "agreed_rating", "barrier", "below_met", "divergent")


def _counted(network, slug, period):
    """The whole network: its pre-aggregated counts (``counts``), about criteria x 30 rows
    whatever the number of organisations. Two queries."""
    grouped = [
        {
            **item,
            "agreed_rating": None
            if item["agreed_rating"] == NOT_AGREED_VALUE
            else item["agreed_rating"],
        }
        for item in NetworkCriterionCount.objects.filter(
            network=network, framework_slug=slug, period=period, organisations__gt=0
        ).values(*GAP_KEY, n=F("organisations"))
    ]
    organisations = (
        NetworkSummaryCount.objects.filter(network=network, framework_slug=slug, period=period)
        .values_list("organisations", flat=True)
        .first()
    )
    return grouped, organisations or 0


def _grouped(rows, slug, period, ids):
    """A filtered part of a network (country, sector, region, child network): grouped directly
    over the members' summary rows, in the same two queries. Its cost grows with the rows of the
    organisations the filter keeps."""
    grouped = list(rows.order_by().values(*GAP_KEY).annotate(n=Count("pk")))
    organisations = AssessmentSummary.objects.filter(
        framework_slug=slug, period=period, organisation_id__in=ids
    ).count()
    return grouped, organisations


def equivalent_refs(framework, target) -> Callable[[str], list[str]]:
    """A ``criterion_map`` from ``framework``'s refs to ``target``'s, through the crosswalks'
    ``equivalent`` pairs (read both ways). Criteria with no equivalent map to nothing."""
    from ..crosswalks.services import equivalence_map

    mapping = {
        ref: [criterion.ref for criterion in targets]
        for ref, targets in equivalence_map(framework, target).items()
    }
    return lambda ref: mapping.get(ref, [])


def gap_map(
    network,
    slug,
    period,
    filters=NO_FILTERS,
    *,
    criterion_map: Callable[[str], Iterable[str]] | None = None,
    in_terms_of: str = "",
) -> GapMap:
    """Per criterion: organisations assessed, below met, spread over the agreed rating levels,
    barrier categories, divergence between the sides, and (from members sharing the detail)
    the reasons with organisation names (the first ``REASONS_SHOWN`` per criterion).

    ``criterion_map`` turns this framework's criterion refs into the refs the map is shown in
    (one ref may become several, or none); by default each criterion is shown as itself. It is
    the seam for showing a gap map in another framework's terms: ``in_terms_of`` (a framework
    slug other than ``slug``) shows the rows as that framework's criteria, counting this
    framework's summaries through the crosswalks' ``equivalent`` pairs (``equivalent_refs``;
    three more queries). A mapped row counts answers to equivalent criteria: an organisation
    with two criteria both equivalent to one criterion counts twice there.
    """
    framework = latest_framework(slug)
    if framework is None:
        return GapMap(None, period, [], 0, threshold())
    terms = latest_framework(in_terms_of) if in_terms_of and in_terms_of != slug else None
    if terms is not None:
        criterion_map = equivalent_refs(framework, terms)
    levels = list(RatingLevel.objects.filter(framework=framework).order_by("value"))
    criteria = list(
        Criterion.objects.filter(framework=terms or framework)
        .select_related("standard")
        .order_by("standard__position", "position")
    )
    ids = member_ids(network, filters)
    rows = CriterionSummary.objects.filter(
        framework_slug=slug, period=period, organisation_id__in=ids, not_applicable=False
    )
    if filters == NO_FILTERS:
        grouped, organisations = _counted(network, slug, period)
    else:
        grouped, organisations = _grouped(rows, slug, period, ids)
    reasons = (
        rows.filter(
            organisation_id__in=member_ids(network, filters, sharing=DETAIL), below_met=True
        )
        .exclude(barrier_detail="")
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("criterion_ref")],
                order_by=[F("organisation__name").asc(), F("pk").asc()],
            )
        )
        .filter(place__lte=REASONS_SHOWN)
        .select_related("organisation")
        .only("criterion_ref", "barrier", "barrier_detail", "organisation__name")
        .order_by("criterion_ref", "organisation__name")
    )
    mapped = criterion_map or (lambda ref: (ref,))
    tallies = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    sources = defaultdict(set)
    for item in grouped:
        for ref in mapped(item["criterion_ref"]):
            sources[ref].add(item["criterion_ref"])
            tally = tallies[ref]
            n = item["n"]
            tally["assessed"][""] += n
            level = NOT_AGREED if item["agreed_rating"] is None else item["agreed_rating"]
            tally["levels"][level] += n
            tally["below_met"][item["below_met"]] += n
            tally["divergent"][item["divergent"]] += n
            if item["below_met"]:
                tally["barriers"][item["barrier"] or NOT_RECORDED] += n
    reasons_by_ref = defaultdict(list)
    for item in reasons:
        for ref in mapped(item.criterion_ref):
            reasons_by_ref[ref].append(
                Reason(
                    item.organisation.name,
                    BARRIER_LABELS.get(item.barrier or NOT_RECORDED, item.barrier),
                    item.barrier_detail,
                )
            )
    level_keys = [level.value for level in levels] + [NOT_AGREED]
    level_labels = {level.value: f"{level.value}: {level.label}" for level in levels}
    level_labels[NOT_AGREED] = "Not agreed"
    result = []
    for criterion in criteria:
        tally = tallies[criterion.ref]
        assessed = tally["assessed"][""]
        assessed_cell, level_cells = suppress_partition(
            assessed, {key: tally["levels"][key] for key in level_keys}
        )
        _, met_cells = suppress_partition(
            assessed, {True: tally["below_met"][True], False: tally["below_met"][False]}
        )
        _, divergent_cells = suppress_partition(
            assessed, {True: tally["divergent"][True], False: tally["divergent"][False]}
        )
        barrier_counts = dict(
            sorted(tally["barriers"].items(), key=lambda item: (-item[1], item[0]))
        )
        _, barrier_cells = suppress_partition(tally["below_met"][True], barrier_counts)
        if met_cells[True].suppressed:
            barrier_cells = {key: Cell(None) for key in barrier_cells}
        result.append(
            GapRow(
                ref=criterion.ref,
                statement=criterion.statement,
                standard=criterion.standard.title,
                assessed=assessed_cell,
                below_met=met_cells[True],
                levels=[(level_labels[key], level_cells[key]) for key in level_keys],
                barriers=[
                    (BARRIER_LABELS.get(key, key), cell) for key, cell in barrier_cells.items()
                ],
                divergent=divergent_cells[True],
                reasons=reasons_by_ref.get(criterion.ref, []),
                mapped_from=sorted(sources[criterion.ref]) if terms is not None else [],
                criterion_id=criterion.pk,
            )
        )
    return GapMap(framework, period, result, organisations, threshold(), terms=terms)


# --- Stages and movement ------------------------------------------------------------------------


@dataclass
class StageReport:
    total: Cell
    stages: list[tuple[str, Cell]]
    movement: list[tuple[str, Cell]]  # up, same, down, no previous cycle
    compared_with: str


def stages(network, slug, period, filters=NO_FILTERS) -> StageReport:
    """How many organisations reached each stage, and how they moved since the previous cycle.
    Three queries."""
    framework = latest_framework(slug)
    names = (
        [(i + 1, s.name) for i, s in enumerate(framework.stages.order_by("position"))]
        if framework
        else []
    )
    before = previous_period(period)
    previous = AssessmentSummary.objects.filter(
        organisation_id=OuterRef("organisation_id"), framework_slug=slug, period=before
    ).order_by()
    summaries = AssessmentSummary.objects.filter(
        framework_slug=slug, period=period, organisation_id__in=member_ids(network, filters)
    ).annotate(previous_position=Subquery(previous.values("stage_position")[:1]))
    by_stage = dict(
        summaries.order_by()
        .values_list("stage_position")
        .annotate(n=Count("pk"))
        .values_list("stage_position", "n")
    )
    moved = summaries.aggregate(
        up=Count("pk", filter=Q(previous_position__lt=F("stage_position"))),
        same=Count("pk", filter=Q(previous_position=F("stage_position"))),
        down=Count("pk", filter=Q(previous_position__gt=F("stage_position"))),
        new=Count("pk", filter=Q(previous_position__isnull=True)),
    )
    total = sum(by_stage.values())
    counts = {0: by_stage.get(0, 0), **{pos: by_stage.get(pos, 0) for pos, _ in names}}
    total_cell, cells = suppress_partition(total, counts)
    labels = {0: "No stage reached", **dict(names)}
    _, moved_cells = suppress_partition(total, moved)
    movement_labels = {
        "up": "Moved up a stage or more",
        "same": "Stayed at the same stage",
        "down": "Moved down",
        "new": "No previous cycle to compare",
    }
    return StageReport(
        total=total_cell,
        stages=[(labels[pos], cells[pos]) for pos in counts],
        movement=[(movement_labels[key], moved_cells[key]) for key in movement_labels],
        compared_with=before,
    )


# --- Needs help ---------------------------------------------------------------------------------


@dataclass
class HelpRow:
    membership: NetworkOrganisation
    agreed_percent: object
    divergent_count: int
    reasons: list[str]
    offers: list
    health_check: AssessmentSummary | None = None


HEALTH_CHECK = "partnership-health-check"


def latest_health_checks(network, filters=NO_FILTERS) -> dict:
    """``{organisation id: summary}``: each joined member's latest jointly signed-off
    partnership health check. One query."""
    latest = (
        AssessmentSummary.objects.filter(
            framework_slug=HEALTH_CHECK, organisation_id=OuterRef("organisation_id")
        )
        .order_by("-period", "-signed_off_at")
        .values("pk")[:1]
    )
    return {
        s.organisation_id: s
        for s in AssessmentSummary.objects.filter(
            framework_slug=HEALTH_CHECK,
            organisation_id__in=member_ids(network, filters),
            pk=Subquery(latest),
        ).only("organisation_id", "period", "agreed_percent")
    }


def needs_help(network, slug, period, filters=NO_FILTERS, more_reasons=None) -> list[HelpRow]:
    """Joined organisations past one of the network's thresholds: the selected framework and
    period's agreed score and divergence, and the latest partnership health check's agreed
    score (whatever framework is selected). Four queries. ``more_reasons``: {organisation id:
    [reason, ...]} found elsewhere (the partnership surveys), listed too."""
    more_reasons = more_reasons or {}
    checks = {
        org_id: check
        for org_id, check in latest_health_checks(network, filters).items()
        if check.agreed_percent is not None
        and check.agreed_percent < network.help_health_check_below
    }
    summaries = {
        s.organisation_id: s
        for s in AssessmentSummary.objects.filter(
            framework_slug=slug, period=period, organisation_id__in=member_ids(network, filters)
        )
        .filter(
            Q(agreed_percent__lt=network.help_score_below)
            | Q(divergent_count__gte=network.help_divergence_at_least)
        )
        .only("organisation_id", "agreed_percent", "divergent_count")
    }
    memberships = (
        members(network, filters)
        .filter(organisation_id__in=[*summaries, *checks, *more_reasons])
        .select_related("organisation")
        .prefetch_related("support_offers")
        .order_by("organisation__name")
    )
    rows = []
    for membership in memberships:
        summary = summaries.get(membership.organisation_id)
        reasons = []
        if summary is not None:
            below = summary.agreed_percent is not None and (
                summary.agreed_percent < network.help_score_below
            )
            if below:
                reasons.append(
                    f"Agreed score {summary.agreed_percent}% is below {network.help_score_below}%"
                )
            if summary.divergent_count >= network.help_divergence_at_least:
                reasons.append(f"The two sides diverge on {summary.divergent_count} criteria")
        check = checks.get(membership.organisation_id)
        if check is not None:
            reasons.append(
                f"Partnership health check {check.period}: agreed score {check.agreed_percent}% "
                f"is below {network.help_health_check_below}%"
            )
        reasons += more_reasons.get(membership.organisation_id, [])
        rows.append(
            HelpRow(
                membership,
                summary.agreed_percent if summary else None,
                summary.divergent_count if summary else 0,
                reasons,
                list(membership.support_offers.all()),
                health_check=check,
            )
        )
    return rows


# --- My organisation against its network --------------------------------------------------------


@dataclass
class BenchmarkRow:
    standard: str
    own: object
    lower_quartile: Cell
    median: Cell
    upper_quartile: Cell
    organisations: int


def _quartiles(values):
    if len(values) < 2:
        value = values[0] if values else None
        return value, value, value
    lower, median, upper = statistics.quantiles(values, n=4, method="inclusive")
    return round(lower, 1), round(median, 1), round(upper, 1)


def benchmark(network, organisation, slug, period) -> list[BenchmarkRow]:
    """The organisation's agreed score per standard beside the network's quartiles. Two
    queries. The quartiles include the organisation itself, as the NHS benchmark reports do."""
    framework = latest_framework(slug)
    titles = dict(framework.standards.values_list("ref", "title")) if framework else {}
    values = defaultdict(list)
    own = {}
    for org_id, ref, percent in StandardSummary.objects.filter(
        framework_slug=slug, period=period, organisation_id__in=member_ids(network)
    ).values_list("organisation_id", "standard_ref", "agreed_percent"):
        if percent is None:
            continue
        values[ref].append(float(percent))
        if org_id == organisation.pk:
            own[ref] = percent
    rows = []
    for ref, title in titles.items():
        numbers = sorted(values.get(ref, []))
        lower, median, upper = _quartiles(numbers)
        rows.append(
            BenchmarkRow(
                standard=f"{ref} {title}",
                own=own.get(ref),
                lower_quartile=suppress_statistic(lower, len(numbers)),
                median=suppress_statistic(median, len(numbers)),
                upper_quartile=suppress_statistic(upper, len(numbers)),
                organisations=len(numbers),
            )
        )
    return rows
