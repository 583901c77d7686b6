"""Concurrent saves on the embedded SQLite database (``make run``) wait their turn and land:
no 500, no lost save. tests/assessments/sqlite_saves.py does the work in a process of its own
against a file database in a temporary folder."""

import json
import os
import subprocess
import sys

from django.conf import settings

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


def test_sqlite_settings_wait_for_the_write_lock(tmp_path):
    # The settings as `make run` reads them (an SQLite URL), whatever database this run uses.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "iwl.settings.test",
    }
    run = subprocess.run(  # noqa: S603  (our own interpreter with a fixed program)
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default']['OPTIONS']))",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    options = json.loads(run.stdout)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
