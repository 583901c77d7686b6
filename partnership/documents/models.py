import uuid

from django.db import models

from ..models import TimeStampedModel


class Document(TimeStampedModel):
    """A PDF, spreadsheet or CSV file, rendered once by the task queue and kept in storage.

    ``key`` comes from exactly what the document shows (its kind's ``stamp``): asking again for
    unchanged content finds this row and its stored file, and any change makes a new key. The
    unique key is also what makes two people asking at once start one job. ``subject`` says what
    to build it from (``{"assessment": "<uuid>"}``, ``{"meeting": "<uuid>", "part": "minutes"}``);
    ``subject_key`` is its hash, to find the older documents of the same subject.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=40)
    subject = models.JSONField(default=dict)
    subject_key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.PositiveSmallIntegerField(default=0, help_text="Progress: steps done so far.")
    error = models.TextField(blank=True, help_text="What went wrong, for the person waiting.")
    stored_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key"], name="partnership_document_unique_key"),
        ]
        indexes = [models.Index(fields=["kind", "subject_key"])]

    def __str__(self):
        return f"{self.kind} {self.subject} ({self.status})"

    @property
    def is_ready(self):
        return self.status == self.Status.READY
