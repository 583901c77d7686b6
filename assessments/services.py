"""Workflows that change several rows: each runs in one transaction, or not at all."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from partnership import rules as access_rules
from partnership.models import Membership
from partnership.signing import ledger

from . import notifications, snapshots
from .crosswalks.services import carry_plan
from .models import (
    Action,
    ActionPlan,
    ActionUpdate,
    Assessment,
    AssessmentEvent,
    AssessmentSnapshot,
    CarryOver,
    Comment,
    EvidenceFile,
    EvidenceLink,
    PlanSignature,
    Response,
    ResponseChange,
    Signature,
    SignOff,
)
from .rollup import services as rollup
from .signing import (
    assessment_content,
    plan_content,
    response_content,
    sign_off_shown,
    verify_signature,
)

# What the signer saw has changed since the signing form was shown: nothing was signed.
ContentChanged = ledger.ContentChanged

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE

# The fields a response form edits, in the order the history shows them.
RESPONSE_FIELDS = (
    "rating",
    "not_applicable",
    "not_applicable_reason",
    "narrative",
    "barrier",
    "barrier_detail",
)


class AssessmentExists(Exception):
    """The organisation already has an assessment against this framework for this period."""


class AssessmentLocked(Exception):
    """The assessment is signed off: nothing in it may change until both leads reopen it."""


class NotAllowed(Exception):
    """The action is not allowed for this person or in this state; the message says why."""


class Conflict(Exception):
    """Somebody else saved this response after the version the user started from."""

    def __init__(self, current: Response):
        super().__init__(f"Response {current.pk} is at version {current.version}")
        self.current = current


@dataclass(frozen=True)
class SaveResult:
    response: Response
    changed: bool


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


def _lock_response(response_id) -> Response:
    response = (
        Response.objects.select_for_update(of=("self",))
        .select_related("assessment")
        .get(pk=response_id)
    )
    if response.assessment.is_locked:
        raise AssessmentLocked("This assessment is signed off and cannot be changed")
    return response


@transaction.atomic
def save_response(response_id, *, data: dict, expected_version: int, user) -> SaveResult:
    """Save the management side's answer for one criterion.

    ``data`` holds cleaned values for RESPONSE_FIELDS. The save is refused with Conflict when
    the stored version is not the one the user's form was based on.
    """
    response = _lock_response(response_id)
    if response.version != expected_version:
        raise Conflict(response)
    changes = {
        field: [getattr(response, field), data[field]]
        for field in RESPONSE_FIELDS
        if field in data and getattr(response, field) != data[field]
    }
    for field, (_old, new) in changes.items():
        setattr(response, field, new)
    # A criterion counts as reviewed once it has a rating or is marked not applicable; a
    # narrative typed before choosing a rating is saved as a draft.
    status = (
        Response.Status.REVIEWED
        if response.rating is not None or response.not_applicable
        else Response.Status.TO_REVIEW
    )
    if not changes and status == response.status:
        return SaveResult(response, changed=False)
    content_changed = bool(changes)
    if status != response.status:
        changes["status"] = [response.status, status]
    response.status = status
    response.version += 1
    response.updated_by = user
    response.save(update_fields=[*changes, "version", "updated_by", "updated_at"])
    ResponseChange.objects.create(
        response=response,
        kind=ResponseChange.Kind.EDITED,
        user=user,
        changes=changes,
        version=response.version,
    )
    if content_changed:
        _content_changed(response, user, "The answer was changed")
    return SaveResult(response, changed=True)


def _record(response, kind, user, description):
    ResponseChange.objects.create(
        response=response,
        kind=kind,
        user=user,
        changes={"description": description},
        version=response.version,
    )


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


# --- Joint recording: signatures, comments, sign-off, reopening -------------------------------


def _void(signatures, reason) -> int:
    """Void the active ones, each with its void entry on the ledger."""
    return ledger.void_all(
        signatures.filter(voided_at__isnull=True).select_related("ledger_entry"), reason
    )


def _void_sign_offs(assessment_id, reason) -> int:
    """Void an assessment's active sign-offs and drop the snapshot they signed."""
    voided = _void(SignOff.objects.filter(assessment_id=assessment_id), reason)
    if voided:
        # A snapshot exists only while a sign-off that signed it is active.
        AssessmentSnapshot.objects.filter(assessment_id=assessment_id).delete()
    return voided


