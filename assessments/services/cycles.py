"""Assessment cycles: starting one, saving answers in place, evidence, and the next cycle
carried on from the last. Each workflow runs in one transaction, or not at all."""

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..crosswalks.services import carry_plan
from ..models import (
    Action,
    ActionPlan,
    ActionUpdate,
    Assessment,
    CarryOver,
    EvidenceFile,
    EvidenceLink,
    Response,
    ResponseChange,
    Signature,
    SignOff,
)
from .common import (
    RESPONSE_FIELDS,
    AssessmentExists,
    AssessmentLocked,
    Conflict,
    SaveResult,
    _content_changed,
    _lock_response,
    _record,
)


@transaction.atomic
def start_assessment(*, organisation, framework, period, title, user, previous=None) -> Assessment:
    """Create an assessment with one response, "to review", for every criterion."""
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                organisation=organisation,
                framework=framework,
                period=period,
                title=title,
                created_by=user,
                previous=previous,
            )
    except IntegrityError as exc:
        raise AssessmentExists(
            f"{organisation.name} already has a {framework.title} assessment for {period}"
        ) from exc
    Response.objects.bulk_create(
        Response(assessment=assessment, criterion=criterion)
        for criterion in framework.criteria.order_by("standard__position", "position")
    )
    return assessment


@transaction.atomic
def save_response(
    response_id, *, data: dict, expected_version: int, user, current: Response | None = None
) -> SaveResult:
    """Save the management side's answer for one criterion.

    ``data`` holds cleaned values for RESPONSE_FIELDS. The save is refused with Conflict when
    the stored version is not the one the user's form was based on, and with AssessmentLocked
    when the assessment is signed off.

    ``current`` is the response as the caller has just read it (the access helper's), so the
    save need not read it again. Its answer fields are what the stored row held at that
    version: they change only here, always with a new version. The update itself checks the
    version and the assessment's lock in one statement, and its row lock orders it with
    anything that signs the response (which locks the row first).
    """
    if current is not None and current.pk == response_id and current.version == expected_version:
        response = current
    else:
        response = Response.objects.select_related("assessment").get(pk=response_id)
    if response.assessment.is_locked:
        raise AssessmentLocked("This assessment is signed off and cannot be changed")
    if response.version != expected_version:
        raise Conflict(response)
    changes = {
        field: [getattr(response, field), data[field]]
        for field in RESPONSE_FIELDS
        if field in data and getattr(response, field) != data[field]
    }
    new = {field: value for field, (_old, value) in changes.items()}
    answer = {field: new.get(field, getattr(response, field)) for field in RESPONSE_FIELDS}
    # A criterion counts as reviewed once it has a rating or is marked not applicable; a
    # narrative typed before choosing a rating is saved as a draft.
    status = (
        Response.Status.REVIEWED
        if answer["rating"] is not None or answer["not_applicable"]
        else Response.Status.TO_REVIEW
    )
    if not changes and status == response.status:
        return SaveResult(response, changed=False)
    content_changed = bool(changes)
    if status != response.status:
        changes["status"] = [response.status, status]
        new["status"] = status
    new.update(version=expected_version + 1, updated_by=user, updated_at=timezone.now())
    if content_changed:
        # A changed answer voids both sides' signatures on it (below), so none remains to
        # keep it submitted or agreed.
        new["state"] = Response.State.DRAFT
    updated = (
        Response.objects.filter(pk=response.pk, version=expected_version)
        .filter(_ASSESSMENT_OPEN)
        .update(**new)
    )
    if not updated:
        _refuse(response.pk)
    for field, value in new.items():
        setattr(response, field, value)
    ResponseChange.objects.create(
        response=response,
        kind=ResponseChange.Kind.EDITED,
        user=user,
        changes=changes,
        version=response.version,
    )
    if content_changed and _anything_signed(response):
        _content_changed(response, user, "The answer was changed")
    return SaveResult(response, changed=True)


