"""The assessment as a whole: what is waiting for you, the joint sign-off, reopening, history.

Every rule (who signs for which side, the same joint statement, everything settled first,
both leads to reopen) is enforced by assessments.services; these views ask, show the answer,
and never decide anything on their own beyond who may see a form.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partnership import rules as access_rules
from partnership.models import Membership
from partnership.signing import ledger

from .. import services
from ..access import get_assessment_for
from ..forms import ReopenForm, SignOffForm
from ..models import ActionPlan, Assessment, AssessmentEvent, Response, ResponseChange, SignOff
from ..presenters import RatingScale
from ..presenters import history as present_changes
from ..signing import Verification, plan_content, sign_off_shown, verify_sign_offs
from ..waiting import grouped, waiting_for
from . import changed, refused

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
SIDES = (MANAGEMENT, STAFF_SIDE)
SETTLED = (
    Response.State.AGREED,
    Response.State.AGREED_WITH_RESERVATIONS,
    Response.State.DISAGREED,
)
# The overview lists this many unsettled criteria; the sign-off page lists them all.
OVERVIEW_UNSETTLED_SHOWN = 10
HISTORY_PAGE_SIZE = 50
# The criterion-level entries of the "signatures and comments only" history.
JOINT_CHANGE_KINDS = (
    ResponseChange.Kind.SIGNED,
    ResponseChange.Kind.SIGNATURES_VOIDED,
    ResponseChange.Kind.COMMENTED,
    ResponseChange.Kind.STAFF_RATING,
)
EVENT_KINDS = frozenset(AssessmentEvent.Kind.values)


def _crumbs(assessment=None):
    crumbs = [{"text": "Home", "href": reverse("assessments:home")}]
    if assessment is not None:
        crumbs.append(
            {
                "text": assessment.title,
                "href": reverse("assessments:assessment", args=[assessment.pk]),
            }
        )
    return crumbs


def _overview_url(assessment, anchor="joint-sign-off"):
    return reverse("assessments:assessment", args=[assessment.pk]) + f"#{anchor}"


# --- Where the joint sign-off stands ----------------------------------------------------------


@dataclass(frozen=True)
class LeadSignOff:
    """One side's part in the sign-off: its active signature on the joint statement, if any."""

    side: str
    sign_off: SignOff | None
    verification: Verification | None

    @property
    def label(self):
        return Membership.Side(self.side).label

    @property
    def lead_title(self):
        return "Management lead" if self.side == MANAGEMENT else "Staff-side lead"