def _content_changed(response: Response, user, reason: str, *, sides=(MANAGEMENT, STAFF_SIDE)):
    """Void the given sides' signatures on a changed response and any sign-off of the
    assessment, and put the response in the state its remaining signatures give it."""
    if _void(response.signatures.filter(side__in=sides), reason):
        _record(response, ResponseChange.Kind.SIGNATURES_VOIDED, user, reason)
    # Any change to a criterion, signed or not, changes what a lead signed off.
    _void_sign_offs(response.assessment_id, reason)
    management_signed = response.signatures.filter(side=MANAGEMENT, voided_at__isnull=True).exists()
    state = Response.State.SUBMITTED if management_signed else Response.State.DRAFT
    if response.state != state:
        response.state = state
        response.save(update_fields=["state", "updated_at"])


def _sign(response, user, side, decision, comment="", *, seen=None) -> Signature:
    return ledger.sign(
        Signature,
        organisation=response.assessment.organisation,
        signer=user,
        side=side,
        subject=response_content(response, side),
        seen=seen,
        assessment_id=response.assessment_id,
        response=response,
        decision=decision,
        comment=comment,
        response_version=response.version,
    )


def _check_seen(seen, subject):
    """Refuse with ContentChanged when ``seen`` (the digest a form carried) is not ``subject``'s."""
    current = ledger.digest_of(subject)
    if seen is not None and seen != current:
        raise ContentChanged(seen, current, subject)


def _check_side(side):
    if side not in Membership.Side.values:
        raise NotAllowed("Select the side you are signing for")


def _require(predicate, user, organisation, message):
    if not predicate(user, organisation):
        raise NotAllowed(message)


@transaction.atomic
def submit_response(response_id, *, user, seen=None) -> Signature:
    """Management signs its answer and sends it to the staff side for review. ``seen``: the
    digest of the answer as the signing page showed it (ContentChanged if it moved on)."""
    response = _lock_response(response_id)
    organisation = response.assessment.organisation
    _require(
        access_rules.is_management_editor,
        user,
        organisation,
        "Only the management side's leads and contributors can submit",
    )
    if seen is not None:
        _check_seen(seen, response_content(response, MANAGEMENT))
    if response.state != Response.State.DRAFT:
        raise NotAllowed(
            "This criterion has already been submitted: change the answer to submit it again"
        )
    if not response.is_reviewed:
        raise NotAllowed("Rate this criterion, or mark it not applicable, before submitting it")
    if (
        response.rating is not None
        and response.rating < response.assessment.framework.met_value
        and not response.barrier
    ):
        raise NotAllowed("Say why this criterion is not in place before submitting it")
    signature = _sign(response, user, MANAGEMENT, Signature.Decision.SUBMITTED, seen=seen)
    response.state = Response.State.SUBMITTED
    response.save(update_fields=["state", "updated_at"])
    _record(response, ResponseChange.Kind.SIGNED, user, "Submitted for staff-side review")
    notifications.notify_side(
        response.assessment, STAFF_SIDE, f"{response.criterion.ref} was submitted for your review"
    )
    return signature


@transaction.atomic
def record_staff_rating(response_id, *, rating, user) -> Response:
    """The staff side's own rating. Changing it voids the staff side's signature only."""
    response = _lock_response(response_id)
    _require(
        access_rules.is_staff_side_editor,
        user,
        response.assessment.organisation,
        "Only the staff side's leads and contributors can record the staff side's rating",
    )
    _check_rating(response, rating)
    if response.staff_rating == rating:
        return response
    _record(response, ResponseChange.Kind.STAFF_RATING, user, f"{response.staff_rating} → {rating}")
    response.staff_rating = rating
    response.save(update_fields=["staff_rating", "updated_at"])
    _content_changed(response, user, "The staff side's rating was changed", sides=(STAFF_SIDE,))
    return response


def _check_rating(response, rating):
    if (
        rating is not None
        and not response.assessment.framework.levels.filter(value=rating).exists()
    ):
        raise NotAllowed("Select a rating from the framework's scale")


