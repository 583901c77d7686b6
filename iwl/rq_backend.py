"""A backend for Django's tasks framework (``django.tasks``) on RQ, a queue kept in Redis.

``django-tasks-rq`` is built on the ``django_tasks`` backport: with Django 6's own
``django.tasks`` its results are the backport's classes and its worker cannot call a built-in
``Task`` (docs/adr/0014-task-queue.md). This backend is the small part we need on ``rq``
itself: enqueue, look a result up, and run a task in a worker (``manage.py task_worker``).

Settings::

    TASKS = {"default": {"BACKEND": "iwl.rq_backend.RQBackend",
                         "OPTIONS": {"URL": "redis://127.0.0.1:6379/0"}}}

OPTIONS: ``URL`` (Redis), ``PREFIX`` (put before every queue name, so several services or test
runs can share one Redis), ``JOB_TIMEOUT`` (seconds a task may run, 600), ``RESULT_TTL``
(seconds a result is kept, a day).
"""

from __future__ import annotations

from functools import cached_property
from traceback import format_exception

from django.db import connections
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TaskContext, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string
from redis import Redis
from rq import Queue, Worker, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

STATUSES = {
    JobStatus.QUEUED: TaskResultStatus.READY,
    JobStatus.DEFERRED: TaskResultStatus.READY,
    JobStatus.SCHEDULED: TaskResultStatus.READY,
    JobStatus.STARTED: TaskResultStatus.RUNNING,
    JobStatus.FINISHED: TaskResultStatus.SUCCESSFUL,
    JobStatus.FAILED: TaskResultStatus.FAILED,
    JobStatus.STOPPED: TaskResultStatus.FAILED,
    JobStatus.CANCELED: TaskResultStatus.FAILED,
}
DAY = 24 * 60 * 60


def _aware(moment):
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, timezone.UTC)
    return moment


class RQBackend(BaseTaskBackend):
    supports_defer = False
    supports_async_task = True
    supports_get_result = True
    supports_priority = False

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.url = self.options.get("URL", "redis://127.0.0.1:6379/0")
        self.prefix = self.options.get("PREFIX", "iwl:")
        self.job_timeout = self.options.get("JOB_TIMEOUT", 600)
        self.result_ttl = self.options.get("RESULT_TTL", DAY)

    @cached_property
    def connection(self) -> Redis:
        return Redis.from_url(self.url, socket_connect_timeout=5)

    def queue(self, name: str) -> Queue:
        return Queue(f"{self.prefix}{name}", connection=self.connection)

    def rq_queues(self) -> list[Queue]:
        return [self.queue(name) for name in sorted(self.queues)]

    def work(self, *, burst=False, worker_class=Worker) -> None:
        """Run a worker on this backend's queues. RQ's default worker forks a work horse per
        job, so the memory a large report takes is given back when the job ends; tests use
        ``rq.SimpleWorker`` (no fork)."""
        worker_class(self.rq_queues(), connection=self.connection).work(
            burst=burst, with_scheduler=False, logging_level="WARNING"
        )

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        self.queue(task.queue_name).enqueue(
            run_task,
            args=(self.alias, task.module_path, result.id, result.args, result.kwargs),
            job_id=result.id,
            job_timeout=self.job_timeout,
            result_ttl=self.result_ttl,
            failure_ttl=self.result_ttl,
        )
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id):
        try:
            job = Job.fetch(result_id, connection=self.connection)
        except NoSuchJobError:
            raise TaskResultDoesNotExist(result_id) from None
        return self._result_of(job)

    def _result_of(self, job: Job) -> TaskResult:
        _alias, module_path, result_id, args, kwargs = job.args
        task = import_string(module_path)
        status = STATUSES.get(job.get_status(refresh=False), TaskResultStatus.READY)
        errors = []
        if status == TaskResultStatus.FAILED:
            latest = job.latest_result()
            errors.append(
                TaskError(
                    exception_class_path=job.meta.get("exception_class_path", "builtins.Exception"),
                    traceback=(latest.exc_string if latest else "") or "",
                )
            )
        result = TaskResult(
            task=task.using(queue_name=job.origin.removeprefix(self.prefix), backend=self.alias),
            id=result_id,
            status=status,
            enqueued_at=_aware(job.enqueued_at),
            started_at=_aware(job.started_at),
            last_attempted_at=_aware(job.started_at),
            finished_at=_aware(job.ended_at),
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=errors,
            worker_ids=[job.worker_name] if job.worker_name else [],
        )
        if status == TaskResultStatus.SUCCESSFUL:
            object.__setattr__(result, "_return_value", job.return_value(refresh=False))
        return result


def release_connections() -> None:
    """Django's ``close_old_connections``, except for a connection inside a transaction (which
    a worker never holds between jobs, but a test run in one transaction does)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def run_task(alias, module_path, result_id, args, kwargs):
    """What an RQ worker runs: the task named by ``module_path``, with Django's signals."""
    from django.tasks import task_backends

    backend = task_backends[alias]
    task = import_string(module_path)
    job = get_current_job()
    result = backend._result_of(job)
    object.__setattr__(result, "status", TaskResultStatus.RUNNING)
    task_started.send(type(backend), task_result=result)
    release_connections()
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *args, **kwargs)
        else:
            value = task.call(*args, **kwargs)
    except BaseException as exc:
        job.meta["exception_class_path"] = f"{type(exc).__module__}.{type(exc).__qualname__}"
        job.save_meta()
        object.__setattr__(result, "status", TaskResultStatus.FAILED)
        result.errors.append(
            TaskError(
                exception_class_path=job.meta["exception_class_path"],
                traceback="".join(format_exception(exc)),
            )
        )
        task_finished.send(type(backend), task_result=result)
        raise
    finally:
        # A forked work horse exits straight after the job: leave no connection half-open.
        release_connections()
    object.__setattr__(result, "status", TaskResultStatus.SUCCESSFUL)
    task_finished.send(type(backend), task_result=result)
    return normalize_json(value)
