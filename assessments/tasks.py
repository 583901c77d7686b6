"""The work done on the task queue (django.tasks; docs/adr/0014-task-queue.md): rendering
documents and sending the notification emails. Workers run ``manage.py task_worker``."""

from django.tasks import task

from . import documents, notifications


@task
def render_document(document_id: str) -> str:
    """Render one report document and keep it in storage; returns its stored name."""
    return documents.render(document_id)


@task
def send_notifications() -> int:
    """Close surveys past their date, then email the notifications and survey invitations and
    reminders that are due; returns the number of emails sent."""
    from .surveys.services import close_due_rounds, send_due_survey_emails

    close_due_rounds()
    return notifications.send_due_notifications() + send_due_survey_emails()
