"""Reports rendered once, on the task queue, and kept in storage under a key from their content.

Asking for a document (``request_document``) finds it by its key or starts one job for it; the
task (``assessments.tasks.render_document``) renders it, stores it with Django's storage API
and marks it ready. The key is a SHA-256 of:

- the content stamp of the assessment (``content_stamp``): for every kind of row a report reads
  (the assessment, its organisation and framework version, responses, evidence, comments,
  signatures, sign-offs, the action plan's actions, progress updates and signatures, and the
  same for the previous assessment its trend compares with), how many there are and the latest
  change. Rows only ever change through a save that moves ``updated_at`` or adds or voids a
  row, so any change to what a report shows makes a new key; one query, however large the
  assessment;
- the kind of document;
- the template version (``template_version``): the report templates and stylesheets as they
  are on disk, and ``RENDERING_REVISION`` for changes in Python code;
- for the kinds that show the action plan, today's date (an action becomes overdue overnight).

A signed-off assessment's content no longer changes, so its reports are rendered once and then
served straight from storage.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.utils import timezone

from .models import (
    Action,
    ActionUpdate,
    Assessment,
    Comment,
    EvidenceFile,
    EvidenceLink,
    PlanSignature,
    ReportDocument,
    Response,
    Signature,
    SignOff,
)
from .reports import exports, pdf
from .reports.action_plan import ActionPlanReport, action_plan_summary
from .reports.data import previous_assessment
from .reports.presenters import BoardReport, ScoredReport

logger = logging.getLogger(__name__)

# Raise when a change in Python code changes what a rendered document looks like: every
# document is then rendered anew on its next request.
RENDERING_REVISION = "2"  # 2: scored reports of over 150 criteria written in parts
STORAGE_FOLDER = "reports"
# Longer than the queue's time limit for one job (TASK_TIMEOUT_SECONDS, 10 minutes).
STALE_AFTER = datetime.timedelta(minutes=15)
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Kind = ReportDocument.Kind
Status = ReportDocument.Status


@dataclass(frozen=True)
class DocumentKind:
    build: Callable  # assessment -> the report presenter
    write: Callable  # report -> bytes
    content_type: str
    name: str  # in the file name, e.g. board-report
    extension: str
    url_name: str  # the URL that asks for it
    dated: bool = False  # shows the action plan, whose actions become overdue by date


def _board(assessment):
    return BoardReport.build(assessment, action_plan_summary=action_plan_summary(assessment))


KINDS = {
    Kind.SCORED: DocumentKind(
        ScoredReport.build, pdf.render_pdf, PDF, ScoredReport.slug, "pdf", "report_pdf"
    ),
    Kind.BOARD: DocumentKind(
        _board, pdf.render_pdf, PDF, BoardReport.slug, "pdf", "board_report_pdf", dated=True
    ),
    Kind.ACTIONS: DocumentKind(
        ActionPlanReport.build,
        pdf.render_pdf,
        PDF,
        ActionPlanReport.slug,
        "pdf",
        "action_plan_pdf",
        dated=True,
    ),
    Kind.RESPONSES_XLSX: DocumentKind(
        ScoredReport.build, exports.export_xlsx, XLSX, "responses", "xlsx", "export_xlsx"
    ),
    Kind.ACTIONS_XLSX: DocumentKind(
        ActionPlanReport.build,
        exports.action_plan_xlsx,
        XLSX,
        "actions",
        "xlsx",
        "action_plan_xlsx",
        dated=True,
    ),
}

# What the person waiting reads, step by step.
STEPS = ("Reading the assessment", "Laying out the document", "Saving the document")


# --- Keys -------------------------------------------------------------------------------------


@cache
def template_version() -> str:
    """A hash of every template and stylesheet a document is made from, as deployed."""
    digest = hashlib.sha256(RENDERING_REVISION.encode())
    templates = Path(settings.BASE_DIR) / "templates"
    files = sorted(
        [
            *(templates / "assessments" / "reports").glob("*.html"),
            *(templates / "assessments" / "actions").glob("*.html"),
            *(templates / "components").glob("*.html"),
            *pdf.stylesheet_paths(),
        ]
    )
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _latest(model, outer: str, **aggregates):
    """One subquery per aggregate over ``model``'s rows whose ``outer`` is the assessment."""
    rows = model.objects.filter(**{outer: OuterRef("pk")}).order_by().values(outer)
    return {
        name: Subquery(rows.annotate(value=aggregate).values("value")[:1])
        for name, aggregate in aggregates.items()
    }


