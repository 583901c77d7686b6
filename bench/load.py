"""Throughput under load: gunicorn with 2 workers, 20 signed-in sessions, saves vs a baseline.

gunicorn serves iwl.settings.bench on a free port of 127.0.0.1. Each session signs in through
/accounts/login/ (with the CSRF token, as a browser does) as one of the HR lead and HR
contributor of ten organisations, then for a fixed time:

- baseline: POSTs bench/urls.py's minimal signed-in view (every middleware, no work);
- saves: POSTs the criterion page's save-in-place endpoint (htmx) for criteria of its own
  organisation, with the version it last saw, five saves in a row on one criterion (autosave
  as someone types) before picking another. Two sessions per organisation share two
  criteria, so some saves are refused as conflicts; the session then reloads the criterion
  page for the current version, as the page asks people to. Every save carries its own text.

Afterwards the database must hold one history row for each save answered "saved", and none
for any other: ``lost_saves`` counts accepted saves with no row, ``unexpected_saves`` rows
whose save was not reported as accepted. The load generator only talks to 127.0.0.1 and
stops by itself.
"""

from __future__ import annotations

import random
import secrets
import threading
import time

from .national import PASSWORD, email
from .pages import CURRENT_PERIOD, SAVE_STATE, percentile, save_form, version_in
from .server import Session, children, cpu_seconds, gunicorn

ORGANISATIONS = 10
SHARED = 2  # criteria both sessions of an organisation save
OWN = 4  # criteria only one session saves
BURST = 5  # saves in a row on one criterion


def _plan(sessions: int) -> list[dict]:
    """Who each session is and which criteria (response ids) it saves."""
    from assessments.models import Assessment
    from partnership.models import Organisation

    organisations = min(ORGANISATIONS, Organisation.objects.count())
    plans = []
    for n in range(sessions):
        index, second = n // 2 % organisations, n % 2
        assessment = Assessment.objects.get(
            organisation__ods_code=f"B{index:04d}",
            framework__slug="bench-national",
            period=CURRENT_PERIOD,
        )
        ids = list(
            assessment.responses.order_by(
                "criterion__standard__position", "criterion__position"
            ).values_list("pk", flat=True)[: SHARED + 2 * OWN]
        )
        own = ids[SHARED + second * OWN : SHARED + (second + 1) * OWN]
        plans.append(
            {
                "email": email(index, "hr.contributor" if second else "hr.lead"),
                "assessment": str(assessment.pk),
                "responses": [str(pk) for pk in ids[:SHARED] + own],
            }
        )
    return plans


class Client:
    """One signed-in person, saving through the app's protocol."""

    def __init__(self, number, port, plan, run):
        self.number = number
        self.run = run
        self.saves = 0
        self.burst = 0
        self.current = None
        self.session = Session(port)
        self.plan = plan
        self.rng = random.Random(number)
        self.versions = {}
        self.accepted: list[str] = []
        self.conflicts = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []

    def url(self, response_id):
        return f"/assessments/{self.plan['assessment']}/responses/{response_id}/"

    def open(self, response_id) -> None:
        """Load the criterion page and note the version its form carries."""
        status, body = self.session.get(self.url(response_id))
        version = version_in(body) if status == 200 else None
        if version is None:
            raise RuntimeError(f"criterion page answered {status} with no version")
        self.versions[response_id] = version

    def start(self) -> None:
        self.session.sign_in(self.plan["email"], PASSWORD)
        for response_id in self.plan["responses"]:
            self.open(response_id)

    def baseline_once(self) -> None:
        started = time.perf_counter()
        status, _body = self.session.post("/bench/baseline/", {})
        self.latencies.append(time.perf_counter() - started)
        if status != 200:
            self.errors.append(f"baseline answered {status}")

    def save_once(self) -> None:
        # People type into one criterion for a while (autosave fires as they go), then move on.
        if self.burst == 0:
            self.current = self.rng.choice(self.plan["responses"])
            self.burst = BURST
        self.burst -= 1
        response_id = self.current
        # Unique in the database, over runs too: a kept database may hold earlier runs' text,
        # and saving the very same values again rightly writes nothing.
        self.saves += 1
        token = f"{self.run}-s{self.number}-{self.saves}"
        form = save_form(
            self.versions[response_id],
            f"Typed by session {self.number} [{token}]",
            rating=self.rng.choice((2, 3)),
        )
        started = time.perf_counter()
        status, body = self.session.post(self.url(response_id), form, {"HX-Request": "true"})
        self.latencies.append(time.perf_counter() - started)
        state = SAVE_STATE.search(body) if status == 200 else None
        if state and state.group(1) == "saved":
            self.accepted.append(token)
            self.versions[response_id] = version_in(body)
        elif state and state.group(1) == "conflict":
            self.conflicts += 1
            self.open(response_id)
        else:
            self.errors.append(f"save answered {status}: {body[:200]}")


def _run(clients, action, seconds: float) -> float:
    """Every client repeats ``action`` until the time is up; returns the seconds taken."""
    barrier = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def work(client):
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            try:
                action(client)
            except Exception as exc:  # noqa: BLE001 (counted and reported, never hidden)
                client.errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return time.perf_counter() - started


