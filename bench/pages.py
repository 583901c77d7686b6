"""Server time and queries of the standard page and the save-in-place endpoint.

In process, through Django's test client against the benchmark database, signed in as the
first organisation's HR lead, for its assessments in progress against the 25- and
400-criterion frameworks (each has one standard, so the page shows every criterion). Each
save follows the page's protocol: an htmx POST with the version last seen, new text each
time, the version the answer carries used for the next save.
"""

from __future__ import annotations

import re
import statistics
import time

from .frameworks import PAGE_25, PAGE_400
from .national import email

CURRENT_PERIOD = "2025/26"
SAVE_STATE = re.compile(r'data-save-state="(\w+)"')
VERSION_INPUT = re.compile(r'<input[^>]*name="version"[^>]*>')
VALUE = re.compile(r'value="(\d+)"')
SAVED_CRITERIA = 10  # saves go round the standard's first criteria, as autosave does


def percentile(values, p: float) -> float:
    """The p-th percentile (0-100), interpolated between the nearest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1]


def version_in(html: str) -> int | None:
    tag = VERSION_INPUT.search(html)
    value = VALUE.search(tag.group(0)) if tag else None
    return int(value.group(1)) if value else None


def save_form(version: int, text: str, rating: int = 3) -> dict:
    """What the criterion page's form posts (tests/assessments/test_checklist_views.py)."""
    return {
        "rating": str(rating),
        "not_applicable_reason": "",
        "narrative": text,
        "barrier": "",
        "barrier_detail": "",
        "version": str(version),
    }


def _timed(call, *, runs: int, seconds: float, warmup: int = 2):
    for _ in range(warmup):
        call()
    timings = []
    deadline = time.perf_counter() + seconds
    while len(timings) < runs and (len(timings) < 5 or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def _count_queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def _summary(timings) -> dict:
    return {
        "runs": len(timings),
        "p50_ms": round(percentile(timings, 50) * 1000, 1),
        "p95_ms": round(percentile(timings, 95) * 1000, 1),
    }


def measure_framework(slug: str, *, runs: int, seconds: float) -> dict:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from assessments.models import Assessment
    from partnership.models import User

    assessment = Assessment.objects.select_related("framework").get(
        organisation__ods_code="B0000", framework__slug=slug, period=CURRENT_PERIOD
    )
    standard = (
        assessment.framework.standards.annotate(size=Count("criteria")).order_by("-size").first()
    )
    client = Client()
    client.force_login(User.objects.get(email=email(0, "hr.lead")))
    page_url = reverse("assessments:standard", args=[assessment.pk, standard.pk])

    def page():
        answer = client.get(page_url)
        if answer.status_code != 200:
            raise RuntimeError(f"{page_url} answered {answer.status_code}")

    responses = list(
        assessment.responses.filter(criterion__standard=standard)
        .order_by("criterion__position")
        .values_list("pk", "version")[:SAVED_CRITERIA]
    )
    versions = dict(responses)
    saves = iter(range(10**9))

    def save():
        n = next(saves)
        pk = responses[n % len(responses)][0]
        url = reverse("assessments:criterion", args=[assessment.pk, pk])
        answer = client.post(
            url, save_form(versions[pk], f"Benchmark save {n} in place."), HTTP_HX_REQUEST="true"
        )
        body = answer.content.decode()
        state = SAVE_STATE.search(body)
        if answer.status_code != 200 or not state or state.group(1) != "saved":
            raise RuntimeError(f"save of {url} answered {answer.status_code}: {body[:300]}")
        versions[pk] = version_in(body)

    page_timings = _timed(page, runs=runs, seconds=seconds)
    save_timings = _timed(save, runs=runs * 2, seconds=seconds)
    return {
        "criteria": standard.size,
        "page_queries": _count_queries(page),
        "page": _summary(page_timings),
        # Counted once autosave is under way: the first save of a signed criterion also voids
        # its signatures (a history row more).
        "save_queries": _count_queries(save),
        "save": _summary(save_timings),
    }


def measure_pages(*, runs: int = 40, seconds: float = 8.0) -> dict:
    """{criteria count: figures} for the 25- and 400-criterion frameworks."""
    return {
        spec.criteria: measure_framework(spec.slug, runs=runs, seconds=seconds)
        for spec in (PAGE_25, PAGE_400)
    }
