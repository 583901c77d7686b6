"""Concurrent saves on the embedded SQLite database (``make run``) wait their turn and land:
no 500, no lost save. tests/assessments/sqlite_saves.py does the work in a process of its own
against a file database in a temporary folder."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.assessments.sqlite_saves import SAVES


def test_twenty_people_saving_at_once_all_land(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run = subprocess.run(  # noqa: S603  (our own module with fixed arguments)
        [sys.executable, "-m", "tests.assessments.sqlite_saves", str(tmp_path / "db.sqlite3")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])

    assert outcome["journal_mode"] == "wal"
    assert outcome["statuses"] == [302] * SAVES, run.stderr[-3000:]
    assert outcome["lost"] == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own settings")
def test_sqlite_settings_wait_for_the_write_lock():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