@dataclass
class JointStatus:
    """Where an assessment's joint sign-off stands, as one user sees it.

    Built by ``joint_status`` in a fixed number of queries: the criteria's states, the
    unsettled criteria, the active sign-offs, and, when there are any, what verifying them
    all the way down reads (signing.verify_sign_offs: the responses with their files, links
    and active signatures, the ledger's void entries and the snapshot).
    """

    assessment: Assessment
    user: object
    applicable: int
    agreed: int
    reservations: int
    disagreed: int
    unsettled: list
    sign_offs: dict
    lead_sides: frozenset = field(default_factory=frozenset)

    @property
    def agreed_total(self):
        return self.agreed + self.reservations

    @property
    def unsettled_count(self):
        return self.applicable - self.agreed - self.reservations - self.disagreed

    @property
    def more_unsettled(self):
        return self.unsettled_count - len(self.unsettled)

    @property
    def is_settled(self):
        return self.unsettled_count == 0

    @property
    def management(self) -> LeadSignOff:
        return self.sign_offs[MANAGEMENT]

    @property
    def staff_side(self) -> LeadSignOff:
        return self.sign_offs[STAFF_SIDE]

    @property
    def leads(self) -> list[LeadSignOff]:
        return [self.sign_offs[side] for side in SIDES]

    @property
    def signed(self) -> list[LeadSignOff]:
        return [lead for lead in self.leads if lead.sign_off is not None]

    @property
    def signed_on(self):
        """When the last lead signed: the moment the assessment was signed off."""
        return max((lead.sign_off.created_at for lead in self.signed), default=None)

    @property
    def agreed_statement(self):
        """The joint statement a lead has already signed, which the other must sign too."""
        signed = self.signed
        return signed[0].sign_off.joint_statement if signed else None

    @property
    def is_lead(self):
        return bool(self.lead_sides)

    @property
    def signed_by_user(self) -> LeadSignOff | None:
        return next((lead for lead in self.signed if lead.sign_off.signer_id == self.user.pk), None)

    @property
    def sides_to_sign(self):
        return [
            side for side in SIDES if side in self.lead_sides and side not in self._signed_sides
        ]

    @property
    def _signed_sides(self):
        return {lead.side for lead in self.signed}

    @property
    def can_sign(self):
        """Whether to offer this user the sign-off form (the service has the last word)."""
        return (
            not self.assessment.is_locked
            and self.is_settled
            and self.signed_by_user is None
            and bool(self.sides_to_sign)
        )

    @property
    def waiting_for_sides(self):
        """The sides whose lead has not signed yet."""
        return [lead for lead in self.leads if lead.sign_off is None]

    # Reopening

    @property
    def reopen_requested(self):
        return self.assessment.is_locked and self.assessment.reopen_requested_by_id is not None

    @property
    def is_requester(self):
        return self.reopen_requested and self.assessment.reopen_requested_by_id == self.user.pk

    @property
    def can_request_reopen(self):
        return self.assessment.is_locked and self.is_lead and not self.reopen_requested

    @cached_property
    def requester(self):
        return self.assessment.reopen_requested_by if self.reopen_requested else None

    @cached_property
    def can_agree_to_reopen(self):
        """Mirrors services.confirm_reopen: a lead of a side the requester does not lead."""
        if not self.reopen_requested or self.is_requester or not self.is_lead:
            return False
        organisation = self.assessment.organisation
        requester_sides = {
            side
            for side in SIDES
            if access_rules.can_sign_off_for[side](self.requester, organisation)
        }
        return bool(self.lead_sides - requester_sides)


def lead_sides(user, organisation) -> frozenset:
    return frozenset(
        side for side in SIDES if access_rules.can_sign_off_for[side](user, organisation)
    )


def unsettled_responses(assessment):
    """The applicable criteria neither agreed nor recorded as disagreed, in checklist order:
    services.unsettled_criteria's rule, with the responses to link to."""
    return (
        assessment.responses.filter(not_applicable=False)
        .exclude(state__in=SETTLED)
        .select_related("criterion")
        .order_by("criterion__standard__position", "criterion__position")
    )


def joint_status(assessment, user, *, unsettled_shown=None) -> JointStatus:
    applicable = Q(not_applicable=False)
    counts = assessment.responses.aggregate(
        applicable=Count("pk", filter=applicable),
        agreed=Count("pk", filter=applicable & Q(state=Response.State.AGREED)),
        reservations=Count(
            "pk", filter=applicable & Q(state=Response.State.AGREED_WITH_RESERVATIONS)
        ),
        disagreed=Count("pk", filter=applicable & Q(state=Response.State.DISAGREED)),
    )
    unsettled = unsettled_responses(assessment)
    if unsettled_shown is not None:
        unsettled = unsettled[:unsettled_shown]
    active = {
        sign_off.side: sign_off
        for sign_off in assessment.sign_offs.filter(voided_at__isnull=True).select_related(
            "signer", "ledger_entry", "void_entry"
        )
    }
    verifications = verify_sign_offs(assessment, active.values())
    sign_offs = {
        side: LeadSignOff(
            side,
            active.get(side),
            verifications[active[side].pk] if side in active else None,
        )
        for side in SIDES
    }
    return JointStatus(
        assessment=assessment,
        user=user,
        unsettled=list(unsettled),
        sign_offs=sign_offs,
        lead_sides=lead_sides(user, assessment.organisation),
        **counts,
    )


def overview_context(request, assessment) -> dict:
    """The overview page's "Joint sign-off" section."""
    joint = joint_status(assessment, request.user, unsettled_shown=OVERVIEW_UNSETTLED_SHOWN)
    return {
        "joint": joint,
        "reopen_form": ReopenForm() if joint.can_request_reopen else None,
    }


# --- Waiting for you --------------------------------------------------------------------------


@require_GET
def waiting(request):
    items = waiting_for(request.user)
    return render(
        request,
        "assessments/signoff/waiting.html",
        {"groups": grouped(items), "count": len(items), "breadcrumbs": _crumbs()},
    )


