"""What the assessment workflows share: their errors, the locks they take, the history row, and
voiding signatures when what they signed has changed."""

from dataclasses import dataclass

from partnership.models import Membership
from partnership.signing import ledger

from ..models import (
    Assessment,
    AssessmentSnapshot,
    Response,
    ResponseChange,
    SignOff,
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


def _lock_response(response_id) -> Response:
    response = (
        Response.objects.select_for_update(of=("self",))
        .select_related("assessment")
        .get(pk=response_id)
    )
    if response.assessment.is_locked:
        raise AssessmentLocked("This assessment is signed off and cannot be changed")
    return response


def _record(response, kind, user, description):
    ResponseChange.objects.create(
        response=response,
        kind=kind,
        user=user,
        changes={"description": description},
        version=response.version,
    )


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


def _lock_assessment(assessment_id) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("framework", "organisation")
        .get(pk=assessment_id)
    )
