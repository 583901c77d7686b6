"""The assessment reports on the task queue (partnership.documents): their kinds and the key
material that says when a report's content has changed.

The machinery (asking, one job per key, rendering in the worker, storage, the waiting page) is
``partnership.documents``. What is particular to the assessment reports is their stamp
(``content_stamp``): for every kind of row a report reads (the assessment, its organisation and
framework version, responses, evidence, comments, signatures, sign-offs, the action plan's
actions, progress updates and signatures, and the same for the previous assessment its trend
compares with), how many there are and the latest change. Rows only ever change through a save
that moves ``updated_at`` or adds or voids a row, so any change to what a report shows makes a
new key; one query, however large the assessment. The version (``template_version``) is the
report templates and stylesheets as they are on disk, and ``RENDERING_REVISION`` for changes in
Python code; the kinds that show the action plan are dated (an action becomes overdue
overnight).

A signed-off assessment's content no longer changes, so its reports are rendered once and then
served straight from storage.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.urls import reverse

from partnership.documents import registry, services
from partnership.documents.registry import PDF, XLSX

from .models import (
    Action,
    ActionUpdate,
    Assessment,
    Comment,
    EvidenceFile,
    EvidenceLink,
    PlanSignature,
    Response,
    Signature,
    SignOff,
)
from .reports import exports, pdf
from .reports.action_plan import ActionPlanReport, action_plan_summary
from .reports.data import previous_assessment
from .reports.presenters import BoardReport, ScoredReport, report_filename

# Raise when a change in Python code changes what a rendered report looks like: every report is
# then rendered anew on its next request (partnership.documents.services has the same for all).
RENDERING_REVISION = "2"  # 2: scored reports of over 150 criteria written in parts
STALE_AFTER = services.STALE_AFTER


class Kind(models.TextChoices):
    """The assessment reports, by their name in ``Document.kind`` and on the waiting page."""

    SCORED = "scored", "scored report"
    BOARD = "board", "board report"
    ACTIONS = "actions", "joint action plan"
    RESPONSES_XLSX = "responses_xlsx", "spreadsheet of every response"
    ACTIONS_XLSX = "actions_xlsx", "spreadsheet of every action"


@dataclass(frozen=True)
class ReportKind:
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
    Kind.SCORED: ReportKind(
        ScoredReport.build, pdf.render_pdf, PDF, ScoredReport.slug, "pdf", "report_pdf"
    ),
    Kind.BOARD: ReportKind(
        _board, pdf.render_pdf, PDF, BoardReport.slug, "pdf", "board_report_pdf", dated=True
    ),
    Kind.ACTIONS: ReportKind(
        ActionPlanReport.build,
        pdf.render_pdf,
        PDF,
        ActionPlanReport.slug,
        "pdf",
        "action_plan_pdf",
        dated=True,
    ),
    Kind.RESPONSES_XLSX: ReportKind(
        ScoredReport.build, exports.export_xlsx, XLSX, "responses", "xlsx", "export_xlsx"
    ),
    Kind.ACTIONS_XLSX: ReportKind(
        ActionPlanReport.build,
        exports.action_plan_xlsx,
        XLSX,
        "actions",
        "xlsx",
        "action_plan_xlsx",
        dated=True,
    ),
}


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
    return services.document_key(registry.get(kind), content_stamp(assessment), today=today)


# --- Registration -----------------------------------------------------------------------------


def _assessment(subject: dict) -> Assessment:
    return Assessment.objects.select_related("framework", "organisation").get(
        pk=subject["assessment"]
    )


def _register(kind: str) -> None:
    """``kind`` as a document of partnership.documents. ``KINDS`` is read when the job runs,
    so a test can stand in for a kind's writer."""

    def read(subject):
        return KINDS[kind].build(_assessment(subject))

    def write(report):
        return KINDS[kind].write(report)

    def authorize(request, subject):
        from .access import get_assessment_for

        return get_assessment_for(request, subject["assessment"])

    def filename(subject):
        spec = KINDS[kind]
        return report_filename(_assessment(subject), spec.name, spec.extension)

    def back(subject):
        assessment = Assessment.objects.only("title").get(pk=subject["assessment"])
        return assessment.title, reverse("assessments:assessment", args=[assessment.pk])

    spec = KINDS[kind]
    registry.register(
        registry.DocumentKind(
            name=kind,
            label=Kind(kind).label,
            content_type=spec.content_type,
            extension=spec.extension,
            read=read,
            write=write,
            stamp=lambda subject: content_stamp(_assessment(subject)),
            authorize=authorize,
            filename=filename,
            url=lambda subject: reverse(
                f"assessments:{KINDS[kind].url_name}", args=[subject["assessment"]]
            ),
            back=back,
            version=lambda: template_version(),
            dated=spec.dated,
            reading="Reading the assessment",
        )
    )


for _kind in KINDS:
    _register(_kind)


def subject_of(assessment: Assessment) -> dict:
    return {"assessment": str(assessment.pk)}


def request_document(assessment: Assessment, kind: str):
    """The ``kind`` report of the assessment as it is now (partnership.documents.services)."""
    return services.request_document(
        registry.get(kind), subject_of(assessment), stamp=content_stamp(assessment)
    )