def _stamps(prefix: str, model, outer: str, *fields: str):
    aggregates = {f"{prefix}_count": Count("pk")}
    for field in fields:
        aggregates[f"{prefix}_{field}"] = Max(field)
    return _latest(model, outer, **aggregates)


# Stand-ins for the two assessment ids while the stamp's query is compiled once per process.
_THIS, _PREVIOUS = uuid.UUID(int=0xA001), uuid.UUID(int=0xA002)


def _stamp_queryset(ids):
    annotations = {
        **_stamps("responses", Response, "assessment", "updated_at"),
        "responses_versions": _latest(Response, "assessment", v=Sum("version"))["v"],
        **_stamps("files", EvidenceFile, "response__assessment", "created_at"),
        **_stamps("links", EvidenceLink, "response__assessment", "created_at"),
        **_stamps("comments", Comment, "response__assessment", "created_at"),
        **_stamps("signatures", Signature, "assessment", "created_at", "voided_at"),
        **_stamps("sign_offs", SignOff, "assessment", "created_at", "voided_at"),
        **_stamps("actions", Action, "plan__assessment", "updated_at"),
        **_stamps("carried", Action, "carried_from__plan__assessment", "updated_at"),
        **_stamps("updates", ActionUpdate, "action__plan__assessment", "created_at"),
        **_stamps("plan_signatures", PlanSignature, "plan__assessment", "created_at", "voided_at"),
    }
    return (
        Assessment.objects.filter(pk__in=ids)
        .annotate(**annotations)
        .values(
            "pk",
            "title",
            "period",
            "status",
            "updated_at",
            "organisation__name",
            "organisation__ods_code",
            "framework__content_hash",
            *annotations,
        )
    )


def _prepared(assessment_id) -> object:
    """An assessment id as the database driver is given it (SQLite: hex; PostgreSQL: UUID)."""
    return Assessment._meta.pk.get_db_prep_value(assessment_id, connection)


@cache
def _stamp_sql(vendor: str) -> tuple[str, tuple, tuple]:
    """The stamp's SQL and parameters, with stand-ins for the ids, and where they are among the
    parameters. Building and compiling a query of 23 subqueries costs several times what the
    database takes to answer it, and every download of a document runs it, so it is compiled
    once per process and kind of database."""
    del vendor  # part of the cache key only
    sql, parameters = _stamp_queryset([_THIS, _PREVIOUS]).query.sql_with_params()
    stand_ins = {_prepared(_THIS): 0, _prepared(_PREVIOUS): 1}
    places = tuple(stand_ins.get(value) for value in parameters)
    if sorted(p for p in places if p is not None) != [0, 1]:
        raise RuntimeError("The content stamp's query no longer takes the two ids as parameters")
    return sql, tuple(parameters), places


