"""The national benchmark (``make bench``): a data set at national scale, then every
measurement in one run, a table for people and, as the last line, one JSON object.

See docs/performance.md for what the figures mean and the figures of a recorded run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from .database import analyse, bench_database
from .documents import measure_documents
from .frameworks import NATIONAL, PAGE_25, PAGE_400
from .load import measure_load
from .memory import measure_peak_rss
from .national import generate
from .pages import measure_pages
from .report_pdf import measure_report_pdf

# The signed-off assessments whose scored report can be measured, by number of criteria.
REPORTS = {400: PAGE_400.slug, 100: NATIONAL.slug, 25: PAGE_25.slug}
TARGETS = {
    "pdf_overhead_ratio": ("at most", 1.15),
    "save_vs_baseline": ("at least", 0.5),
    "lost_saves": ("at most", 0),
    "report_peak_rss_mb": ("below", 300),
    "stored_report_p95_ms": ("below", 50),
    "documents_errors": ("at most", 0),
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _assessment(slug: str, period: str):
    from assessments.models import Assessment

    return Assessment.objects.select_related("framework", "organisation").get(
        organisation__ods_code="B0000", framework__slug=slug, period=period
    )


def run(
    *,
    organisations=2000,
    sessions=20,
    load_seconds=20.0,
    pdf_runs=5,
    page_runs=40,
    page_seconds=8.0,
    report_criteria=(400, 100),
    board_reports=50,
    keep=False,
    reuse=False,
) -> dict:
    """``report_criteria``: the scored reports whose peak memory is measured; the first one's
    is ``report_peak_rss_mb`` (by default the largest, 400 criteria)."""
    started = time.perf_counter()
    load_average = os.getloadavg()[0]
    data = {}
    with bench_database(reuse=reuse, keep=keep) as fresh:
        if fresh:
            _log(f"Making the national data set ({organisations} organisations)...")
            data = generate(organisations, log=_log)
            analysed = time.perf_counter()
            analyse()
            data["analyse_s"] = round(time.perf_counter() - analysed, 1)
        _log("Standard page and save in place (in process)...")
        pages = measure_pages(runs=page_runs, seconds=page_seconds)
        _log("Board report PDF...")
        pdf = measure_report_pdf(
            assessment=_assessment(NATIONAL.slug, "2024/25"), runs=pdf_runs, throwaway=False
        )
        _log("Peak memory of the scored reports (each in a new process)...")
        memory = [
            measure_peak_rss(_assessment(REPORTS[criteria], "2024/25").pk)
            for criteria in report_criteria
        ]
        _log(
            f"Load: gunicorn, {sessions} sessions, {load_seconds:g} s each for baseline and saves..."
        )
        load = measure_load(sessions=sessions, seconds=load_seconds)
        _log(f"Board reports: {board_reports} at once through gunicorn and two task workers...")
        documents = measure_documents(reports=board_reports)
        from assessments.models import Response

        responses = Response.objects.count()
    return summarise(
        data=data,
        responses=responses,
        pages=pages,
        pdf=pdf,
        memory=memory,
        load=load,
        documents=documents,
        wall_s=round(time.perf_counter() - started, 1),
        load_average=(round(load_average, 2), round(os.getloadavg()[0], 2)),
    )


def summarise(
    *, data, responses, pages, pdf, memory, load, documents, wall_s, load_average
) -> dict:
    small, large = pages[25], pages[400]
    largest = memory[0]
    baseline_rps, save_rps = load["baseline"]["rps"], load["saves"]["rps"]
    figures = {
        "standard_page_queries_25": small["page_queries"],
        "standard_page_queries_400": large["page_queries"],
        "standard_page_p50_ms_25": small["page"]["p50_ms"],
        "standard_page_p95_ms_25": small["page"]["p95_ms"],
        "standard_page_p50_ms_400": large["page"]["p50_ms"],
        "standard_page_p95_ms_400": large["page"]["p95_ms"],
        "save_queries_25": small["save_queries"],
        "save_queries_400": large["save_queries"],
        "save_p50_ms_25": small["save"]["p50_ms"],
        "save_p95_ms_25": small["save"]["p95_ms"],
        "save_p50_ms_400": large["save"]["p50_ms"],
        "save_p95_ms_400": large["save"]["p95_ms"],
        "save_p95_ms": max(small["save"]["p95_ms"], large["save"]["p95_ms"]),
        "board_pdf_s": pdf["pipeline_median_s"],
        "weasyprint_only_s": pdf["weasyprint_median_s"],
        "pdf_overhead_ratio": pdf["ratio"],
        "weasyprint_preparsed_s": pdf["weasyprint_preparsed_median_s"],
        "board_pdf_ours_s": pdf["ours_median_s"],
        "board_pdf_pages": pdf["pages"],
        "report_peak_rss_mb": largest["peak_rss_mb"],
        "report_rss_before_mb": largest["rss_before_mb"],
        "report_render_s": largest["render_s"],
        "report_criteria": largest["criteria"],
        "report_pages": largest["pages"],
        **{f"report_peak_rss_mb_{m['criteria']}": m["peak_rss_mb"] for m in memory[1:]},
        **{f"report_render_s_{m['criteria']}": m["render_s"] for m in memory[1:]},
        "save_rps": save_rps,
        "baseline_rps": baseline_rps,
        "save_vs_baseline": round(save_rps / baseline_rps, 3) if baseline_rps else None,
        "save_server_cpu_ms": load["saves"]["server_cpu_ms"],
        "save_app_cpu_ms": load["saves"]["app_cpu_ms"],
        "save_db_cpu_ms": load["saves"]["db_cpu_ms"],
        "baseline_server_cpu_ms": load["baseline"]["server_cpu_ms"],
        "baseline_app_cpu_ms": load["baseline"]["app_cpu_ms"],
        "baseline_db_cpu_ms": load["baseline"]["db_cpu_ms"],
        "save_vs_baseline_cpu": (
            round(load["baseline"]["server_cpu_ms"] / load["saves"]["server_cpu_ms"], 3)
            if load["saves"]["server_cpu_ms"]
            else None
        ),
        "save_load_p95_ms": load["saves"]["p95_ms"],
        "baseline_load_p95_ms": load["baseline"]["p95_ms"],
        "accepted_saves": load["accepted_saves"],
        "conflicts": load["saves"]["conflicts"],
        "history_rows": load["history_rows"],
        "version_increase": load["version_increase"],
        "lost_saves": load["lost_saves"],
        "unexpected_saves": load["unexpected_saves"],
        "load_errors": load["saves"]["errors"] + load["baseline"]["errors"],
        "first_load_errors": load["saves"]["first_errors"] + load["baseline"]["first_errors"],
        **documents,
        "organisations": data.get("organisations"),
        "responses": responses,
        "generate_s": round(data["load_s"] + data["check_s"], 1) if data else None,
        "analyse_s": data.get("analyse_s"),
        "rows": data.get("rows"),
        "wall_s": wall_s,
        "load_average": load_average,
        "cpus": os.cpu_count(),
    }
    figures["standard_page_queries_equal"] = (
        figures["standard_page_queries_25"] == figures["standard_page_queries_400"]
    )
    figures["targets_met"] = figures["standard_page_queries_equal"] and all(
        _meets(figures[name], *target) for name, target in TARGETS.items()
    )
    return figures


def _meets(value, how, target) -> bool:
    if value is None:
        return False
    return {"at most": value <= target, "at least": value >= target, "below": value < target}[how]


def table(f: dict) -> str:
    rows = [
        ("Data set", ""),
        ("  organisations, responses", f"{f['organisations']}, {f['responses']:,}"),
        ("  generated (COPY, checked), analysed", f"{f['generate_s']} s, {f['analyse_s']} s"),
        ("Standard page (25 / 400 criteria)", ""),
        ("  queries", f"{f['standard_page_queries_25']} / {f['standard_page_queries_400']}   (target: equal)"),
        ("  p50 ms", f"{f['standard_page_p50_ms_25']} / {f['standard_page_p50_ms_400']}"),
        ("  p95 ms", f"{f['standard_page_p95_ms_25']} / {f['standard_page_p95_ms_400']}"),
        ("Save in place (25 / 400 criteria)", ""),
        ("  queries", f"{f['save_queries_25']} / {f['save_queries_400']}"),
        ("  p50 ms", f"{f['save_p50_ms_25']} / {f['save_p50_ms_400']}"),
        ("  p95 ms", f"{f['save_p95_ms_25']} / {f['save_p95_ms_400']}"),
        (f"Board report PDF ({f['board_pdf_pages']} pages, 100 criteria)", ""),
        ("  end to end s", f"{f['board_pdf_s']}"),
        ("  WeasyPrint only s (same HTML and CSS files)", f"{f['weasyprint_only_s']}"),
        ("  ratio", f"{f['pdf_overhead_ratio']}   (target: at most 1.15)"),
        ("  our code alone s; WeasyPrint, CSS pre-parsed s", f"{f['board_pdf_ours_s']}; {f['weasyprint_preparsed_s']}"),
        (f"Largest scored report ({f['report_criteria']} criteria, {f['report_pages']} pages), own process", ""),
        ("  peak RSS MB", f"{f['report_peak_rss_mb']}   (target: below 300)"),
        ("  RSS before rendering MB; render s", f"{f['report_rss_before_mb']}; {f['report_render_s']}"),
        *[
            (f"  {name[19:]}-criterion scored report: peak RSS MB; render s", f"{f[name]}; {f['report_render_s_' + name[19:]]}")
            for name in f if name.startswith("report_peak_rss_mb_")
        ],
        ("Under load: gunicorn 2 workers, 20 sessions", ""),
        ("  baseline requests/s (p95 ms)", f"{f['baseline_rps']} ({f['baseline_load_p95_ms']})"),
        ("  saves/s (p95 ms)", f"{f['save_rps']} ({f['save_load_p95_ms']})"),
        ("  saves vs baseline", f"{f['save_vs_baseline']}   (target: at least 0.5)"),
        ("  CPU ms per baseline request: gunicorn + PostgreSQL", f"{f['baseline_app_cpu_ms']} + {f['baseline_db_cpu_ms']}"),
        ("  CPU ms per save: gunicorn + PostgreSQL", f"{f['save_app_cpu_ms']} + {f['save_db_cpu_ms']}"),
        ("  saves vs baseline by server CPU", f"{f['save_vs_baseline_cpu']}"),
        ("  saves accepted, conflicts, errors", f"{f['accepted_saves']}, {f['conflicts']}, {f['load_errors']}"),
        ("  history rows, version increase", f"{f['history_rows']}, {f['version_increase']}"),
        ("  lost saves, unexpected saves", f"{f['lost_saves']}, {f['unexpected_saves']}   (target: 0)"),
        (f"Board reports on the task queue: {f['documents_requested']} at once, gunicorn 2 workers + 2 task workers", ""),
        ("  all downloadable s (first s)", f"{f['documents_all_ready_s']} ({f['documents_first_ready_s']})"),
        ("  peak RSS MB: task worker, gunicorn worker", f"{f['documents_worker_peak_rss_mb']}, {f['documents_web_peak_rss_mb']}"),
        ("  stored report p50 / p95 ms", f"{f['stored_report_p50_ms']} / {f['stored_report_p95_ms']}   (target: p95 below 50)"),
        ("  errors", f"{f['documents_errors']} {f['documents_first_errors'] or ''}"),
        ("Run", ""),
        ("  wall time s; load average before, after", f"{f['wall_s']}; {f['load_average']}"),
        ("  all targets met", "yes" if f["targets_met"] else "NO"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join(f"{label:<{width}}{value}" if value else label for label, value in rows)


def measure_alone(parser, argv, measure, *, quiet=False) -> dict:
    """One measurement of the national benchmark on its own (``python -m bench load``, ...):
    on a kept data set (``--reuse``) or a new one of ``--organisations`` (dropped afterwards
    unless ``--keep``). ``measure(args)`` returns the figures, printed one a line."""
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a kept database instead of making one"
    )
    args = parser.parse_args(list(argv))
    with bench_database(reuse=args.reuse, keep=args.keep) as fresh:
        if fresh:
            _log(f"Making the data set ({args.organisations} organisations)...")
            generate(args.organisations, log=_log)
            analyse()
        figures = measure(args)
    if not quiet:
        for key, value in figures.items():
            print(f"{key:30} {value}")
    return figures


def main(argv=(), *, quiet=False) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m bench [national]",
        description="The national benchmark (make bench); `python -m bench report-pdf --help` "
        "for the PDF benchmark alone. --json prints only the JSON line.",
    )
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument("--pdf-runs", type=int, default=5)
    parser.add_argument("--page-runs", type=int, default=40)
    parser.add_argument("--page-seconds", type=float, default=8.0)
    parser.add_argument(
        "--report-criteria",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=(400, 100),
        help="scored reports to measure memory of, by criteria: 400, 100 or 25 (default 400,100)",
    )
    parser.add_argument(
        "--board-reports",
        type=int,
        default=50,
        help="board reports asked for at once through the web tier (default 50)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a kept database instead of making one"
    )
    args = parser.parse_args(list(argv))
    figures = run(**vars(args))
    if not quiet:
        print(table(figures))
    return figures
