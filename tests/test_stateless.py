"""A stateless web tier: /healthz, JSON-line logs, and the shared cache and object storage
chosen by production settings."""

import json
import logging

import pytest
from django.urls import reverse

from iwl.logs import JSONLinesFormatter
from tests.test_settings import PROD_ENV, _manage

pytestmark = pytest.mark.django_db


class TestHealthz:
    def test_is_public_json_reporting_the_database_and_the_queue(self, client, task_backend):
        response = client.get(reverse("healthz"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "status": "ok",
            "database": {"ok": True},
            "queue": {"ok": True, "waiting": 0},
        }
        assert "no-cache" in response["Cache-Control"]

    def test_counts_the_tasks_waiting(self, client, task_backend):
        from assessments.tasks import send_notifications

        send_notifications.enqueue()
        assert client.get(reverse("healthz")).json()["queue"] == {"ok": True, "waiting": 1}

    def test_an_unreachable_queue_is_503_and_names_only_the_error(self, client, settings):
        settings.TASKS = {
            "default": {
                "BACKEND": "iwl.rq_backend.RQBackend",
                "OPTIONS": {"URL": "redis://127.0.0.1:1/0"},
            }
        }
        response = client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "database": {"ok": True},
            "queue": {"ok": False, "error": "ConnectionError"},
        }

    def test_answers_get_only(self, client):
        assert client.post(reverse("healthz")).status_code == 405


def test_log_records_are_json_lines():
    record = logging.makeLogRecord(
        {"name": "assessments", "levelname": "WARNING", "msg": "Rendered %s", "args": ("a",)}
    )
    record.document = "d1"
    line = JSONLinesFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "assessments"
    assert entry["message"] == "Rendered a" and entry["document"] == "d1"


SHOW = (
    "from django.conf import settings; import json; print(json.dumps({"
    "'formatter': settings.LOGGING['handlers']['console'].get('formatter'),"
    "'cache': settings.CACHES['default']['BACKEND'],"
    "'storage': settings.STORAGES['default']['BACKEND'],"
    "'tasks': settings.TASKS['default']['BACKEND']}))"
)


def _production(**env):
    result = _manage("shell", "-v", "0", "-c", SHOW, env={**PROD_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_logs_json_and_shares_its_cache_in_the_database_by_default():
    assert _production() == {
        "formatter": "json",
        "cache": "django.core.cache.backends.db.DatabaseCache",
        "storage": "django.core.files.storage.FileSystemStorage",
        "tasks": "django_tasks_db.DatabaseBackend",
    }


def test_production_on_redis_and_s3():
    shown = _production(
        CACHE_REDIS_URL="redis://127.0.0.1:6379/1",
        TASK_BACKEND="redis",
        STORAGE_BACKEND="s3",
        S3_BUCKET="iwl-documents",
    )
    assert shown == {
        "formatter": "json",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "storage": "storages.backends.s3.S3Storage",
        "tasks": "iwl.rq_backend.RQBackend",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs S3_BUCKET"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be one of filesystem, s3"),
        ({"TASK_BACKEND": "carrier-pigeon"}, "TASK_BACKEND must be one of database, redis"),
    ],
)
def test_unknown_backends_are_refused(env, message):
    result = _manage("check", env={**PROD_ENV, **env})
    assert result.returncode != 0
    assert message in result.stderr