# --- Signing off ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_off(request, pk):
    posting = request.method == "POST"
    # Any member may read where the sign-off stands; only the two sides' leads may sign.
    assessment = get_assessment_for(
        request, pk, write=posting, rule=access_rules.is_lead_on_either_side
    )
    status = joint_status(assessment, request.user)
    form = None
    # Someone who leads both sides always chooses a side from both: the service, not the form,
    # refuses a second signature by the same person, and says why.
    sides = [side for side in SIDES if side in status.lead_sides]
    if posting:
        form = SignOffForm(request.POST, sides=sides, agreed_statement=status.agreed_statement)
        if form.is_valid():
            try:
                signed = services.sign_off(
                    assessment.pk,
                    user=request.user,
                    side=form.signing_side,
                    joint_statement=form.cleaned_data["joint_statement"],
                    side_statement=form.cleaned_data["side_statement"],
                    seen=form.cleaned_data["seen"],
                )
            except services.ContentChanged:
                return _changed(request, assessment)
            except (services.NotAllowed, services.AssessmentLocked) as refusal:
                form.add_error(None, str(refusal))
            else:
                return _signed(request, signed)
    elif status.can_sign:
        form = SignOffForm(
            sides=sides, agreed_statement=status.agreed_statement, seen=sign_off_seen(assessment)
        )
    show_form = form is not None and (status.can_sign or _has_field_errors(form))
    return render(
        request,
        "assessments/signoff/sign_off.html",
        {
            "assessment": assessment,
            "joint": status,
            "form": form,
            "show_form": show_form,
            "breadcrumbs": _crumbs(assessment),
        },
        status=400 if form is not None and form.errors else 200,
    )


def sign_off_seen(assessment) -> str:
    """The digest of what the sign-off page shows: the criteria and the action plan."""
    plan = ActionPlan.objects.filter(assessment_id=assessment.pk).first()
    shown = sign_off_shown(assessment, plan_content(plan) if plan is not None else None)
    return ledger.digest_of(shown)


def _changed(request, assessment):
    """The criteria or the action plan changed after the lead opened the sign-off page."""
    status = joint_status(assessment, request.user)
    return changed(
        request,
        heading=f"{assessment.title} has changed",
        caption=assessment.organisation.name,
        back_url=reverse("assessments:sign_off", args=[assessment.pk]),
        back_text="Open the sign-off page again",
        breadcrumbs=_crumbs(assessment),
        current=[
            {"label": "Agreed by both sides", "value": str(status.agreed_total)},
            {"label": "Disagreement recorded", "value": str(status.disagreed)},
            {"label": "Not yet settled", "value": str(status.unsettled_count)},
        ],
        more=[
            "A criterion, a signature on one, or the joint action plan changed after you "
            "opened the sign-off page. Its history and the action plan show what changed.",
        ],
    )


def _has_field_errors(form):
    return any(name in form.errors for name in form.fields)


def _signed(request, signed: SignOff):
    assessment = signed.assessment
    side = Membership.Side(signed.side).label.lower()
    if assessment.is_locked:
        messages.success(
            request,
            "Signed off. Both leads have signed the joint statement: this self-assessment is "
            "now read-only.",
        )
    else:
        other = "staff-side" if signed.side == MANAGEMENT else "management"
        messages.success(
            request,
            f"You have signed the joint statement for {side}. The {other} lead has been asked "
            "to sign the same statement.",
        )
    return redirect(_overview_url(assessment))


# --- Reopening --------------------------------------------------------------------------------


def _lead_action(request, pk):
    """Reopening is for the two sides' leads, on a signed-off assessment (hence locked_ok)."""
    return get_assessment_for(
        request, pk, write=True, rule=access_rules.is_lead_on_either_side, locked_ok=True
    )


def _refused(request, assessment, heading, reason):
    return refused(
        request,
        message=reason,
        heading=heading,
        caption=assessment.organisation.name,
        back_url=reverse("assessments:assessment", args=[assessment.pk]) + "#joint-sign-off",
        back_text=f"Back to {assessment.title}",
        breadcrumbs=_crumbs(assessment),
    )


