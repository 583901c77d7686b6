"""What is waiting for a person to act on, across every organisation they belong to.

- The staff side's leads and contributors review criteria management submitted to them.
- Management's leads and contributors revise and resubmit, or accept, criteria the staff side
  disagreed with or agreed with reservations.
- Leads, besides, sign off once the other side's lead has, and agree to a reopening the other
  side's lead asked for.

Viewers have nothing waiting. Who does what comes from ``partnership.rules``; this module only
turns it into queries, a fixed number of them however many items there are.
"""

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from partnership import rules as access_rules
from partnership.access import organisations_for
from partnership.models import Membership

from .access import assessments_for
from .models import Assessment, Response, Signature, SignOff

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
OTHER_SIDE = {MANAGEMENT: STAFF_SIDE, STAFF_SIDE: MANAGEMENT}

SIDE_NAMES = {MANAGEMENT: "management", STAFF_SIDE: "the staff side"}

# States in which the staff side has answered with something management must deal with.
NEEDS_MANAGEMENT = (Response.State.DISAGREED, Response.State.AGREED_WITH_RESERVATIONS)


class Kind(StrEnum):
    REVIEW = "review"
    REVISE = "revise"
    SIGN_OFF = "sign_off"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Duties:
    """The organisations (by id) in which a person has each kind of work to do."""

    review: frozenset
    revise: frozenset
    lead_sides: dict  # organisation id -> frozenset of the sides the person leads there

    @property
    def leads(self):
        return frozenset(self.lead_sides)


def duties_of(user) -> Duties:
    """Read the user's memberships once (one query) and ask partnership.rules about each
    organisation. Cached on the user object for the request."""
    cached = user.__dict__.get("_waiting_duties")
    if cached is not None:
        return cached
    by_org = defaultdict(list)
    organisations = {}
    if user.is_authenticated:
        memberships = Membership.objects.filter(
            user=user, organisation__in=organisations_for(user)
        ).select_related("organisation")
        for membership in memberships:
            by_org[membership.organisation_id].append(membership)
            organisations[membership.organisation_id] = membership.organisation
    # The rules read a user's memberships per organisation and cache them on the user: hand
    # them the ones just read, so asking about many organisations costs no further queries.
    access_rules.remember_memberships(user, [m for items in by_org.values() for m in items])
    review, revise, lead_sides = set(), set(), {}
    for org_id, organisation in organisations.items():
        if access_rules.is_staff_side_editor(user, organisation):
            review.add(org_id)
        if access_rules.is_management_editor(user, organisation):
            revise.add(org_id)
        sides = frozenset(
            side
            for side, leads in access_rules.can_sign_off_for.items()
            if leads(user, organisation)
        )
        if sides:
            lead_sides[org_id] = sides
    duties = Duties(frozenset(review), frozenset(revise), lead_sides)
    user.__dict__["_waiting_duties"] = duties
    return duties


def can_start_assessment(user) -> bool:
    """Whether the user may start a self-assessment in at least one organisation (the start
    page's own rule), without a query per organisation."""
    return bool(duties_of(user).revise)


# --- Criteria ---------------------------------------------------------------------------------


def _own_submission(user):
    """The user signed this response for management: someone on both sides may not review it."""
    return Exists(
        Signature.objects.filter(
            response=OuterRef("pk"),
            side=MANAGEMENT,
            voided_at__isnull=True,
            signer=user,
        )
    )


def _to_review(user, duties) -> Q | None:
    if not duties.review:
        return None
    return Q(
        state=Response.State.SUBMITTED, assessment__organisation_id__in=duties.review
    ) & ~_own_submission(user)


def _to_revise(duties) -> Q | None:
    if not duties.revise:
        return None
    return Q(state__in=NEEDS_MANAGEMENT, assessment__organisation_id__in=duties.revise)


def _open_responses():
    # A signed-off assessment keeps its recorded disagreements, but nothing in it can change.
    return Response.objects.filter(assessment__status=Assessment.Status.IN_PROGRESS)


