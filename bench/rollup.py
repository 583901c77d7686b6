"""The national roll-up (``python -m bench rollup``, part of ``make bench``).

20,000 organisations by default, ten yearly cycles each of the 100-criterion framework, loaded
as summary rows with COPY (what the sign-off transaction writes), all joined to one UK-wide
network; the first 50 also to a 50-organisation network. The summary rows of each cycle come
from one of a few dozen rating profiles, each scored once by the service's own scoring, so
generating stays fast and every row is one the service would write. A sample assessment is
then made through the sign-off code path and its rows compared with the profile's bulk rows.

Reported: the gap map's and coverage's p50/p95 in milliseconds and their query counts, for the
UK-wide network and the 50-organisation one (targets: p95 under 1 s on PostgreSQL; the same
query counts at 50 and 20,000 organisations).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from types import SimpleNamespace

from .bulk import Loader, plain_indexes_dropped
from .database import analyse, bench_database, migrate
from .frameworks import NATIONAL, load_frameworks
from .records import new_id

UK_SLUG = "bench-uk"
SMALL_SLUG = "bench-fifty"
SMALL = 50
PROFILES = 32
CHUNK = 200
BARRIERS = ("funding", "staffing", "policy_not_agreed", "not_prioritised", "")


def periods(cycles: int) -> list[str]:
    last = 2025
    return [f"{year}/{(year + 1) % 100:02d}" for year in range(last - cycles + 1, last + 1)]


def _log(message):
    print(message, file=sys.stderr, flush=True)


# --- Profiles: answers and the summary rows the service writes for them -------------------------


def profile_answers(criteria, index: int) -> dict:
    """Repeatable answers for profile ``index``: a strength, a few divergent criteria."""
    from assessments.demo_network import Answer

    rng = random.Random(index)
    strength = rng.uniform(0.2, 0.9)
    answers = {}
    for position, criterion in enumerate(criteria):
        if rng.random() < 0.03:
            answers[criterion.ref] = Answer(rating=None, not_applicable=True)
            continue
        rating = min(3, int(rng.random() * 2 + strength * 2.4))
        staff = rating
        if rng.random() < 0.08:
            staff = max(0, rating - 2) if rating >= 2 else min(3, rating + 2)
        barrier = BARRIERS[(position + index) % len(BARRIERS)] if rating < 2 else ""
        answers[criterion.ref] = Answer(
            rating=rating,
            staff_rating=staff,
            barrier=barrier or ("other" if rating < 2 else ""),
            barrier_detail=f"Reason {position} of profile {index}" if rating < 2 else "",
            narrative="",
        )
    return answers


def profile_rows(framework, criteria, answers) -> SimpleNamespace:
    """What ``assessments.rollup.services.write_summary`` writes for ``answers``, computed with
    the same scoring, without the database."""
    from assessments import scoring
    from assessments.rollup.services import diverges, percent

    levels = list(framework.levels.all())
    stages = list(framework.stages.all())
    info = scoring.framework_info(
        met_value=framework.met_value, levels=levels, stages=stages, criteria=criteria
    )
    facts = []
    for criterion in criteria:
        answer = answers[criterion.ref]
        differs = answer.staff_rating is not None and answer.staff_rating != answer.rating
        facts.append(
            scoring.ResponseFacts(
                ref=criterion.ref,
                rating=answer.rating,
                staff_rating=answer.staff_rating,
                state="disagreed" if differs else "agreed",
                not_applicable=answer.not_applicable,
            )
        )
    scores = scoring.score_all(info, facts)
    agreed = scores[scoring.Basis.AGREED]
    by_ref = {c.ref: c for c in agreed.criteria}
    met = framework.met_value
    rows = []
    for criterion in criteria:
        answer = answers[criterion.ref]
        gap = criterion.ref in agreed.gaps
        rows.append(
            (
                criterion.ref,
                criterion.standard.ref,
                answer.not_applicable,
                answer.rating,
                answer.staff_rating,
                by_ref[criterion.ref].rating,
                gap,
                not answer.not_applicable and diverges(answer.rating, answer.staff_rating, met),
                answer.barrier if gap else "",
                answer.narrative,
                answer.barrier_detail if gap else "",
            )
        )
    stage = agreed.stage
    standards = {b: {s.standard.ref: s for s in scores[b].standards} for b in scoring.Basis}
    return SimpleNamespace(
        criteria=rows,
        management=percent(scores[scoring.Basis.MANAGEMENT].percent),
        staff=percent(scores[scoring.Basis.STAFF_SIDE].percent),
        agreed=percent(agreed.percent),
        stage_slug=stage.stage.slug if stage else "",
        stage_name=stage.stage.name if stage else "",
        stage_position=(agreed.stages.index(stage) + 1) if stage else 0,
        applicable=agreed.applicable,
        gaps=len(agreed.gaps),
        divergent=sum(1 for row in rows if row[7]),
        standards=[
            (
                ref,
                percent(standards[scoring.Basis.MANAGEMENT][ref].percent),
                percent(standards[scoring.Basis.STAFF_SIDE][ref].percent),
                percent(standards[scoring.Basis.AGREED][ref].percent),
            )
            for ref in standards[scoring.Basis.AGREED]
        ],
    )


CRITERION_COLUMNS = [
    "criterion_ref",
    "standard_ref",
    "not_applicable",
    "management_rating",
    "staff_rating",
    "agreed_rating",
    "below_met",
    "divergent",
    "barrier",
    "narrative",
    "barrier_detail",
]


def compare_with_the_service(framework, criteria, answers, profile) -> None:
    """Make one assessment through the sign-off code path and check that what it wrote is what
    the bulk rows say for the same answers."""
    from assessments.demo_network import signed_off_cycle
    from assessments.rollup.models import AssessmentSummary
    from partnership.models import Membership, Organisation, User

    code = f"SAMPLE{Organisation.objects.filter(name='Sample Trust').count() + 1}"
    organisation = Organisation.objects.create(
        name="Sample Trust", ods_code=code, country="england"
    )
    leads = []
    for side in (Membership.Side.MANAGEMENT, Membership.Side.STAFF_SIDE):
        user = User.objects.create_user(f"{side}@{code.lower()}.bench.example")
        Membership.objects.create(user=user, organisation=organisation, side=side, role="lead")
        leads.append(user)
    assessment = signed_off_cycle(
        organisation, framework, "2014/15", management=leads[0], staff=leads[1], answers=answers
    )
    summary = AssessmentSummary.objects.get(assessment=assessment)
    made = sorted(summary.criteria.values_list(*CRITERION_COLUMNS))
    expected = sorted(profile.criteria)
    if made != expected:
        first = next(pair for pair in zip(made, expected, strict=False) if pair[0] != pair[1])
        raise RuntimeError(f"Bulk summary rows differ from the sign-off path's: {first}")
    written = (
        summary.management_percent,
        summary.staff_percent,
        summary.agreed_percent,
        summary.stage_slug,
        summary.gap_count,
        summary.divergent_count,
    )
    bulk = (
        profile.management,
        profile.staff,
        profile.agreed,
        profile.stage_slug,
        profile.gaps,
        profile.divergent,
    )
    if written != bulk:
        raise RuntimeError(f"Bulk assessment summary {bulk} differs from the service's {written}")
    standards = sorted(
        summary.standards.values_list(
            "standard_ref", "management_percent", "staff_percent", "agreed_percent"
        )
    )
    if standards != sorted(profile.standards):
        raise RuntimeError("Bulk standard summaries differ from the sign-off path's")


# --- Bulk loading -------------------------------------------------------------------------------


def _loader() -> Loader:
    from assessments import models as a
    from assessments.rollup import models as r
    from partnership import models as p

    loader = Loader(skip_triggers=True)
    for name, model, columns in (
        ("organisations", p.Organisation, "id name ods_code country region sector created_at updated_at"),
        ("places", p.NetworkOrganisation, "id network_id organisation_id status sharing invited_by_id joined_at created_at updated_at"),
        ("assessments", a.Assessment, "id organisation_id framework_id period title status created_at updated_at reopen_reason"),
        ("summaries", r.AssessmentSummary, "id assessment_id organisation_id framework_id framework_slug period signed_off_at management_percent staff_percent agreed_percent stage_slug stage_name stage_position applicable_count gap_count divergent_count"),
        ("standards", r.StandardSummary, "summary_id organisation_id framework_slug period standard_ref management_percent staff_percent agreed_percent"),
        ("criteria", r.CriterionSummary, "summary_id organisation_id framework_slug period " + " ".join(CRITERION_COLUMNS)),
    ):  # fmt: skip
        loader.table(name, model, columns.split())
    return loader


COUNTRIES = ("england", "scotland", "wales", "northern_ireland")
SECTORS = ("nhs_trust_or_board", "primary_care", "independent_or_voluntary")


def generate(organisations: int, cycles: int, *, seed: int = 2026, log=_log) -> dict:
    from assessments.models import Criterion
    from partnership.models import Network, NetworkMember, User
    from partnership.signing import keys

    keys.create_key()  # the bench's own, once: the sample sign-off is signed with it
    started = time.perf_counter()
    framework = load_frameworks([NATIONAL])[NATIONAL.slug]
    criteria = list(
        Criterion.objects.filter(framework=framework)
        .select_related("standard")
        .order_by("standard__position", "position")
    )
    answers = [profile_answers(criteria, i) for i in range(PROFILES)]
    profiles = [profile_rows(framework, criteria, a) for a in answers]
    compare_with_the_service(framework, criteria, answers[0], profiles[0])
    officer = User.objects.create_user("officer@rollup.bench.example")
    uk = Network.objects.create(name="United Kingdom", slug=UK_SLUG, kind="uk_wide")
    small = Network.objects.create(name="Fifty", slug=SMALL_SLUG, kind="union_region_or_branch")
    for network in (uk, small):
        NetworkMember.objects.create(user=officer, network=network, side="staff_side", role="lead")
    when = datetime(2026, 4, 1, tzinfo=UTC)
    all_periods = periods(cycles)
    loader = _loader()
    t = loader.tables
    rng = random.Random(seed)
    with plain_indexes_dropped(table.model._meta.db_table for table in t.values()):
        try:
            for first in range(0, organisations, CHUNK):
                for index in range(first, min(first + CHUNK, organisations)):
                    org_id = new_id(rng)
                    t["organisations"].add(
                        org_id, f"Organisation {index:05d}", f"R{index:05d}",
                        COUNTRIES[index % 4], f"Region {index % 42 + 1}", SECTORS[index % 3],
                        when, when,
                    )  # fmt: skip
                    sharing = "detail" if index % 3 == 0 else "summary"
                    for network in (uk, small) if index < SMALL else (uk,):
                        t["places"].add(
                            new_id(rng), network.pk, org_id, "joined", sharing, officer.pk,
                            when, when, when,
                        )  # fmt: skip
                    _cycles(t, rng, org_id, framework, all_periods, profiles, when)
                loader.flush()
                if log and (first // CHUNK) % 10 == 9:
                    log(f"  {min(first + CHUNK, organisations)} organisations loaded")
        finally:
            loader.close()
    loaded = time.perf_counter()
    from assessments.rollup import counts

    counts.rebuild()  # what sign-off and joining keep up to date, recounted after the bulk load
    counted = time.perf_counter()
    analyse()
    return {
        "organisations": organisations,
        "cycles": cycles,
        "criterion_rows": loader.counts()["criteria"],
        "load_s": round(loaded - started, 1),
        "count_s": round(counted - loaded, 1),
        "analyse_s": round(time.perf_counter() - counted, 1),
        "uk": uk,
        "small": small,
        "period": all_periods[-1],
    }


def _cycles(t, rng, org_id, framework, all_periods, profiles, when) -> None:
    for number, period in enumerate(all_periods):
        latest = number == len(all_periods) - 1
        roll = rng.random()
        if latest and roll < 0.08:
            continue  # not started
        assessment_id = new_id(rng)
        signed_off = not latest or roll > 0.2
        t["assessments"].add(
            assessment_id, org_id, framework.pk, period, f"IWL {period}",
            "signed_off" if signed_off else "in_progress", when, when, "",
        )  # fmt: skip
        if not signed_off:
            continue
        profile = profiles[rng.randrange(len(profiles))]
        summary_id = new_id(rng)
        t["summaries"].add(
            summary_id, assessment_id, org_id, framework.pk, framework.slug, period, when,
            profile.management, profile.staff, profile.agreed, profile.stage_slug,
            profile.stage_name, profile.stage_position, profile.applicable, profile.gaps,
            profile.divergent,
        )  # fmt: skip
        for ref, management, staff, agreed in profile.standards:
            t["standards"].add(
                summary_id, org_id, framework.slug, period, ref, management, staff, agreed
            )
        for row in profile.criteria:
            t["criteria"].add(summary_id, org_id, framework.slug, period, *row)


# --- Measuring ----------------------------------------------------------------------------------


def _measure(function, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()  # warm
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95, 1),
        "queries": len(captured.captured_queries),
    }


def counts_match(network, period) -> bool:
    """The pre-aggregated counts the gap map reads equal a direct count over the summary rows."""
    from assessments.rollup import queries
    from assessments.rollup.models import CriterionSummary

    ids = queries.member_ids(network)
    rows = CriterionSummary.objects.filter(
        framework_slug=NATIONAL.slug, period=period, organisation_id__in=ids, not_applicable=False
    )

    def key(item):
        return tuple(str(item[name]) for name in (*queries.GAP_KEY, "n"))

    counted, organisations = queries._counted(network, NATIONAL.slug, period)
    direct, direct_organisations = queries._grouped(rows, NATIONAL.slug, period, ids)
    return organisations == direct_organisations and sorted(map(key, counted)) == sorted(
        map(key, direct)
    )


def measure(data: dict, runs: int) -> dict:
    from assessments.rollup import queries

    period = data["period"]
    figures = {}
    for label, network in (("", data["uk"]), ("_50", data["small"])):
        gaps = _measure(lambda n=network: queries.gap_map(n, NATIONAL.slug, period), runs)
        coverage = _measure(
            lambda n=network: queries.coverage(n, NATIONAL.slug, period, limit=100), runs
        )
        figures.update(
            {
                f"rollup_gaps_p50_ms{label}": gaps["p50_ms"],
                f"rollup_gaps_p95_ms{label}": gaps["p95_ms"],
                f"rollup_gaps_queries{label}": gaps["queries"],
                f"rollup_coverage_p50_ms{label}": coverage["p50_ms"],
                f"rollup_coverage_p95_ms{label}": coverage["p95_ms"],
                f"rollup_coverage_queries{label}": coverage["queries"],
            }
        )
    figures["rollup_counts_equal"] = all(
        counts_match(network, period) for network in (data["uk"], data["small"])
    )
    figures["rollup_queries_equal"] = (
        figures["rollup_gaps_queries"] == figures["rollup_gaps_queries_50"]
        and figures["rollup_coverage_queries"] == figures["rollup_coverage_queries_50"]
    )
    figures["rollup_targets_met"] = (
        figures["rollup_queries_equal"] and figures["rollup_counts_equal"]
    ) and all(figures[name] < 1000 for name in ("rollup_gaps_p95_ms", "rollup_coverage_p95_ms"))
    return figures


def kept(cycles: int) -> dict:
    """The networks of a database kept by an earlier ``--keep`` run, to measure again."""
    from assessments.rollup.models import CriterionSummary
    from partnership.models import Network, NetworkOrganisation

    uk = Network.objects.get(slug=UK_SLUG)
    return {
        "organisations": NetworkOrganisation.objects.filter(network=uk).count(),
        "cycles": cycles,
        "criterion_rows": CriterionSummary.objects.count(),
        "load_s": None,
        "count_s": None,
        "analyse_s": None,
        "uk": uk,
        "small": Network.objects.get(slug=SMALL_SLUG),
        "period": periods(cycles)[-1],
    }


def run(*, organisations=20000, cycles=10, runs=20, keep=False, reuse=False) -> dict:
    started = time.perf_counter()
    with bench_database(keep=keep or reuse, reuse=reuse) as fresh:
        if fresh:
            _log(f"Roll-up: {organisations} organisations x {cycles} cycles of summary rows...")
            data = generate(organisations, cycles)
        else:
            _log("Roll-up: reusing the kept database (--organisations is ignored)")
            migrate()  # migrations added since it was kept (new indexes)
            analyse()
            data = kept(cycles)
        _log("Roll-up: gap map and coverage, UK-wide and 50 organisations...")
        figures = measure(data, runs)
    return {
        "rollup_organisations": data["organisations"],
        "rollup_cycles": data["cycles"],
        "rollup_criterion_rows": data["criterion_rows"],
        "rollup_load_s": data["load_s"],
        "rollup_count_s": data["count_s"],
        "rollup_analyse_s": data["analyse_s"],
        **figures,
        "rollup_wall_s": round(time.perf_counter() - started, 1),
    }


def table(f: dict) -> str:
    rows = [
        ("National roll-up", ""),
        ("  organisations x cycles; criterion summary rows", f"{f['rollup_organisations']} x {f['rollup_cycles']}; {f['rollup_criterion_rows']:,}"),
        ("  loaded (COPY), counted, analysed", "reused (--reuse)" if f["rollup_load_s"] is None else f"{f['rollup_load_s']} s, {f['rollup_count_s']} s, {f['rollup_analyse_s']} s"),
        ("  gap map p50 / p95 ms, UK-wide", f"{f['rollup_gaps_p50_ms']} / {f['rollup_gaps_p95_ms']}   (target: p95 below 1000)"),
        ("  gap map p50 / p95 ms, 50 organisations", f"{f['rollup_gaps_p50_ms_50']} / {f['rollup_gaps_p95_ms_50']}"),
        ("  coverage p50 / p95 ms, UK-wide", f"{f['rollup_coverage_p50_ms']} / {f['rollup_coverage_p95_ms']}   (target: p95 below 1000)"),
        ("  coverage p50 / p95 ms, 50 organisations", f"{f['rollup_coverage_p50_ms_50']} / {f['rollup_coverage_p95_ms_50']}"),
        ("  queries: gap map, coverage (UK-wide / 50)", f"{f['rollup_gaps_queries']} / {f['rollup_gaps_queries_50']}, {f['rollup_coverage_queries']} / {f['rollup_coverage_queries_50']}   (target: equal)"),
        ("  pre-aggregated counts equal a direct count", "yes" if f["rollup_counts_equal"] else "NO"),
        ("  all roll-up targets met", "yes" if f["rollup_targets_met"] else "NO"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join(f"{label:<{width}}{value}" if value else label for label, value in rows)


def main(argv=(), *, quiet=False) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench rollup")
    parser.add_argument("--organisations", type=int, default=20000)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database kept by an earlier --keep run (build it if missing); kept again",
    )
    args = parser.parse_args(list(argv))
    figures = run(**vars(args))
    if not quiet:
        print(table(figures))
    return figures
