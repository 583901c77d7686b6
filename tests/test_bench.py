"""The benchmark harness (bench/, `make bench`) at a tiny scale, so that it cannot rot.

Nothing here asserts a time: speed is what the benchmark reports. The full run needs
PostgreSQL, as `make bench` does; CI runs the suite on PostgreSQL.
"""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.bulk import NULL, Table
from bench.records import Chain, new_id
from partnership.models import Organisation

BASE_DIR = Path(__file__).resolve().parent.parent
KEYS = {
    "standard_page_queries_25",
    "standard_page_queries_400",
    "save_p95_ms",
    "board_pdf_s",
    "weasyprint_only_s",
    "pdf_overhead_ratio",
    "report_peak_rss_mb",
    "save_rps",
    "baseline_rps",
    "save_vs_baseline",
    "lost_saves",
    "documents_all_ready_s",
    "documents_worker_peak_rss_mb",
    "stored_report_p95_ms",
}


@pytest.mark.smoke
def test_copy_rows_escape_what_copy_would_misread():
    table = Table(Organisation, ["id", "name", "region", "ods_code"])
    table.add("0b0e0c4e-1c1a-4a5e-8a4e-000000000001", "Tab\there", None, "A1")
    table.add("0b0e0c4e-1c1a-4a5e-8a4e-000000000002", "Line\nand \\ slash", "", "A2")
    first, second, _ = table.take().split("\n")
    assert first.split("\t") == [
        "0b0e0c4e-1c1a-4a5e-8a4e-000000000001",
        "Tab\\there",
        NULL,
        "A1",
    ]
    assert second.split("\t")[1:] == ["Line\\nand \\\\ slash", "", "A2"]


@pytest.mark.smoke
def test_generated_signed_records_are_what_the_ledger_signs():
    """A record the bulk loader chains verifies with the service's own checks."""
    import random

    from assessments.models import Signature
    from partnership.signing import ledger
    from partnership.signing.models import LedgerEntry

    table = Table(LedgerEntry, ["id", "organisation_id", "sequence", "kind", "record_id",
                                "content_hash", "previous_digest", "digest", "key_id",
                                "signature", "created_at"])  # fmt: skip
    organisation_id = "0b0e0c4e-1c1a-4a5e-8a4e-000000000001"
    chain = Chain(table, organisation_id, random.Random(1))
    signer = SimpleNamespace(pk=new_id(random.Random(2)), email="a@b.example",
                             get_full_name=lambda: "Café Lead")  # fmt: skip
    at = datetime(2025, 5, 1, 9, 30, 0, 123456, tzinfo=UTC)
    fields = {"assessment_id": organisation_id, "response_id": organisation_id,
              "decision": "agreed", "comment": "Tab\there", "response_version": 3}  # fmt: skip
    subject = {"narrative": "Café\n", "files": [], "version": 3, "rating": None}
    chain.sign(Signature, signer=signer, side="staff_side", subject={}, at=at, **fields)
    made = chain.sign(Signature, signer=signer, side="staff_side", subject=subject, at=at, **fields)
    assert (made.ledger_entry.sequence, table.pending) == (2, 2)

    entry = LedgerEntry(**vars(made.ledger_entry))
    record = Signature(id=made.pk, signer_id=signer.pk, side="staff_side", created_at=at,
                       content=made.content, content_hash=made.content_hash, **fields)  # fmt: skip
    record.ledger_entry = entry
    assert ledger.record_problem(record, voided_record_ids=set()) is None
    assert ledger.verify(record, subject, voided_record_ids=set()).status == "verified"
    assert made.content_hash == ledger.canonical_hash(made.content)
    record.comment = "Changed"
    assert ledger.record_problem(record, voided_record_ids=set()) is not None


def _bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the benchmark needs PostgreSQL: set DATABASE_URL (CI runs it on PostgreSQL)")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/iwl_bench_test_{os.getpid()}"))


def test_the_whole_benchmark_runs_at_a_tiny_scale():
    """Three organisations, one second of load: every measurement, the table and the JSON."""
    env = {**os.environ, "DATABASE_URL": _bench_database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    finished = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [
            *(sys.executable, "-m", "bench", "national", "--organisations", "3"),
            *("--sessions", "4", "--load-seconds", "1", "--pdf-runs", "1"),
            *("--page-runs", "3", "--page-seconds", "1", "--report-criteria", "25"),
            *("--board-reports", "3"),
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    lines = finished.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures.keys() >= KEYS
    assert "Standard page" in finished.stdout
    assert figures["organisations"] == 3
    assert figures["accepted_saves"] > 0
    assert figures["lost_saves"] == 0
    assert figures["unexpected_saves"] == 0
    assert figures["load_errors"] == 0, figures["first_load_errors"]
    assert figures["history_rows"] == figures["accepted_saves"] == figures["version_increase"]
    # Board reports on the task queue: every one rendered by the workers and downloaded.
    assert figures["documents_errors"] == 0, figures["documents_first_errors"]
    assert figures["documents_requested"] == figures["documents_ready"] == 3
    assert figures["stored_report_requests"] > 0


@pytest.mark.django_db
def test_rollup_bulk_rows_are_what_the_sign_off_path_writes():
    """The roll-up benchmark's profiles, made through the services, write the same rows."""
    from assessments.models import Criterion
    from bench import rollup
    from bench.frameworks import NATIONAL, load_frameworks

    framework = load_frameworks([NATIONAL])[NATIONAL.slug]
    criteria = list(
        Criterion.objects.filter(framework=framework)
        .select_related("standard")
        .order_by("standard__position", "position")
    )
    answers = rollup.profile_answers(criteria, 3)
    profile = rollup.profile_rows(framework, criteria, answers)
    assert profile.gaps and profile.divergent  # the profile has something to roll up
    rollup.compare_with_the_service(framework, criteria, answers, profile)
    changed = rollup.profile_rows(framework, criteria, rollup.profile_answers(criteria, 4))
    with pytest.raises(RuntimeError, match="differ"):
        # Another profile's rows are not what these answers wrote.
        rollup.compare_with_the_service(framework, criteria, answers, changed)


def test_the_rollup_benchmark_runs_at_a_tiny_scale():
    """Sixty organisations, two cycles: the figures, the table and the JSON line."""
    env = {**os.environ, "DATABASE_URL": _bench_database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    finished = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "bench", "rollup", "--organisations", "60", "--cycles", "2",
         "--runs", "2"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    assert figures["rollup_organisations"] == 60
    assert figures["rollup_criterion_rows"] > 60 * 100
    assert figures["rollup_queries_equal"] is True
    assert "National roll-up" in finished.stdout