@require_POST
def request_reopen(request, pk):
    assessment = _lead_action(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.request_reopen(
                assessment.pk, user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.NotAllowed as refusal:
            return _refused(request, assessment, "You cannot ask to reopen this", str(refusal))
        messages.success(
            request,
            "You have asked to reopen this self-assessment. The other side's lead has been "
            "asked to agree.",
        )
        return redirect(_overview_url(assessment))
    return render(
        request,
        "assessments/signoff/reopen.html",
        {"assessment": assessment, "form": form, "breadcrumbs": _crumbs(assessment)},
        status=400,
    )


@require_POST
def confirm_reopen(request, pk):
    assessment = _lead_action(request, pk)
    try:
        services.confirm_reopen(assessment.pk, user=request.user)
    except services.NotAllowed as refusal:
        return _refused(request, assessment, "You cannot agree to reopen this", str(refusal))
    messages.success(
        request,
        "Reopened. Both sign-offs are void: the criteria can be changed again, and both leads "
        "must sign off again.",
    )
    return redirect(_overview_url(assessment))


@require_POST
def withdraw_reopen(request, pk):
    assessment = _lead_action(request, pk)
    try:
        services.withdraw_reopen(assessment.pk, user=request.user)
    except services.NotAllowed as refusal:
        return _refused(request, assessment, "You cannot withdraw this request", str(refusal))
    messages.success(request, "You have withdrawn your request to reopen this self-assessment.")
    return redirect(_overview_url(assessment))


# --- History ----------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    created_at: object
    what: str
    who: str
    description: str = ""
    fields: list = field(default_factory=list)
    criterion: object = None
    url: str = ""

    @property
    def is_assessment_event(self):
        return self.criterion is None


def _who(user):
    return user.get_full_name() if user else "Someone no longer here"


def _timeline(assessment, joint_only):
    """Assessment events and criterion changes, newest first, as one query to page through."""
    events = (
        AssessmentEvent.objects.filter(assessment=assessment)
        .order_by()
        .values_list("kind", "id", "created_at")
    )
    changes = ResponseChange.objects.filter(response__assessment=assessment)
    if joint_only:
        changes = changes.filter(kind__in=JOINT_CHANGE_KINDS)
    changes = changes.order_by().values_list("kind", "id", "created_at")
    # The two tables' kinds never overlap, so a row's kind says which table it came from.
    return events.union(changes, all=True).order_by("-created_at", "-id")


def _entries(assessment, rows) -> list[TimelineEntry]:
    """One page's rows, fetched in full: two queries, and one for the rating scale."""
    event_ids = [pk for kind, pk, _ in rows if kind in EVENT_KINDS]
    change_ids = [pk for kind, pk, _ in rows if kind not in EVENT_KINDS]
    events = {
        event.pk: event
        for event in AssessmentEvent.objects.filter(
            assessment=assessment, pk__in=event_ids
        ).select_related("user")
    }
    changes = ResponseChange.objects.filter(
        response__assessment=assessment, pk__in=change_ids
    ).select_related("user", "response__criterion")
    scale = RatingScale.for_framework(assessment.framework)
    presented = {entry.change.pk: entry for entry in present_changes(changes, scale)}
    entries = []
    for kind, pk, _ in rows:
        if kind in EVENT_KINDS:
            event = events.get(pk)
            if event is not None:
                entries.append(
                    TimelineEntry(
                        created_at=event.created_at,
                        what=event.get_kind_display(),
                        who=_who(event.user),
                        description=event.detail,
                    )
                )
            continue
        entry = presented.get(pk)
        if entry is None:
            continue
        change = entry.change
        entries.append(
            TimelineEntry(
                created_at=change.created_at,
                what=change.get_kind_display(),
                who=entry.who,
                description=entry.description,
                fields=entry.fields,
                criterion=change.response.criterion,
                url=reverse("assessments:criterion", args=[assessment.pk, change.response_id]),
            )
        )
    return entries


@require_GET
def history(request, pk):
    assessment = get_assessment_for(request, pk)
    joint_only = request.GET.get("show") == "joint"
    page = Paginator(_timeline(assessment, joint_only), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "assessments/signoff/history.html",
        {
            "assessment": assessment,
            "page": page,
            "entries": _entries(assessment, list(page.object_list)),
            "joint_only": joint_only,
            "breadcrumbs": _crumbs(assessment),
        },
    )