def _count(condition: Q | None):
    """How many of an assessment's open responses meet ``condition``, as an annotation."""
    if condition is None:
        return Value(0, output_field=IntegerField())
    counted = (
        _open_responses()
        .filter(condition, assessment=OuterRef("pk"))
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- Assessments ------------------------------------------------------------------------------


def _signed_off_by(side):
    return Exists(
        SignOff.objects.filter(assessment=OuterRef("pk"), side=side, voided_at__isnull=True)
    )


def _requester_leads(side):
    return Exists(
        Membership.objects.filter(
            user=OuterRef("reopen_requested_by"),
            organisation=OuterRef("organisation"),
            side=side,
            role=Membership.Role.LEAD,
        )
    )


def annotate_waiting(assessments, user):
    """Add what ``waiting_on`` needs to each assessment of ``assessments``, in the same query."""
    duties = duties_of(user)
    assessments = assessments.annotate(
        waiting_review=_count(_to_review(user, duties)),
        waiting_revise=_count(_to_revise(duties)),
    )
    if not duties.lead_sides:
        return assessments
    return assessments.annotate(
        signed_off_management=_signed_off_by(MANAGEMENT),
        signed_off_staff_side=_signed_off_by(STAFF_SIDE),
        signed_off_by_user=Exists(
            SignOff.objects.filter(assessment=OuterRef("pk"), signer=user, voided_at__isnull=True)
        ),
        requester_leads_management=_requester_leads(MANAGEMENT),
        requester_leads_staff_side=_requester_leads(STAFF_SIDE),
    )


@dataclass(frozen=True)
class Waiting:
    """What one assessment is waiting for from one person."""

    review: int = 0
    revise: int = 0
    sign_off: tuple = ()  # the sides this person may sign off for now
    reopen: bool = False

    @property
    def total(self):
        return self.review + self.revise + len(self.sign_off) + int(self.reopen)

    def __bool__(self):
        return self.total > 0

    @property
    def phrases(self) -> list[str]:
        phrases = []
        if self.review:
            phrases.append(f"{self.review} {_criteria(self.review)} to review")
        if self.revise:
            phrases.append(f"{self.revise} {_criteria(self.revise)} to revise or accept")
        if self.sign_off:
            phrases.append("your sign-off")
        if self.reopen:
            phrases.append("a request to reopen")
        return phrases

    @property
    def summary(self) -> str:
        phrases = self.phrases
        if len(phrases) < 2:
            return "".join(phrases)
        return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _criteria(n):
    return "criterion" if n == 1 else "criteria"


def _sides_to_sign(assessment, user, sides) -> tuple:
    if assessment.status != Assessment.Status.IN_PROGRESS or assessment.signed_off_by_user:
        return ()
    signed = {
        MANAGEMENT: assessment.signed_off_management,
        STAFF_SIDE: assessment.signed_off_staff_side,
    }
    return tuple(
        side
        for side in (MANAGEMENT, STAFF_SIDE)
        if side in sides
        and not signed[side]
        # The other lead has signed: it is this side's turn.
        and signed[OTHER_SIDE[side]]
    )


def _reopen_to_agree(assessment, user, sides) -> bool:
    """Mirrors services.confirm_reopen: a lead of a side the requester does not lead."""
    requester = assessment.reopen_requested_by_id
    if not assessment.is_locked or requester is None or requester == user.pk:
        return False
    requester_sides = {
        side
        for side, leads in (
            (MANAGEMENT, assessment.requester_leads_management),
            (STAFF_SIDE, assessment.requester_leads_staff_side),
        )
        if leads
    }
    return bool(sides - requester_sides)


def waiting_on(assessment, user) -> Waiting:
    """What an assessment from ``annotate_waiting`` waits for from ``user``: no queries."""
    sides = duties_of(user).lead_sides.get(assessment.organisation_id, frozenset())
    return Waiting(
        review=assessment.waiting_review,
        revise=assessment.waiting_revise,
        sign_off=_sides_to_sign(assessment, user, sides) if sides else (),
        reopen=_reopen_to_agree(assessment, user, sides) if sides else False,
    )


def _lead_assessments(user, duties):
    """The assessments in which a lead might have a sign-off or a reopening to agree to."""
    return annotate_waiting(
        assessments_for(user)
        .filter(organisation_id__in=duties.leads)
        .select_related("organisation", "framework"),
        user,
    ).filter(
        Q(
            Q(signed_off_management=True) | Q(signed_off_staff_side=True),
            status=Assessment.Status.IN_PROGRESS,
        )
        | Q(status=Assessment.Status.SIGNED_OFF, reopen_requested_by__isnull=False)
    )


def waiting_counts(user) -> dict:
    """Assessment id -> how many things it waits for from ``user``, only where there are any.
    Two queries at most (the memberships and one over assessments)."""
    duties = duties_of(user)
    if not (duties.review or duties.revise or duties.lead_sides):
        return {}
    counts = {}
    for assessment in annotate_waiting(assessments_for(user), user):
        total = waiting_on(assessment, user).total
        if total:
            counts[assessment.pk] = total
    return counts


# --- The list of items ------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingItem:
    kind: Kind
    assessment: Assessment
    response: Response | None = None
    side: str = ""

    @property
    def url(self):
        if self.response is not None:
            return reverse("assessments:criterion", args=[self.assessment.pk, self.response.pk])
        if self.kind == Kind.SIGN_OFF:
            return reverse("assessments:sign_off", args=[self.assessment.pk])
        return reverse("assessments:assessment", args=[self.assessment.pk]) + "#reopen"

    @property
    def title(self):
        if self.response is not None:
            criterion = self.response.criterion
            return f"{criterion.ref} {criterion.statement}"
        if self.kind == Kind.SIGN_OFF:
            return f"Sign off for {SIDE_NAMES[self.side]}"
        return "Agree to reopen"

    @property
    def action(self):
        """What the person is asked to do, in a few words."""
        if self.kind == Kind.REVIEW:
            return "Review for the staff side"
        if self.kind == Kind.REVISE:
            return (
                "Staff side disagreed"
                if self.response.state == Response.State.DISAGREED
                else "Staff side agreed with reservations"
            )
        if self.kind == Kind.SIGN_OFF:
            return f"The {Membership.Side(OTHER_SIDE[self.side]).label.lower()} lead has signed off"
        return "The other side's lead asked to reopen"


@dataclass(frozen=True)
class WaitingGroup:
    assessment: Assessment
    items: list


def waiting_for(user) -> list[WaitingItem]:
    """Everything waiting for ``user``: sign-offs and reopenings first, then criteria in
    checklist order, grouped by assessment. Three queries at most, however many items."""
    duties = duties_of(user)
    conditions = [q for q in (_to_review(user, duties), _to_revise(duties)) if q is not None]
    items = []
    if conditions:
        either = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
        responses = (
            _open_responses()
            .filter(either)
            .select_related("criterion", "assessment__organisation", "assessment__framework")
            .order_by(
                "assessment__organisation__name",
                "-assessment__period",
                "assessment__title",
                "criterion__standard__position",
                "criterion__position",
            )
        )
        for response in responses:
            is_review = (
                response.state == Response.State.SUBMITTED
                and response.assessment.organisation_id in duties.review
            )
            items.append(
                WaitingItem(
                    Kind.REVIEW if is_review else Kind.REVISE, response.assessment, response
                )
            )
    if duties.lead_sides:
        for assessment in _lead_assessments(user, duties):
            waiting = waiting_on(assessment, user)
            items.extend(WaitingItem(Kind.SIGN_OFF, assessment, side=s) for s in waiting.sign_off)
            if waiting.reopen:
                items.append(WaitingItem(Kind.REOPEN, assessment))
    first = {Kind.SIGN_OFF: 0, Kind.REOPEN: 0, Kind.REVIEW: 1, Kind.REVISE: 1}
    # sorted() is stable: criteria keep their checklist order within an assessment.
    return sorted(
        items,
        key=lambda item: (
            item.assessment.organisation.name,
            _descending(item.assessment.period),
            item.assessment.title,
            str(item.assessment.pk),
            first[item.kind],
        ),
    )


def _descending(period: str):
    return tuple(-ord(c) for c in period)


def grouped(items) -> list[WaitingGroup]:
    groups = []
    for item in items:
        if not groups or groups[-1].assessment.pk != item.assessment.pk:
            groups.append(WaitingGroup(item.assessment, []))
        groups[-1].items.append(item)
    return groups