@transaction.atomic
def staff_side_sign(
    response_id, *, user, decision, comment="", staff_rating=None, seen=None
) -> Signature:
    """The staff side agrees, agrees with reservations or disagrees with what management signed.
    ``seen``: the digest of management's answer as the signing page showed it.

    Runs with the response row locked, so a management edit racing this signature either
    lands first (and this is refused, the version having moved on) or waits and then voids it.
    """
    response = _lock_response(response_id)
    organisation = response.assessment.organisation
    _require(
        access_rules.is_staff_side_editor,
        user,
        organisation,
        "Only the staff side's leads and contributors can sign for the staff side",
    )
    if decision not in (
        Signature.Decision.AGREED,
        Signature.Decision.AGREED_WITH_RESERVATIONS,
        Signature.Decision.DISAGREED,
    ):
        raise NotAllowed(
            "Choose whether the staff side agrees, agrees with reservations or disagrees"
        )
    comment = (comment or "").strip()
    if decision in Signature.NEEDS_COMMENT and not comment:
        raise NotAllowed("Explain the staff side's reservations or disagreement in a comment")
    if seen is not None:
        _check_seen(seen, response_content(response, MANAGEMENT))
    if response.state != Response.State.SUBMITTED:
        raise NotAllowed(
            "Only a criterion submitted for staff-side review can be signed by the staff side"
        )
    management = response.signatures.filter(side=MANAGEMENT, voided_at__isnull=True).first()
    if management is None:
        raise NotAllowed("The answer changed after it was submitted: it must be submitted again")
    if management.signer_id == user.pk:
        raise NotAllowed(
            "You submitted this criterion for management, so you cannot also sign it for the staff side"
        )
    if (
        management.response_version != response.version
        or not verify_signature(management, response_content(response, MANAGEMENT)).matches
    ):
        raise NotAllowed("The answer changed after it was submitted: it must be submitted again")
    if staff_rating is not None and staff_rating != response.staff_rating:
        _check_rating(response, staff_rating)
        _record(
            response,
            ResponseChange.Kind.STAFF_RATING,
            user,
            f"{response.staff_rating} → {staff_rating}",
        )
        response.staff_rating = staff_rating
    signature = _sign(response, user, STAFF_SIDE, decision, comment)
    response.state = decision
    response.save(update_fields=["state", "staff_rating", "updated_at"])
    _record(
        response,
        ResponseChange.Kind.SIGNED,
        user,
        f"Staff side: {signature.get_decision_display().lower()}",
    )
    if decision != Signature.Decision.AGREED:
        notifications.notify_side(
            response.assessment,
            MANAGEMENT,
            f"The staff side {signature.get_decision_display().lower()} on {response.criterion.ref}",
        )
    return signature


@transaction.atomic
def add_comment(response_id, *, user, body) -> Comment:
    response = Response.objects.select_related("assessment__organisation", "criterion").get(
        pk=response_id
    )
    if response.assessment.is_locked:
        raise AssessmentLocked("This assessment is signed off and cannot be changed")
    organisation = response.assessment.organisation
    _require(
        access_rules.is_editor_on_either_side,
        user,
        organisation,
        "Only leads and contributors of either side can comment",
    )
    body = (body or "").strip()
    if not body:
        raise NotAllowed("Enter a comment")
    side = MANAGEMENT if access_rules.is_management_editor(user, organisation) else STAFF_SIDE
    if access_rules.is_management_editor(user, organisation) and access_rules.is_staff_side_editor(
        user, organisation
    ):
        # Someone on both sides comments for the side that has to act next.
        side = STAFF_SIDE if response.state == Response.State.SUBMITTED else MANAGEMENT
    comment = Comment.objects.create(response=response, author=user, side=side, body=body)
    _record(response, ResponseChange.Kind.COMMENTED, user, body[:200])
    other = STAFF_SIDE if side == MANAGEMENT else MANAGEMENT
    notifications.notify_side(
        response.assessment, other, f"New comment on {response.criterion.ref}"
    )
    return comment


def _lock_assessment(assessment_id) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("framework", "organisation")
        .get(pk=assessment_id)
    )


def unsettled_criteria(assessment) -> list[str]:
    """Refs of applicable criteria that are neither agreed nor carry a recorded disagreement."""
    return list(
        assessment.responses.filter(not_applicable=False)
        .exclude(
            state__in=[
                Response.State.AGREED,
                Response.State.AGREED_WITH_RESERVATIONS,
                Response.State.DISAGREED,
            ]
        )
        .order_by("criterion__standard__position", "criterion__position")
        .values_list("criterion__ref", flat=True)
    )


