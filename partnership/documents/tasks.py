"""The task that renders a document (django.tasks; docs/adr/0014-task-queue.md). Workers run
``manage.py task_worker``."""

from django.tasks import task

from . import services


@task
def render_document(document_id: str) -> str:
    """Render one document and keep it in storage; returns its stored name."""
    return services.render(document_id)
