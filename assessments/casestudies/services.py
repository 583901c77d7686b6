"""Case study workflows: draft, change, attach, approve, publish and withdraw.

Each runs inside ``transaction.atomic`` with the case study locked, so two leads approving at
once, or an edit racing an approval, never leave half a publication. Approvals are
``CaseStudyApproval`` records on the organisation's signing ledger (ADR 0008): what a lead
approves is ``case_study_subject``, and any change voids every active approval.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from partnership import rules as access_rules
from partnership.models import LedgerEntry, Membership
from partnership.signing import ledger

from ..models import Action, RatingLevel, Response
from ..services import NotAllowed
from .models import CaseStudy, CaseStudyApproval, CaseStudyAttachment, CaseStudyEvent

# How long a case study stands before it shows "due for review", unless the leads choose.
REVIEW_AFTER_YEARS = 2

SIDE_NAMES = {
    Membership.Side.MANAGEMENT: "the management side",
    Membership.Side.STAFF_SIDE: "the staff side",
}
# The fields people write (the form's fields, the subject's text).
TEXT_FIELDS = (
    "title",
    "summary",
    "what_was_done",
    "impact",
    "joint_working",
    "differently",
    "contact",
)
SETTINGS_FIELDS = ("audience", "anonymous", "review_date")

can_draft = access_rules.is_editor_on_either_side
can_approve = access_rules.is_lead_on_either_side


class CaseStudyRefused(NotAllowed):
    """The change is not allowed for this person or in this state; the message says why."""


def default_review_date(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + REVIEW_AFTER_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + REVIEW_AFTER_YEARS, day=28)


# --- Where a case study comes from --------------------------------------------------------------


def is_agreed_met(response: Response) -> bool:
    """Both sides agreed the criterion, and it is rated at or above met."""
    met = response.assessment.framework.met_value
    return (
        response.is_agreed
        and not response.not_applicable
        and response.rating is not None
        and response.rating >= met
    )


@dataclass(frozen=True)
class Score:
    rating: int | None
    label: str
    period: str


def criterion_scores(organisation, criterion) -> tuple[Score | None, Score | None]:
    """The criterion's latest rating in the organisation's assessments (after) and its latest
    rating in an earlier period (before), across versions of the same framework (same ref).
    Two queries."""
    rows = list(
        Response.objects.filter(
            assessment__organisation=organisation,
            assessment__framework__slug=criterion.framework.slug,
            criterion__ref=criterion.ref,
            not_applicable=False,
            rating__isnull=False,
        )
        .order_by("-assessment__period")
        .values_list("rating", "assessment__period", "assessment__framework_id")
    )
    if not rows:
        return None, None
    after = rows[0]
    before = next((row for row in rows if row[1] < after[1]), None)
    labels = {
        (level.framework_id, level.value): level.label
        for level in RatingLevel.objects.filter(
            framework_id__in={row[2] for row in (after, before) if row}
        )
    }

    def score(row):
        if row is None:
            return None
        return Score(row[0], labels.get((row[2], row[0]), str(row[0])), row[1])

    return score(before), score(after)


# --- What the leads approve ---------------------------------------------------------------------


def case_study_subject(case_study: CaseStudy) -> dict:
    """What an approval is bound to: the words, the criteria, the scores, the attachments and
    the publication settings (audience, anonymity, review date)."""
    criteria = sorted(
        f"{slug}:{version}:{ref}"
        for slug, version, ref in case_study.criteria.values_list(
            "framework__slug", "framework__version", "ref"
        )
    )
    attachments = sorted(case_study.attachments.values_list("sha256", flat=True))
    return {
        "case_study": str(case_study.pk),
        "version": case_study.version,
        **{name: getattr(case_study, name) for name in TEXT_FIELDS},
        "criteria": criteria,
        "country": case_study.country,
        "sector": case_study.sector,
        "before": [case_study.before_rating, case_study.before_period],
        "after": [case_study.after_rating, case_study.after_period],
        "audience": case_study.audience,
        "anonymous": case_study.anonymous,
        "review_date": case_study.review_date.isoformat(),
        "attachments": attachments,
    }


def active_approvals(case_study) -> dict[str, CaseStudyApproval]:
    approvals = case_study.approvals.filter(voided_at__isnull=True)
    return {a.side: a for a in approvals.select_related("signer", "ledger_entry")}


def verified_approvals(approvals: dict, subject) -> list:
    """(side name, active approval or None, its verification) for both sides, checked against
    the ledger and ``subject``: one query for the voids, however many."""
    voided = set(
        LedgerEntry.objects.filter(
            kind=LedgerEntry.VOID, record_id__in=[str(a.pk) for a in approvals.values()]
        ).values_list("record_id", flat=True)
    )
    rows = []
    for side, name in SIDE_NAMES.items():
        approval = approvals.get(side)
        verification = (
            ledger.verify(approval, subject, voided_record_ids=voided) if approval else None
        )
        rows.append((name, approval, verification))
    return rows


def _event(case_study, kind, user, detail=""):
    CaseStudyEvent.objects.create(case_study=case_study, kind=kind, user=user, detail=detail)


def _locked(case_study_id) -> CaseStudy:
    return (
        CaseStudy.objects.select_for_update().select_related("organisation").get(pk=case_study_id)
    )


def _void_approvals(case_study, user, reason) -> None:
    voided = ledger.void_all(case_study.approvals.filter(voided_at__isnull=True), reason)
    if voided:
        _event(case_study, CaseStudyEvent.Kind.APPROVALS_VOIDED, user, reason)


def _changed(case_study, user, detail) -> None:
    """Any change: a new version, back to draft (a published one leaves the library until
    both leads approve again), every approval voided."""
    was_published = case_study.is_published
    case_study.version += 1
    case_study.status = CaseStudy.Status.DRAFT
    case_study.published_at = None
    case_study.withdrawn_at = None
    case_study.save()
    _event(case_study, CaseStudyEvent.Kind.EDITED, user, detail)
    reason = "The case study changed"
    if was_published:
        reason += ", so it was taken out of the library until both leads approve it again"
    _void_approvals(case_study, user, reason)


# --- Workflows ----------------------------------------------------------------------------------


@transaction.atomic
def draft_case_study(
    *, user, response: Response | None = None, action: Action | None = None, criteria=(), **data
) -> CaseStudy:
    """Start a case study from a criterion agreed as met, or from an action marked done.

    ``criteria`` are further criteria of the same framework it addresses; ``data`` holds the
    text fields and the publication settings.
    """
    if (response is None) == (action is None):
        raise CaseStudyRefused("Start a case study from one agreed criterion or one done action")
    if action is not None:
        assessment = action.plan.assessment
        if action.status != Action.Status.DONE:
            raise CaseStudyRefused("Only an action marked done can become a case study")
        responses = list(action.responses.select_related("criterion__framework"))
        if not responses:
            raise CaseStudyRefused("This action addresses no criterion")
        source = responses[0].criterion
        addressed = [r.criterion for r in responses]
    else:
        assessment = response.assessment
        if not is_agreed_met(response):
            raise CaseStudyRefused(
                "A case study starts from a criterion both sides agreed is met, and this one is not"
            )
        source = response.criterion
        addressed = [source]
    organisation = assessment.organisation
    if not can_draft(user, organisation):
        raise CaseStudyRefused("Only the leads and contributors of either side can do this")
    criteria = list(criteria)
    extra = [c for c in criteria if c.framework_id == source.framework_id]
    if len(extra) != len(criteria):
        raise CaseStudyRefused("Choose criteria of the same framework")
    before, after = criterion_scores(organisation, source)
    case_study = CaseStudy(
        organisation=organisation,
        criterion=source,
        source_action=action,
        country=organisation.country,
        sector=organisation.sector,
        created_by=user,
        **_scores(before, after),
        **{name: data[name] for name in (*TEXT_FIELDS, *SETTINGS_FIELDS) if name in data},
    )
    if case_study.review_date is None:
        case_study.review_date = default_review_date()
    case_study.save()
    case_study.criteria.set({c.pk for c in [*addressed, *extra]})
    _event(case_study, CaseStudyEvent.Kind.DRAFTED, user, f"From criterion {source.ref}")
    return case_study


def _scores(before: Score | None, after: Score | None) -> dict:
    values = {}
    for prefix, score in (("before", before), ("after", after)):
        values[f"{prefix}_rating"] = score.rating if score else None
        values[f"{prefix}_label"] = score.label if score else ""
        values[f"{prefix}_period"] = score.period if score else ""
    return values


@transaction.atomic
def edit_case_study(case_study_id, *, user, expected_version: int, criteria=None, **data):
    """Change the text, the publication settings and (when ``criteria`` is given) the other
    criteria it addresses. A change voids every approval; saving nothing new changes nothing."""
    case_study = _locked(case_study_id)
    if not can_draft(user, case_study.organisation):
        raise CaseStudyRefused("Only the leads and contributors of either side can do this")
    if case_study.version != expected_version:
        raise CaseStudyRefused(
            "Somebody changed this case study since you opened it. "
            "Open it again to see their changes, then make yours"
        )
    if criteria is not None and any(
        c.framework_id != case_study.criterion.framework_id for c in criteria
    ):
        raise CaseStudyRefused("Choose criteria of the same framework")
    changed = [
        name
        for name in (*TEXT_FIELDS, *SETTINGS_FIELDS)
        if name in data and getattr(case_study, name) != data[name]
    ]
    for name in changed:
        setattr(case_study, name, data[name])
    if criteria is not None:
        wanted = {case_study.criterion_id, *(c.pk for c in criteria)}
        if set(case_study.criteria.values_list("pk", flat=True)) != wanted:
            case_study.criteria.set(wanted)
            changed.append("criteria")
    if not changed:
        return case_study
    labels = {
        f.name: f.verbose_name for f in CaseStudy._meta.get_fields() if hasattr(f, "verbose_name")
    }
    _changed(case_study, user, "Changed: " + ", ".join(str(labels.get(n, n)) for n in changed))
    return case_study


@transaction.atomic
def add_attachment(case_study_id, *, user, stored_name, original_name, content_type, size, sha256):
    case_study = _locked(case_study_id)
    if not can_draft(user, case_study.organisation):
        raise CaseStudyRefused("Only the leads and contributors of either side can do this")
    attachment = CaseStudyAttachment.objects.create(
        case_study=case_study,
        file=stored_name,
        original_name=original_name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=user,
    )
    _changed(case_study, user, f"Attached {original_name}")
    return attachment


@transaction.atomic
def remove_attachment(attachment_id, *, user):
    attachment = CaseStudyAttachment.objects.select_related("case_study").get(pk=attachment_id)
    case_study = _locked(attachment.case_study_id)
    if not can_draft(user, case_study.organisation):
        raise CaseStudyRefused("Only the leads and contributors of either side can do this")
    attachment.delete()
    _changed(case_study, user, f"Removed {attachment.original_name}")
    transaction.on_commit(lambda: attachment.file.storage.delete(attachment.file.name))


@transaction.atomic
def approve(case_study_id, *, user, side, seen: str | None) -> CaseStudy:
    """One lead approves publication for their side; the second approval publishes it.
    ``seen`` is the digest of what the lead was shown (``ledger.ContentChanged`` if it moved)."""
    case_study = _locked(case_study_id)
    organisation = case_study.organisation
    if side not in SIDE_NAMES:
        raise CaseStudyRefused("Select the side you are approving for")
    if not access_rules.can_sign_off_for[side](user, organisation):
        raise CaseStudyRefused(f"Only the lead of {SIDE_NAMES[side]} can approve for it")
    if case_study.status != CaseStudy.Status.DRAFT:
        raise CaseStudyRefused(
            "This case study is already published"
            if case_study.is_published
            else "This case study was withdrawn. Change it to make a new draft to approve"
        )
    active = active_approvals(case_study)
    if side in active:
        raise CaseStudyRefused(f"{SIDE_NAMES[side].capitalize()} has already approved it")
    if any(approval.signer_id == user.pk for approval in active.values()):
        raise CaseStudyRefused(
            "You approved it for the other side: the lead of this side must approve it"
        )
    ledger.sign(
        CaseStudyApproval,
        organisation=organisation,
        signer=user,
        side=side,
        subject=case_study_subject(case_study),
        seen=seen,
        case_study=case_study,
    )
    _event(case_study, CaseStudyEvent.Kind.APPROVED, user, f"For {SIDE_NAMES[side]}")
    if len(active) + 1 == len(SIDE_NAMES):
        case_study.status = CaseStudy.Status.PUBLISHED
        case_study.published_at = timezone.now()
        case_study.save(update_fields=["status", "published_at", "updated_at"])
        _event(case_study, CaseStudyEvent.Kind.PUBLISHED, user)
    return case_study


@transaction.atomic
def withdraw(case_study_id, *, user, reason="") -> CaseStudy:
    """Either lead takes a published case study out of the library at once."""
    case_study = _locked(case_study_id)
    if not can_approve(user, case_study.organisation):
        raise CaseStudyRefused("Only a lead of either side can withdraw a case study")
    if not case_study.is_published:
        raise CaseStudyRefused("Only a published case study can be withdrawn")
    case_study.status = CaseStudy.Status.WITHDRAWN
    case_study.withdrawn_at = timezone.now()
    case_study.withdrawn_by = user
    case_study.withdraw_reason = reason
    case_study.save()
    _event(case_study, CaseStudyEvent.Kind.WITHDRAWN, user, reason)
    _void_approvals(case_study, user, "Withdrawn from publication")
    return case_study