@transaction.atomic
def sign_off(
    assessment_id, *, user, side, joint_statement, side_statement="", seen=None
) -> SignOff:
    """A lead signs the joint statement, the criteria as they stand and the frozen snapshot
    (scores, stage, action plan), which is stored. When both leads have signed, the
    assessment is locked and both leads are emailed the ledger's head: their receipt.
    ``seen``: the digest of what the sign-off page showed (``signing.sign_off_shown``)."""
    assessment = _lock_assessment(assessment_id)
    organisation = assessment.organisation
    _check_side(side)
    _require(
        access_rules.can_sign_off_for[side],
        user,
        organisation,
        f"Only the {Membership.Side(side).label.lower()} lead can sign off for that side",
    )
    if assessment.is_locked:
        raise NotAllowed("This assessment is already signed off")
    unsettled = unsettled_criteria(assessment)
    if unsettled:
        raise NotAllowed(
            f"{len(unsettled)} criteria are not yet agreed or recorded as disagreed: "
            + ", ".join(unsettled[:10])
            + ("…" if len(unsettled) > 10 else "")
        )
    joint_statement = (joint_statement or "").strip()
    if not joint_statement:
        raise NotAllowed("Enter the joint statement")
    frozen = snapshots.snapshot_of(assessment)
    if seen is not None:
        _check_seen(seen, sign_off_shown(assessment, frozen["plan"]))
    active = {
        s.side: s
        for s in assessment.sign_offs.filter(voided_at__isnull=True).select_related(
            "ledger_entry", "void_entry", "signer"
        )
    }
    if side in active:
        raise NotAllowed("This side has already signed off")
    other = active.get(STAFF_SIDE if side == MANAGEMENT else MANAGEMENT)
    if other is not None:
        if other.signer_id == user.pk:
            raise NotAllowed(
                "You have signed off for the other side, so you cannot also sign for this one"
            )
        if other.joint_statement != joint_statement:
            raise NotAllowed(
                "Sign the same joint statement as the other side, or ask them to sign again"
            )
    subject = assessment_content(assessment, joint_statement, frozen=frozen)
    if other is not None and not ledger.verify(other, subject).matches:
        # Content changes void sign-offs already; this makes sure nothing locks over a stale
        # (or altered) one.
        _void_sign_offs(assessment.pk, "The assessment changed after this sign-off")
        raise NotAllowed(
            "The assessment changed after the other lead signed off: they must sign again"
        )
    signed = ledger.sign(
        SignOff,
        organisation=organisation,
        signer=user,
        side=side,
        subject=subject,
        assessment=assessment,
        joint_statement=joint_statement,
        side_statement=(side_statement or "").strip(),
    )
    AssessmentSnapshot.objects.update_or_create(
        assessment=assessment, defaults={"data": ledger.jsonable(frozen)}
    )
    AssessmentEvent.objects.create(
        assessment=assessment,
        kind=AssessmentEvent.Kind.SIGNED_OFF_BY,
        user=user,
        detail=f"{Membership.Side(side).label} lead signed the joint statement",
    )
    if other is not None:
        assessment.status = Assessment.Status.SIGNED_OFF
        assessment.save(update_fields=["status", "updated_at"])
        rollup.write_summary(assessment)
        sequence, digest = ledger.head(organisation)
        AssessmentEvent.objects.create(
            assessment=assessment,
            kind=AssessmentEvent.Kind.SIGNED_OFF,
            user=user,
            detail=f"Receipt: ledger entry {sequence}, {digest}",
        )
        notifications.send_receipt(assessment, sequence, digest)
    else:
        notifications.notify_leads(
            assessment,
            STAFF_SIDE if side == MANAGEMENT else MANAGEMENT,
            f"{assessment.title} is waiting for your sign-off",
        )
    return signed


def _acting_lead_side(user, organisation):
    if access_rules.is_management_lead(user, organisation):
        return MANAGEMENT
    if access_rules.is_staff_side_lead(user, organisation):
        return STAFF_SIDE
    raise NotAllowed("Only the management lead and the staff-side lead can reopen an assessment")


