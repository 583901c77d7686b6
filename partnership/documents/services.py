"""Documents rendered once, on the task queue, and kept in storage under a key from their
content.

Asking for a document (``request_document``) finds it by its key or starts one job for it; the
task (``partnership.documents.tasks.render_document``) renders it, stores it with Django's
storage API and marks it ready. The key is a SHA-256 of:

- the kind's stamp of the content (``DocumentKind.stamp``): for the assessment reports, the
  counts and latest changes of every row they read (assessments.documents.content_stamp); for
  the other kinds, a digest of the exact HTML or rows the document is laid out from;
- the kind of document;
- the kind's version (``DocumentKind.version``: its templates and stylesheets as they are on
  disk) and ``RENDERING_REVISION`` for changes in Python code;
- for the kinds that are ``dated``, today's date (an action becomes overdue overnight).

Content that no longer changes (a signed-off assessment, agreed minutes) is rendered once and
then served straight from storage.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import registry
from .models import Document

logger = logging.getLogger(__name__)

# Raise when a change in Python code changes what a rendered document looks like: every
# document is then rendered anew on its next request.
RENDERING_REVISION = "3"  # 3: every PDF and spreadsheet on the queue (partnership.documents)
STORAGE_FOLDER = "reports"
# Longer than the queue's time limit for one job (TASK_TIMEOUT_SECONDS, 10 minutes).
STALE_AFTER = datetime.timedelta(minutes=15)

Status = Document.Status

# What the person waiting reads, step by step (the first is the kind's own: DocumentKind.reading).
STEPS = ("Laying out the document", "Saving the document")


# --- Keys -------------------------------------------------------------------------------------


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def document_key(kind: registry.DocumentKind, stamp, *, today=None) -> str:
    """The key of ``kind``'s document whose content stamp is ``stamp``."""
    material = {
        "content": stamp,
        "kind": kind.name,
        "revision": RENDERING_REVISION,
        "template": kind.version(),
    }
    if kind.dated:
        material["today"] = today or timezone.localdate()
    return hashlib.sha256(_canonical(material).encode()).hexdigest()


def subject_key(subject: dict) -> str:
    return hashlib.sha256(_canonical(subject).encode()).hexdigest()


def stored_name_for(document: Document) -> str:
    kind = registry.get(document.kind)
    return f"{STORAGE_FOLDER}/{document.key[:2]}/{document.key}.{kind.extension}"


# --- Asking for a document --------------------------------------------------------------------


def request_document(kind: registry.DocumentKind, subject: dict, *, stamp=None) -> Document:
    """The document of ``kind`` for ``subject`` as it is now: the stored one, or the one being
    prepared, or a new one whose job has just been queued. ``stamp``: the content stamp when the
    caller has it already (else the kind's ``stamp(subject)``). Two requests at once make one
    row (the key is unique) and so one job."""
    key = document_key(kind, kind.stamp(subject) if stamp is None else stamp)
    document = Document.objects.filter(key=key).first()
    if document is None:
        try:
            with transaction.atomic():
                document = Document.objects.create(
                    key=key, kind=kind.name, subject=subject, subject_key=subject_key(subject)
                )
        except IntegrityError:
            # Someone else asked for the same content a moment ago: theirs is the job.
            return Document.objects.get(key=key)
        enqueue(document)
    elif give_up_if_stale(document):
        pass
    elif document.is_ready and not default_storage.exists(document.stored_name):
        # The stored file has gone (storage emptied or moved): render it again.
        logger.warning("Stored document %s is missing: rendering it again", document.stored_name)
        restart(document)
    return document


def enqueue(document: Document) -> None:
    """Queue the job that renders ``document``; if the queue cannot be reached, the document
    fails with a message, so the person waiting can try again."""
    from . import tasks

    try:
        result = tasks.render_document.enqueue(str(document.pk))
    except Exception:
        logger.exception("Could not queue document %s", document.pk)
        fail(document, "The service that prepares documents could not be reached.")
        return
    Document.objects.filter(pk=document.pk).update(task_id=result.id)
    document.task_id = result.id


def restart(document: Document) -> bool:
    """Queue a failed (or lost) document again. False when it is already waiting or running:
    a second person pressing "try again" starts no second job."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.status in (Status.QUEUED, Status.RUNNING):
            return False
        Document.objects.filter(pk=document.pk).update(
            status=Status.QUEUED, step=0, error="", updated_at=timezone.now()
        )
    document.refresh_from_db()
    enqueue(document)
    return True


def give_up_if_stale(document: Document) -> bool:
    """A job that has not moved for longer than any render takes (its worker was stopped or
    lost) fails, so the person waiting is offered "try again" instead of waiting for ever."""
    if document.status not in (Status.QUEUED, Status.RUNNING):
        return False
    if timezone.now() - document.updated_at < STALE_AFTER:
        return False
    fail(document, "The document was not ready in time: the worker preparing it stopped.")
    return True


def fail(document: Document, message: str) -> None:
    Document.objects.filter(pk=document.pk).update(
        status=Status.FAILED, error=message, updated_at=timezone.now()
    )
    document.status, document.error = Status.FAILED, message


# --- Rendering (in the worker) ----------------------------------------------------------------


def _progress(document_id, step: int, **fields) -> None:
    Document.objects.filter(pk=document_id).update(step=step, updated_at=timezone.now(), **fields)


def render(document_id) -> str:
    """Render and store one document. Runs in a task queue worker; returns the stored name
    (empty when the row has gone: stored documents are a cache, and may be forgotten)."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None:
            logger.warning("Document %s was forgotten before its job ran", document_id)
            return ""
        if document.is_ready:
            return document.stored_name
        _progress(
            document.pk, 0, status=Status.RUNNING, error="", attempts=models.F("attempts") + 1
        )
    try:
        kind = registry.get(document.kind)
        material = kind.read(document.subject)
        _progress(document.pk, 1)
        content = kind.write(material)
        _progress(document.pk, 2)
        name = stored_name_for(document)
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(content))
    except Exception as exc:
        logger.exception("Rendering document %s failed", document.pk)
        fail(document, failure_message(exc))
        raise
    _progress(document.pk, 3, status=Status.READY, stored_name=name, size=len(content))
    _forget_older(document)
    return name


def failure_message(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return "The document was too large to prepare within the memory allowed."
    if isinstance(exc, OSError):
        return "The document could not be saved to storage."
    return f"The document could not be prepared ({type(exc).__name__})."


def _forget_older(document: Document) -> None:
    """Delete the stored files of the older documents of the same kind and subject: their
    content has been replaced by this one."""
    older = Document.objects.filter(
        kind=document.kind, subject_key=document.subject_key, status=Status.READY
    ).exclude(pk=document.pk)
    for stale in older.filter(updated_at__lt=document.created_at):
        default_storage.delete(stale.stored_name)
        stale.delete()


def open_stored(document: Document):
    return default_storage.open(document.stored_name, "rb")


def progress_of(document: Document) -> dict:
    """What the waiting page says: the step under way (waiting for a worker is the first), and
    how many there are."""
    total = len(STEPS) + 2
    if document.status == Status.QUEUED:
        return {"number": 1, "total": total, "text": "Waiting for a free worker"}
    steps = (registry.get(document.kind).reading, *STEPS)
    step = min(document.step, len(steps) - 1)
    return {"number": step + 2, "total": total, "text": steps[step]}
