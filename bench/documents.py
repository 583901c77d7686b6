"""Board reports on the task queue through the web tier (issue 13): many at once, then served.

gunicorn (2 sync workers) and two task queue workers (``manage.py task_worker``, the embedded
database queue) serve the benchmark settings, with documents stored in a temporary folder.
One board member of each of ``reports`` organisations signs in, and all ask at the same moment
for the board report PDF of their organisation's signed-off 2024/25 assessment, then follow
the address every two seconds, as the "preparing" page does, until it gives the PDF.

- ``documents_all_ready_s``: from the first request until every PDF has been downloaded;
- ``documents_worker_peak_rss_mb``: the highest high-water mark (VmHWM) of a task worker;
  ``documents_web_peak_rss_mb`` the same for a gunicorn worker;
- ``stored_report_p50_ms``/``p95_ms``: serving an already rendered signed-off report, one
  request at a time round the board members (target: p95 under 50 ms).

Documents of those assessments stored by an earlier run are deleted first, so every run
renders them all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from .national import PASSWORD, email
from .pages import percentile
from .server import BASE_DIR, Session, children, gunicorn, stop_all

SIGNED_OFF_PERIOD = "2024/25"
POLL_SECONDS = 2  # as the "preparing" page polls (assessments/views/documents.py)


def peak_rss_mb(pid: int) -> float | None:
    """A process's high-water mark of resident memory (VmHWM), in MB, or None once it ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


@contextmanager
def task_workers(count: int, env: dict):
    """``count`` task queue workers of the benchmark settings; yields their pids."""
    processes = []
    with tempfile.TemporaryDirectory(prefix="iwl-bench-workers-") as folder:
        try:
            for n in range(count):
                with open(Path(folder) / f"worker-{n}.log", "w") as log:
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "manage.py", "task_worker"],
                            cwd=BASE_DIR,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )
                    )
            yield [process.pid for process in processes]
        finally:
            stop_all(processes)


def _assessments(reports: int) -> list[tuple[str, str]]:
    """(board member's email, assessment id) for the first ``reports`` organisations."""
    from assessments.models import Assessment
    from partnership.documents.models import Document
    from partnership.documents.services import subject_key

    chosen = []
    for assessment in Assessment.objects.filter(
        framework__slug="bench-national", period=SIGNED_OFF_PERIOD
    ).order_by("organisation__ods_code")[:reports]:
        index = int(assessment.organisation.ods_code[1:])
        chosen.append((email(index, "board"), str(assessment.pk)))
    keys = [subject_key({"assessment": pk}) for _email, pk in chosen]
    Document.objects.filter(subject_key__in=keys).delete()
    return chosen


def _url(assessment_id: str) -> str:
    return f"/assessments/{assessment_id}/board-report.pdf"


def _until_downloaded(session: Session, url: str, deadline: float, started: float, out: dict):
    """Ask for the PDF, then follow the address until it is the file; note when, or why not."""
    while time.perf_counter() < deadline:
        status, body = session.request("GET", url, raw=True)
        if status == 200 and body.startswith(b"%PDF"):
            out["ready_s"] = time.perf_counter() - started
            return
        if status != 202:
            out["error"] = f"{url} answered {status}: {body[:200]!r}"
            return
        time.sleep(POLL_SECONDS)
    out["error"] = f"{url} not ready in time"


def measure_documents(*, reports: int = 50, serve_requests: int = 200, timeout: float = 900):
    """Board reports requested at once, then served once rendered (see the module's notes)."""
    chosen = _assessments(reports)
    media = tempfile.TemporaryDirectory(prefix="iwl-bench-media-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iwl.settings.bench",
        "MEDIA_ROOT": media.name,
        "TASK_BACKEND": "database",
    }
    saved_env = {key: os.environ.get(key) for key in ("MEDIA_ROOT", "TASK_BACKEND")}
    os.environ.update({key: env[key] for key in saved_env})
    try:
        with ExitStack() as stack:
            port, master = stack.enter_context(gunicorn(workers=2))
            workers = stack.enter_context(task_workers(2, env))
            sessions = []
            for address, _pk in chosen:
                session = Session(port)
                session.sign_in(address, PASSWORD)
                sessions.append(session)
            results = [{} for _ in chosen]
            started = time.perf_counter()
            deadline = started + timeout
            threads = [
                threading.Thread(
                    target=_until_downloaded,
                    args=(session, _url(pk), deadline, started, result),
                    daemon=True,
                )
                for session, (_address, pk), result in zip(sessions, chosen, results, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=timeout + 60)
            errors = [result["error"] for result in results if "error" in result]
            ready = [result["ready_s"] for result in results if "ready_s" in result]
            worker_peaks = [peak_rss_mb(pid) for pid in workers]
            web_peaks = [peak_rss_mb(pid) for pid in children(master)]
            latencies = []
            for n in range(serve_requests if not errors else 0):
                session, (_address, pk) = sessions[n % len(sessions)], chosen[n % len(chosen)]
                begun = time.perf_counter()
                status, body = session.request("GET", _url(pk), raw=True)
                latencies.append(time.perf_counter() - begun)
                if status != 200 or not body.startswith(b"%PDF"):
                    errors.append(f"stored report answered {status}")
                    break
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        media.cleanup()
    return {
        "documents_requested": len(chosen),
        "documents_ready": len(ready),
        "documents_all_ready_s": round(max(ready), 1) if ready and not errors else None,
        "documents_first_ready_s": round(min(ready), 1) if ready else None,
        "documents_worker_peak_rss_mb": max(filter(None, worker_peaks), default=None),
        "documents_web_peak_rss_mb": max(filter(None, web_peaks), default=None),
        "stored_report_requests": len(latencies),
        "stored_report_p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "stored_report_p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
        "documents_errors": len(errors),
        "documents_first_errors": errors[:3],
    }


def main(argv=(), *, quiet=False) -> dict:
    """``python -m bench documents``: this measurement alone."""
    import argparse

    from .harness import measure_alone

    parser = argparse.ArgumentParser(
        prog="python -m bench documents",
        description="Board reports requested at once through gunicorn and two task workers.",
    )
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--serve-requests", type=int, default=200)
    return measure_alone(
        parser,
        argv,
        lambda args: measure_documents(reports=args.reports, serve_requests=args.serve_requests),
        quiet=quiet,
    )