@transaction.atomic
def request_reopen(assessment_id, *, user, reason) -> None:
    assessment = _lock_assessment(assessment_id)
    side = _acting_lead_side(user, assessment.organisation)
    if not assessment.is_locked:
        raise NotAllowed("Only a signed-off assessment can be reopened")
    if assessment.reopen_requested_by_id:
        raise NotAllowed("Reopening has already been requested")
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed("Say why the assessment needs to be reopened")
    assessment.reopen_requested_by = user
    assessment.reopen_reason = reason
    assessment.save(update_fields=["reopen_requested_by", "reopen_reason", "updated_at"])
    AssessmentEvent.objects.create(
        assessment=assessment, kind=AssessmentEvent.Kind.REOPEN_REQUESTED, user=user, detail=reason
    )
    notifications.notify_leads(
        assessment,
        STAFF_SIDE if side == MANAGEMENT else MANAGEMENT,
        f"Reopening {assessment.title} needs your agreement",
    )


@transaction.atomic
def confirm_reopen(assessment_id, *, user) -> None:
    """The second lead agrees: the assessment is open again and both sign-offs are void."""
    assessment = _lock_assessment(assessment_id)
    _acting_lead_side(user, assessment.organisation)
    if not assessment.is_locked or not assessment.reopen_requested_by_id:
        raise NotAllowed("Nobody has asked to reopen this assessment")
    requester = assessment.reopen_requested_by
    requester_sides = {
        side
        for side in (MANAGEMENT, STAFF_SIDE)
        if access_rules.can_sign_off_for[side](requester, assessment.organisation)
    }
    my_sides = {
        side
        for side in (MANAGEMENT, STAFF_SIDE)
        if access_rules.can_sign_off_for[side](user, assessment.organisation)
    }
    if user.pk == requester.pk or not (my_sides - requester_sides):
        raise NotAllowed("The lead of the other side must agree to reopen the assessment")
    _void_sign_offs(assessment.pk, "Reopened")
    rollup.remove_summary(assessment)
    assessment.status = Assessment.Status.IN_PROGRESS
    detail = assessment.reopen_reason
    assessment.reopen_requested_by = None
    assessment.reopen_reason = ""
    assessment.save(update_fields=["status", "reopen_requested_by", "reopen_reason", "updated_at"])
    AssessmentEvent.objects.create(
        assessment=assessment,
        kind=AssessmentEvent.Kind.REOPENED,
        user=user,
        detail=f"Requested by {requester}: {detail}",
    )


@transaction.atomic
def withdraw_reopen(assessment_id, *, user) -> None:
    assessment = _lock_assessment(assessment_id)
    if assessment.reopen_requested_by_id != user.pk:
        raise NotAllowed("Only the lead who asked to reopen can withdraw the request")
    assessment.reopen_requested_by = None
    assessment.reopen_reason = ""
    assessment.save(update_fields=["reopen_requested_by", "reopen_reason", "updated_at"])
    AssessmentEvent.objects.create(
        assessment=assessment, kind=AssessmentEvent.Kind.REOPEN_WITHDRAWN, user=user
    )


# --- Joint action plans -------------------------------------------------------------------


def _check_owners(organisation, management_owner, staff_owner):
    if not access_rules.is_management_editor(management_owner, organisation):
        raise NotAllowed(
            "The management owner must be a management lead or contributor of this organisation"
        )
    if not access_rules.is_staff_side_editor(staff_owner, organisation):
        raise NotAllowed(
            "The staff-side owner must be a staff-side lead or contributor of this organisation"
        )


def _plan_changed(plan, user, reason, assessment):
    if _void(plan.signatures.all(), reason):
        AssessmentEvent.objects.create(
            assessment_id=plan.assessment_id,
            kind=AssessmentEvent.Kind.PLAN_SIGNATURES_VOIDED,
            user=user,
            detail=reason,
        )
    if not assessment.is_locked:
        # A lead signed off the plan as it stood; once both have, it is frozen in the snapshot
        # and later changes are follow-up that the reports list.
        _void_sign_offs(assessment.pk, reason)


def _lock_plan(assessment) -> ActionPlan:
    plan, _ = ActionPlan.objects.get_or_create(assessment=assessment)
    return ActionPlan.objects.select_for_update().get(pk=plan.pk)