def _server_processes(master: int) -> dict[str, list[int]]:
    """gunicorn's workers, and the PostgreSQL backends serving them (not the harness's own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return {"app": children(master), "db": backends}


def _cpu(master) -> dict[str, dict[int, float]]:
    return {kind: cpu_seconds(pids) for kind, pids in _server_processes(master).items()}


def _phase(clients, action, seconds, master) -> dict:
    for client in clients:
        client.latencies, client.errors = [], []
    before = _cpu(master)
    elapsed = _run(clients, action, seconds)
    after = _cpu(master)
    latencies = [value for client in clients for value in client.latencies]
    errors = [error for client in clients for error in client.errors]
    # The server's CPU per request, gunicorn's and PostgreSQL's (not the load generator's):
    # steadier than requests per second on a machine others are using too.
    cpu = {
        kind: sum(used - before[kind].get(pid, 0.0) for pid, used in after[kind].items())
        for kind in after
    }
    per_request = {
        f"{kind}_cpu_ms": round(value * 1000 / len(latencies), 2) if latencies else None
        for kind, value in cpu.items()
    }
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
        **per_request,
        "server_cpu_ms": round(sum(per_request.values()), 2) if latencies else None,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def _check(clients, mark, before) -> dict:
    """Compare what the sessions were told with what the database holds."""
    from assessments.models import Response, ResponseChange

    ids = {pk for client in clients for pk in client.plan["responses"]}
    narratives = ResponseChange.objects.filter(
        pk__gt=mark, response_id__in=ids, kind=ResponseChange.Kind.EDITED
    ).values_list("changes__narrative", flat=True)
    saved_tokens = [n[1].rsplit("[", 1)[-1].rstrip("]") for n in narratives if n]
    accepted = [token for client in clients for token in client.accepted]
    landed = set(saved_tokens) & set(accepted)
    after = dict(Response.objects.filter(pk__in=ids).values_list("pk", "version"))
    return {
        "accepted_saves": len(accepted),
        "history_rows": len(saved_tokens),
        "lost_saves": len(accepted) - len(landed),
        "unexpected_saves": len(saved_tokens) - len(landed),
        "version_increase": sum(after.values()) - sum(before.values()),
    }


def measure_load(*, sessions: int = 20, seconds: float = 20.0, workers: int = 2) -> dict:
    from django.db.models import Max

    from assessments.models import Response, ResponseChange

    plans = _plan(sessions)
    with gunicorn(workers=workers) as (port, master):
        run = secrets.token_hex(4)
        clients = [Client(n, port, plan, run) for n, plan in enumerate(plans)]
        for client in clients:
            client.start()
        baseline = _phase(clients, Client.baseline_once, seconds, master)
        ids = {pk for plan in plans for pk in plan["responses"]}
        before = dict(Response.objects.filter(pk__in=ids).values_list("pk", "version"))
        mark = ResponseChange.objects.aggregate(last=Max("pk"))["last"] or 0
        saves = _phase(clients, Client.save_once, seconds, master)
    return {
        "sessions": sessions,
        "workers": workers,
        "baseline": baseline,
        "saves": {**saves, "conflicts": sum(client.conflicts for client in clients)},
        **_check(clients, mark, before),
    }


def summary(load: dict) -> dict:
    """The load test's headline figures, as the national benchmark names them."""
    baseline, saves = load["baseline"], load["saves"]
    return {
        "save_rps": saves["rps"],
        "baseline_rps": baseline["rps"],
        "save_vs_baseline": round(saves["rps"] / baseline["rps"], 3) if baseline["rps"] else None,
        "save_app_cpu_ms": saves["app_cpu_ms"],
        "save_db_cpu_ms": saves["db_cpu_ms"],
        "baseline_app_cpu_ms": baseline["app_cpu_ms"],
        "baseline_db_cpu_ms": baseline["db_cpu_ms"],
        "save_vs_baseline_cpu": (
            round(baseline["server_cpu_ms"] / saves["server_cpu_ms"], 3)
            if saves["server_cpu_ms"]
            else None
        ),
        "save_load_p95_ms": saves["p95_ms"],
        "baseline_load_p95_ms": baseline["p95_ms"],
        "conflicts": saves["conflicts"],
        "load_errors": saves["errors"] + baseline["errors"],
        "first_load_errors": saves["first_errors"] + baseline["first_errors"],
        **{key: load[key] for key in ("accepted_saves", "lost_saves", "unexpected_saves")},
    }


def main(argv=(), *, quiet=False) -> dict:
    """``python -m bench load``: the save load test alone."""
    import argparse

    from .harness import measure_alone

    parser = argparse.ArgumentParser(
        prog="python -m bench load",
        description="Only the load test: saves against the minimal signed-in view.",
    )
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    return measure_alone(
        parser,
        argv,
        lambda args: summary(measure_load(sessions=args.sessions, seconds=args.load_seconds)),
        quiet=quiet,
    )
