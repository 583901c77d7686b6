"""Joint recording: each side's signatures on a criterion, comments, both leads' sign-off and
reopening by agreement. Each workflow runs in one transaction, or not at all."""

from django.db import transaction

from partnership import rules as access_rules
from partnership.models import Membership
from partnership.signing import ledger

from .. import notifications, snapshots
from ..models import (
    Assessment,
    AssessmentEvent,
    AssessmentSnapshot,
    Comment,
    Response,
    ResponseChange,
    Signature,
    SignOff,
)
from ..rollup import services as rollup
from ..signing import (
    assessment_content,
    response_content,
    sign_off_shown,
    verify_signature,
)
from .common import (
    MANAGEMENT,
    STAFF_SIDE,
    AssessmentLocked,
    NotAllowed,
    _check_seen,
    _check_side,
    _content_changed,
    _lock_assessment,
    _lock_response,
    _record,
    _require,
    _void_sign_offs,
)


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