@transaction.atomic
def save_action(
    assessment_id,
    *,
    user,
    description,
    responses,
    management_owner,
    staff_owner,
    target_date,
    action=None,
) -> Action:
    """Add an action to the assessment's plan, or change one. Either side's leads and
    contributors may; a change voids the plan's signatures."""
    assessment = _lock_assessment(assessment_id)
    organisation = assessment.organisation
    _require(
        access_rules.is_editor_on_either_side,
        user,
        organisation,
        "Only leads and contributors of either side can change the action plan",
    )
    description = (description or "").strip()
    if not description:
        raise NotAllowed("Describe the action")
    responses = list(responses)
    if not responses or any(r.assessment_id != assessment.pk for r in responses):
        raise NotAllowed("Choose at least one criterion of this assessment for the action")
    _check_owners(organisation, management_owner, staff_owner)
    plan = _lock_plan(assessment)
    if action is None:
        action = Action(plan=plan)
        reason = "An action was added"
    else:
        if action.plan_id != plan.pk:
            raise NotAllowed("That action belongs to another plan")
        reason = "An action was changed"
    action.description = description
    action.management_owner = management_owner
    action.staff_owner = staff_owner
    action.target_date = target_date
    if action._state.adding:
        action.save()
    else:
        # Only the commitments: a progress update may have moved the status on meanwhile.
        action.save(
            update_fields=[
                "description",
                "management_owner",
                "staff_owner",
                "target_date",
                "updated_at",
            ]
        )
    action.responses.set(responses)
    _plan_changed(plan, user, reason, assessment)
    return action


@transaction.atomic
def remove_action(action: Action, *, user) -> None:
    assessment = _lock_assessment(action.plan.assessment_id)
    _require(
        access_rules.is_editor_on_either_side,
        user,
        assessment.organisation,
        "Only leads and contributors of either side can change the action plan",
    )
    plan = _lock_plan(assessment)
    action.delete()
    _plan_changed(plan, user, "An action was removed", assessment)


@transaction.atomic
def post_action_update(action_id, *, user, text, status) -> ActionUpdate:
    """A dated progress entry by either side, which may move the action's status on. Progress
    is follow-up, not the agreement: it does not void the plan's signatures."""
    action = (
        Action.objects.select_for_update()
        .select_related("plan__assessment__organisation")
        .get(pk=action_id)
    )
    organisation = action.plan.assessment.organisation
    _require(
        access_rules.is_editor_on_either_side,
        user,
        organisation,
        "Only leads and contributors of either side can post progress",
    )
    text = (text or "").strip()
    if not text:
        raise NotAllowed("Describe the progress made")
    if status not in Action.Status.values:
        raise NotAllowed("Select the action's status")
    side = (
        STAFF_SIDE
        if action.staff_owner_id == user.pk
        or not access_rules.is_management_editor(user, organisation)
        else MANAGEMENT
    )
    update = ActionUpdate.objects.create(
        action=action, author=user, side=side, text=text, status=status
    )
    if action.status != status:
        action.status = status
        action.save(update_fields=["status", "updated_at"])
    return update


@transaction.atomic
def sign_plan(assessment_id, *, user, side, seen=None) -> PlanSignature:
    """A lead signs the action plan as it stands; both leads' signatures make it agreed.
    ``seen``: the digest of the plan as the page showed it (ContentChanged if it moved on)."""
    assessment = _lock_assessment(assessment_id)
    _check_side(side)
    _require(
        access_rules.can_sign_off_for[side],
        user,
        assessment.organisation,
        f"Only the {Membership.Side(side).label.lower()} lead can sign the plan for that side",
    )
    plan = _lock_plan(assessment)
    if not plan.actions.exists():
        raise NotAllowed("Add at least one action before signing the plan")
    active = {s.side: s for s in plan.signatures.filter(voided_at__isnull=True)}
    if side in active:
        raise NotAllowed("This side has already signed the plan")
    other = active.get(STAFF_SIDE if side == MANAGEMENT else MANAGEMENT)
    if other is not None and other.signer_id == user.pk:
        raise NotAllowed(
            "You signed the plan for the other side, so you cannot also sign for this one"
        )
    signature = ledger.sign(
        PlanSignature,
        organisation=assessment.organisation,
        signer=user,
        side=side,
        subject=plan_content(plan),
        seen=seen,
        plan=plan,
    )
    AssessmentEvent.objects.create(
        assessment=assessment,
        kind=AssessmentEvent.Kind.PLAN_SIGNED,
        user=user,
        detail=f"{Membership.Side(side).label} lead signed the action plan",
    )
    if other is None:
        notifications.notify_leads(
            assessment,
            STAFF_SIDE if side == MANAGEMENT else MANAGEMENT,
            f"The action plan for {assessment.title} is waiting for your signature",
        )
    return signature
