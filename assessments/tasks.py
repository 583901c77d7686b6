"""The work done on the task queue (django.tasks; docs/adr/0014-task-queue.md): sending the
notification emails (rendering documents is partnership.documents.tasks). Workers run
``manage.py task_worker``."""

from django.tasks import task

# Documents are rendered by partnership.documents' task; its old name here still answers, for
# jobs queued before the move (they find their row gone and end).
from partnership.documents.tasks import render_document  # noqa: F401

from . import notifications


@task
def send_notifications() -> int:
    """Close surveys past their date, then email the notifications and survey invitations and
    reminders that are due; returns the number of emails sent."""
    from .surveys.services import close_due_rounds, send_due_survey_emails

    close_due_rounds()
    return notifications.send_due_notifications() + send_due_survey_emails()