def content_stamp(assessment: Assessment) -> dict:
    """Everything that changes when a report of ``assessment`` would change (see the module
    docstring): two queries, whatever the size of the assessment."""
    previous = previous_assessment(assessment)
    ids = (_prepared(assessment.pk), _prepared(previous.pk if previous else assessment.pk))
    sql, parameters, places = _stamp_sql(connection.vendor)
    values = [
        value if place is None else ids[place]
        for value, place in zip(parameters, places, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    stamp = {}
    for row in rows:
        fields = dict(zip(names, row, strict=True))
        stamp[str(uuid.UUID(str(fields.pop("pk"))))] = fields
    return stamp


def document_key(assessment: Assessment, kind: str, *, today=None) -> str:
    stamp = {
        "content": content_stamp(assessment),
        "kind": kind,
        "template": template_version(),
    }
    if KINDS[kind].dated:
        stamp["today"] = today or timezone.localdate()
    encoded = json.dumps(stamp, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def stored_name_for(document: ReportDocument) -> str:
    kind = KINDS[document.kind]
    return f"{STORAGE_FOLDER}/{document.key[:2]}/{document.key}.{kind.extension}"


# --- Asking for a document --------------------------------------------------------------------


def request_document(assessment: Assessment, kind: str) -> ReportDocument:
    """The document of ``kind`` for the assessment as it is now: the stored one, or the one
    being prepared, or a new one whose job has just been queued. Two requests at once make one
    row (the key is unique) and so one job."""
    key = document_key(assessment, kind)
    document = ReportDocument.objects.filter(key=key).first()
    if document is None:
        try:
            with transaction.atomic():
                document = ReportDocument.objects.create(key=key, assessment=assessment, kind=kind)
        except IntegrityError:
            # Someone else asked for the same content a moment ago: theirs is the job.
            return ReportDocument.objects.get(key=key)
        enqueue(document)
    elif give_up_if_stale(document):
        pass
    elif document.is_ready and not default_storage.exists(document.stored_name):
        # The stored file has gone (storage emptied or moved): render it again.
        logger.warning("Stored document %s is missing: rendering it again", document.stored_name)
        restart(document)
    return document


def enqueue(document: ReportDocument) -> None:
    """Queue the job that renders ``document``; if the queue cannot be reached, the document
    fails with a message, so the person waiting can try again."""
    from .tasks import render_document

    try:
        result = render_document.enqueue(str(document.pk))
    except Exception:
        logger.exception("Could not queue document %s", document.pk)
        fail(document, "The service that prepares documents could not be reached.")
        return
    ReportDocument.objects.filter(pk=document.pk).update(task_id=result.id)
    document.task_id = result.id


def restart(document: ReportDocument) -> bool:
    """Queue a failed (or lost) document again. False when it is already waiting or running:
    a second person pressing "try again" starts no second job."""
    with transaction.atomic():
        locked = ReportDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status in (Status.QUEUED, Status.RUNNING):
            return False
        ReportDocument.objects.filter(pk=document.pk).update(
            status=Status.QUEUED, step=0, error="", updated_at=timezone.now()
        )
    document.refresh_from_db()
    enqueue(document)
    return True


def give_up_if_stale(document: ReportDocument) -> bool:
    """A job that has not moved for longer than any render takes (its worker was stopped or
    lost) fails, so the person waiting is offered "try again" instead of waiting for ever."""
    if document.status not in (Status.QUEUED, Status.RUNNING):
        return False
    if timezone.now() - document.updated_at < STALE_AFTER:
        return False
    fail(document, "The document was not ready in time: the worker preparing it stopped.")
    return True


def fail(document: ReportDocument, message: str) -> None:
    ReportDocument.objects.filter(pk=document.pk).update(
        status=Status.FAILED, error=message, updated_at=timezone.now()
    )
    document.status, document.error = Status.FAILED, message


# --- Rendering (in the worker) ----------------------------------------------------------------


def _progress(document_id, step: int, **fields) -> None:
    ReportDocument.objects.filter(pk=document_id).update(
        step=step, updated_at=timezone.now(), **fields
    )


def render(document_id) -> str:
    """Render and store one document. Runs in a task queue worker; returns the stored name."""
    with transaction.atomic():
        document = (
            ReportDocument.objects.select_for_update()
            .select_related("assessment__framework", "assessment__organisation")
            .get(pk=document_id)
        )
        if document.is_ready:
            return document.stored_name
        _progress(
            document.pk, 0, status=Status.RUNNING, error="", attempts=models.F("attempts") + 1
        )
    kind = KINDS[document.kind]
    try:
        report = kind.build(document.assessment)
        _progress(document.pk, 1)
        content = kind.write(report)
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


def _forget_older(document: ReportDocument) -> None:
    """Delete the stored files of this assessment's older documents of the same kind: their
    content has been replaced by this one."""
    older = ReportDocument.objects.filter(
        assessment_id=document.assessment_id, kind=document.kind, status=Status.READY
    ).exclude(pk=document.pk)
    for stale in older.filter(updated_at__lt=document.created_at):
        default_storage.delete(stale.stored_name)
        stale.delete()


def open_stored(document: ReportDocument):
    return default_storage.open(document.stored_name, "rb")


def progress_of(document: ReportDocument) -> dict:
    """What the waiting page says: the step under way (waiting for a worker is the first), and
    how many there are."""
    total = len(STEPS) + 1
    if document.status == Status.QUEUED:
        return {"number": 1, "total": total, "text": "Waiting for a free worker"}
    step = min(document.step, len(STEPS) - 1)
    return {"number": step + 2, "total": total, "text": STEPS[step]}