# Two conditions of the save written out in SQL (table names from the models, every value a
# parameter): the ORM's correlated subqueries cost more to build than the database takes to
# answer them, on the busiest request there is.
_ASSESSMENTS, _RESPONSES = Assessment._meta.db_table, Response._meta.db_table
# The save's update matches only while the assessment is not signed off.
_ASSESSMENT_OPEN = RawSQL(  # noqa: S611  (no user input in the SQL)
    f"NOT EXISTS (SELECT 1 FROM {_ASSESSMENTS} WHERE {_ASSESSMENTS}.id = "  # noqa: S608
    f"{_RESPONSES}.assessment_id AND {_ASSESSMENTS}.status = %s)",
    (Assessment.Status.SIGNED_OFF,),
    output_field=BooleanField(),
)
# Whether there is anything to void: an active signature on the response or an active sign-off
# of its assessment.
_ANYTHING_SIGNED = (
    f"SELECT EXISTS (SELECT 1 FROM {Signature._meta.db_table} "  # noqa: S608
    "WHERE response_id = %s AND voided_at IS NULL) "
    f"OR EXISTS (SELECT 1 FROM {SignOff._meta.db_table} "
    "WHERE assessment_id = %s AND voided_at IS NULL)"
)


def _refuse(response_id):
    """Why a save's update matched no row: the assessment is signed off, or the response has
    moved on from the version the form was based on (Conflict, with the current row)."""
    current = Response.objects.select_related("assessment").get(pk=response_id)
    if current.assessment.is_locked:
        raise AssessmentLocked("This assessment is signed off and cannot be changed")
    raise Conflict(current)


def _anything_signed(response) -> bool:
    """Whether a change to ``response`` has anything to void (one query; nearly always no)."""
    uuid = Response._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            _ANYTHING_SIGNED,
            [
                uuid.get_db_prep_value(response.pk, connection),
                uuid.get_db_prep_value(response.assessment_id, connection),
            ],
        )
        return bool(cursor.fetchone()[0])


@transaction.atomic
def add_evidence_file(response_id, *, stored_name, original_name, content_type, size, sha256, user):
    """Attach an already stored file. The caller stores it first and deletes it if this fails."""
    response = _lock_response(response_id)
    evidence = EvidenceFile.objects.create(
        response=response,
        file=stored_name,
        original_name=original_name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=user,
    )
    _record(response, ResponseChange.Kind.FILE_ADDED, user, original_name)
    _content_changed(response, user, f"File {original_name} was added")
    return evidence


@transaction.atomic
def remove_evidence_file(evidence: EvidenceFile, *, user):
    """Detach a file. The stored file stays: a later cycle or a signature may refer to it."""
    response = _lock_response(evidence.response_id)
    evidence.delete()
    _record(response, ResponseChange.Kind.FILE_REMOVED, user, evidence.original_name)
    _content_changed(response, user, f"File {evidence.original_name} was removed")


@transaction.atomic
def add_evidence_link(response_id, *, url, title, user) -> EvidenceLink:
    response = _lock_response(response_id)
    link = EvidenceLink.objects.create(response=response, url=url, title=title, added_by=user)
    _record(response, ResponseChange.Kind.LINK_ADDED, user, f"{title} ({url})")
    _content_changed(response, user, f"Link {title} was added")
    return link


@transaction.atomic
def remove_evidence_link(link: EvidenceLink, *, user):
    response = _lock_response(link.response_id)
    link.delete()
    _record(response, ResponseChange.Kind.LINK_REMOVED, user, f"{link.title} ({link.url})")
    _content_changed(response, user, f"Link {link.title} was removed")


