"""Production settings: secure by default, and refusing to start without what they need."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from iwl.settings.env import envbool

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "iwl.settings.prod",
    "SECRET_KEY": "a-long-random-production-secret-for-this-test-only-0123456789abcdef",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/iwl",
    "ALLOWED_HOSTS": "iwl.example.nhs.uk",
    # The tests' own key (the session fixture `signing_key` creates it).
    "SIGNING_KEY_DIR": os.environ.get("SIGNING_KEY_DIR")
    or str(ROOT / "var" / f"test-signing-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"),
}


def _manage(*args, env):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never does.
    dropped = {*PROD_ENV, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(  # noqa: S603  (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.smoke
def test_check_deploy_passes_without_warnings():
    result = _manage("check", "--deploy", env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "SIGNING_KEY_DIR"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_key_directory_without_a_key(tmp_path):
    result = _manage("check", env={**PROD_ENV, "SIGNING_KEY_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "No signing key in SIGNING_KEY_DIR" in result.stderr


def test_production_never_runs_in_debug():
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env={**PROD_ENV, "DEBUG": "true"},
    )
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("FALSE", False), ("", False)]
)
def test_envbool_reads_true_and_false(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert envbool("SOME_FLAG", "false") is expected


def test_envbool_fails_loudly_on_anything_else(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
        envbool("SOME_FLAG", "false")


def test_csp_header_is_strict(client, hr_lead):
    client.force_login(hr_lead)
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_postgresql_connections_do_not_compile_queries_with_jit():
    # The national roll-ups' estimated cost set off JIT compilation that took longer than the
    # queries themselves (docs/performance.md): the service turns it off for its connections.
    program = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW jit')\n"
        "    print(cursor.fetchone()[0])\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "DJANGO_SETTINGS_MODULE": "iwl.settings.test",
    }
    result = subprocess.run(  # noqa: S603  (our own interpreter with a fixed program)
        [sys.executable, "-c", f"import django; django.setup()\n{program}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "off"
