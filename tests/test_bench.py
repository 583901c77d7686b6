"""The benchmark harness (bench/, `make bench`) at a tiny scale, so that it cannot rot.

Nothing here asserts a time: speed is what the benchmark reports. The full run needs
PostgreSQL, as `make bench` does; CI runs the suite on PostgreSQL.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.bulk import NULL, Table
from bench.records import canonical
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
def test_generated_signatures_hash_as_the_service_does():
    from assessments.signing import canonical_hash

    content = {"narrative": "Café\n", "files": [], "version": 3, "rating": None}
    assert canonical(content)[1] == canonical_hash(content)


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
