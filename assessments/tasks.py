"""The work done on the task queue (django.tasks; docs/adr/0008-task-queue.md): rendering
documents and sending the notification emails. Workers run ``manage.py task_worker``."""

from django.tasks import task

from . import documents, notifications


@task
def render_document(document_id: str) -> str:
    """Render one report document and keep it in storage; returns its stored name."""
    return documents.render(document_id)


@task
def send_notifications() -> int:
    """Email the notifications that are due; returns the number of emails sent."""
    return notifications.send_due_notifications()
