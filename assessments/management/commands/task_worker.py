"""Run a worker for the task queue (docs/adr/0014-task-queue.md): RQ's worker when
TASK_BACKEND is redis, django-tasks-db's when it is database (the embedded default)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.tasks import default_task_backend


class Command(BaseCommand):
    help = "Run a task queue worker (reports, notification emails) for the configured backend."

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst", action="store_true", help="Stop once the queue is empty (for cron or CI)"
        )

    def handle(self, *args, burst=False, **options):
        if hasattr(default_task_backend, "work"):
            default_task_backend.work(burst=burst)
        else:
            call_command("db_worker", batch=burst, verbosity=options["verbosity"])