@transaction.atomic
def start_next_cycle(previous: Assessment, *, framework, period, title, user) -> Assessment:
    """Start a new assessment from a previous one, against the same framework or another.

    Where each new criterion's answer comes from is the carry plan (assessments.crosswalks):
    the same ref, or a crosswalk's pairs when one connects the two framework versions. The
    same criterion or an ``equivalent`` one carries the rating, narrative, reasons, files and
    links; a ``partial``, ``broader`` or ``narrower`` one carries the files and links only,
    with a note to review. Every criterion goes back to "to review"; CarryOver records what
    came from where. Nothing of the previous assessment changes.
    """
    assessment = start_assessment(
        organisation=previous.organisation,
        framework=framework,
        period=period,
        title=title,
        user=user,
        previous=previous,
    )
    plan = carry_plan(previous.framework, framework)
    old_by_ref = {
        r.criterion.ref: r
        for r in previous.responses.select_related("criterion").prefetch_related("files", "links")
    }
    source_name = f"{previous.framework.title} (version {previous.framework.version})"
    new_responses = list(assessment.responses.select_related("criterion"))
    files, links, history, carried = [], [], [], []
    targets = {}  # old ref -> new responses, for the open actions
    for response in new_responses:
        sources = [
            (old_by_ref[source.ref], source)
            for source in plan.get(response.criterion.ref, ())
            if source.ref in old_by_ref
        ]
        if not sources:
            continue
        answer = next((old for old, source in sources if source.carries_answer), None)
        if answer is not None:
            for field in RESPONSE_FIELDS:
                setattr(response, field, getattr(answer, field))
            response.criterion_text_changed = (
                answer.criterion.statement != response.criterion.statement
            )
        else:
            response.narrative = " ".join(
                f"Partly covered by {old.criterion.ref} in {previous.period}: review."
                for old, _ in sources
            )
        for old, source in sources:
            targets.setdefault(old.criterion.ref, []).append(response)
            files += [_copy_file(f, response) for f in old.files.all()]
            links += [
                EvidenceLink(
                    response=response, url=link.url, title=link.title, added_by_id=link.added_by_id
                )
                for link in old.links.all()
            ]
            carried.append(
                CarryOver(
                    response=response,
                    source=old,
                    source_ref=old.criterion.ref,
                    source_framework=source_name[:250],
                    source_period=previous.period,
                    relation=source.relation,
                    carried=CarryOver.Carried.ANSWER
                    if old is answer
                    else CarryOver.Carried.EVIDENCE,
                    files=len(old.files.all()),
                    links=len(old.links.all()),
                    note=source.note,
                )
            )
        refs = ", ".join(old.criterion.ref for old, _ in sources)
        history.append(
            ResponseChange(
                response=response,
                kind=ResponseChange.Kind.CARRIED_FORWARD,
                user=user,
                changes={
                    "description": f"Copied from {refs} in {previous.title} ({previous.period})"
                    if previous.framework_id != framework.pk
                    else f"Copied from {previous.title} ({previous.period})"
                },
                version=response.version,
            )
        )
    Response.objects.bulk_update(new_responses, [*RESPONSE_FIELDS, "criterion_text_changed"])
    EvidenceFile.objects.bulk_create(files)
    EvidenceLink.objects.bulk_create(links)
    ResponseChange.objects.bulk_create(history)
    CarryOver.objects.bulk_create(carried)
    _carry_forward_actions(previous, assessment, targets)
    return assessment


def _copy_file(evidence, response):
    """The same stored file, attached to the new response (the file itself is not copied)."""
    return EvidenceFile(
        response=response,
        file=evidence.file.name,
        original_name=evidence.original_name,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
        uploaded_by_id=evidence.uploaded_by_id,
    )


def _carry_forward_actions(previous, assessment, targets):
    """Open actions move into the new cycle's plan with their progress log, linked to the new
    criteria their old ones carried into (``targets``: old ref -> new responses). The previous
    plan keeps its rows, so what its leads signed stays verifiable."""
    open_actions = list(
        Action.objects.filter(plan__assessment=previous, status__in=Action.OPEN)
        .prefetch_related("responses__criterion", "updates")
        .order_by("created_at")
    )
    if not open_actions:
        return
    plan = ActionPlan.objects.create(assessment=assessment)
    copies = Action.objects.bulk_create(
        Action(
            plan=plan,
            description=action.description,
            management_owner_id=action.management_owner_id,
            staff_owner_id=action.staff_owner_id,
            target_date=action.target_date,
            status=action.status,
            carried_from=action,
        )
        for action in open_actions
    )
    links, updates = [], []
    for action, copy in zip(open_actions, copies, strict=True):
        new_ids = {
            new.pk for r in action.responses.all() for new in targets.get(r.criterion.ref, ())
        }
        links += [
            Action.responses.through(action_id=copy.pk, response_id=pk) for pk in sorted(new_ids)
        ]
        updates += [
            ActionUpdate(
                action=copy,
                author_id=u.author_id,
                side=u.side,
                text=u.text,
                status=u.status,
                created_at=u.created_at,
            )
            for u in action.updates.all()
        ]
    Action.responses.through.objects.bulk_create(links)
    ActionUpdate.objects.bulk_create(updates)
