"""``/healthz``: whether this web server can reach the database and the task queue, as JSON,
for the load balancer and monitoring. Public (no sign-in) and says nothing else."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.tasks import default_task_backend
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _queue() -> dict:
    backend = default_task_backend
    if hasattr(backend, "rq_queues"):  # RQ on Redis
        backend.connection.ping()
        waiting = sum(queue.count for queue in backend.rq_queues())
    else:  # the queue in the database
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.ready().filter(backend_name=backend.alias).count()
    return {"ok": True, "waiting": waiting}


def _check(name, probe) -> dict:
    try:
        return probe()
    except Exception as exc:
        logger.exception("Health check: %s is unreachable", name)
        return {"ok": False, "error": type(exc).__name__}


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check("database", _database), "queue": _check("queue", _queue)}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
