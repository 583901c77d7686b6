"""How joint action plans read, on pages, in the PDF and in the exports.

- ``action_rag``: the one rule for an action's RAG colour, from its status and target date;
- tags for an action's status and for the side of a progress update;
- the scoped queries the action pages list from (an organisation's people who may own an
  action, its actions across every assessment, with filters), each a fixed number of queries.

Writing (adding, changing, removing, signing, progress) is ``assessments.services``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q

from partnership.models import Membership

from .models import Action, ActionUpdate, PlanSignature, Response, Standard
from .presenters import TAG_FOR_RAG, RatingScale, Tag

# An open action due within this many days is amber.
DUE_SOON_DAYS = 30

STATUS_COLOURS = {
    Action.Status.NOT_STARTED: "grey",
    Action.Status.IN_PROGRESS: "blue",
    Action.Status.DONE: "green",
    Action.Status.BLOCKED: "red",
}
SIDE_COLOURS = {Membership.Side.MANAGEMENT: "blue", Membership.Side.STAFF_SIDE: "purple"}
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


@dataclass(frozen=True)
class ActionRag:
    """An action's RAG colour, in words, and whether it is overdue (highlighted everywhere)."""

    rag: str  # "red", "amber" or "green"
    text: str
    overdue: bool = False

    @property
    def tag(self) -> Tag:
        return Tag(self.text, TAG_FOR_RAG[self.rag])

    @property
    def label(self) -> str:
        """For exports: "Red: Overdue"."""
        return f"{RAG_WORDS[self.rag]}: {self.text}"


def action_rag(action, today: datetime.date) -> ActionRag:
    """Done is green; blocked is red; an open action past its target date is red (overdue);
    one due within 30 days is amber; any other is green."""
    status = action.status
    if status == Action.Status.DONE:
        return ActionRag("green", "Done")
    overdue = action.target_date < today
    if status == Action.Status.BLOCKED:
        return ActionRag("red", "Overdue" if overdue else "Blocked", overdue)
    if overdue:
        return ActionRag("red", "Overdue", True)
    if action.target_date <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return ActionRag("amber", "Due soon")
    return ActionRag("green", "On track")


def status_tag(status) -> Tag:
    label = Action.Status(status).label if status in Action.Status.values else str(status)
    return Tag(label, STATUS_COLOURS.get(status, "grey"))


def side_tag(side) -> Tag:
    label = Membership.Side(side).label if side in Membership.Side.values else str(side)
    return Tag(label, SIDE_COLOURS.get(side, "grey"))


def carried_from_text(action) -> str:
    """ "Carried forward from 2025/26", from ``carried_from__plan__assessment`` (loaded)."""
    earlier = action.carried_from
    if earlier is None:
        return ""
    return f"Carried forward from {earlier.plan.assessment.period}"


def is_gap(response, met_value) -> bool:
    """What an action plan is for: an applicable criterion the management side rates below
    met, or one whose rating the staff side has disagreed with."""
    if response.not_applicable:
        return False
    below = response.rating is not None and response.rating < met_value
    return below or response.state == Response.State.DISAGREED


# --- Loading actions with what pages show -----------------------------------------------------


def with_details(actions, *, updates=True, carried_to=False):
    """Actions with their owners, where they were carried from, the criteria they address
    (``criteria_list``, in checklist order), with ``updates`` their progress log
    (``update_list``, oldest first) and with ``carried_to`` the copies later cycles carried
    forward (``carried_to_list``): one query each however many actions."""
    prefetches = [
        Prefetch(
            "responses",
            queryset=Response.objects.select_related("criterion").order_by(
                "criterion__standard__position", "criterion__position"
            ),
            to_attr="criteria_list",
        )
    ]
    if updates:
        prefetches.append(
            Prefetch(
                "updates",
                queryset=ActionUpdate.objects.select_related("author").order_by("created_at", "id"),
                to_attr="update_list",
            )
        )
    if carried_to:
        prefetches.append(
            Prefetch(
                "carried_to",
                queryset=Action.objects.select_related("plan__assessment").order_by(
                    "plan__assessment__period"
                ),
                to_attr="carried_to_list",
            )
        )
    return actions.select_related(
        "management_owner", "staff_owner", "carried_from__plan__assessment"
    ).prefetch_related(*prefetches)


def active_plan_signatures(assessment) -> list[PlanSignature]:
    """The plan's active signatures, management first (one query)."""
    return sorted(
        PlanSignature.objects.filter(plan__assessment_id=assessment.pk, voided_at__isnull=True),
        key=lambda s: s.side != Membership.Side.MANAGEMENT,
    )


def criteria_choices(assessment) -> list[tuple[Response, str]]:
    """The assessment's criteria to choose from for an action, gaps first, each with a hint
    (the gap and whether it has an action yet; criteria that do not apply come last). Three
    queries: the rating levels, the responses, and the criteria with actions."""
    scale = RatingScale.for_framework(assessment.framework)
    met = assessment.framework.met_value
    responses = list(
        assessment.responses.select_related("criterion").order_by(
            "criterion__standard__position", "criterion__position"
        )
    )
    with_actions = set(
        assessment.responses.filter(actions__plan__assessment_id=assessment.pk).values_list(
            "pk", flat=True
        )
    )
    gaps, others, not_applicable = [], [], []
    for response in responses:
        if is_gap(response, met):
            parts = ["Gap"]
            if response.rating is not None and response.rating < met:
                parts.append(f"rated “{scale.label(response.rating)}”")
            if response.state == Response.State.DISAGREED:
                parts.append("the staff side disagrees")
            hint = ", ".join(parts[1:])
            hint = f"Gap: {hint}." if hint else "Gap."
            hint += " Has an action." if response.pk in with_actions else " No action yet."
            gaps.append((response, hint))
        elif response.not_applicable:
            not_applicable.append((response, "Does not apply."))
        else:
            others.append((response, ""))
    return [*gaps, *others, *not_applicable]


# --- Who may own an action ---------------------------------------------------------------------


def possible_owners(organisation) -> dict[str, list]:
    """The organisation's leads and contributors of each side (one query), by side: the
    people an action's owners are chosen from (services.save_action checks this too)."""
    owners = {Membership.Side.MANAGEMENT: [], Membership.Side.STAFF_SIDE: []}
    memberships = (
        organisation.memberships.filter(
            role__in=(Membership.Role.LEAD, Membership.Role.CONTRIBUTOR)
        )
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    for membership in memberships:
        if membership.user.is_active:
            owners[membership.side].append(membership.user)
    return owners


# --- One organisation's actions, across its assessments ----------------------------------------

OVERDUE = "overdue"
OPEN = "open"


def organisation_actions(user, organisation):
    """Every action of the organisation's plans with what a list shows, in two queries: the
    actions (with owners, assessment and where they were carried from) and the criteria they
    address. An action carried forward into a later cycle is listed once, as its latest copy."""
    actions = (
        Action.objects.visible_to(user)
        .filter(plan__assessment__organisation=organisation)
        # An action carried forward is followed up in the later cycle: list it once, there.
        .exclude(Exists(Action.objects.filter(carried_from=OuterRef("pk"))))
    )
    return (
        with_details(actions, updates=False)
        .select_related("plan__assessment")
        .order_by("target_date", "created_at", "pk")
    )


def filter_actions(actions, *, owner=None, status="", standard="", today=None):
    """Narrow ``organisation_actions`` by owner (on either side), status (one of the
    statuses, "open" or "overdue") and standard ref (across framework versions)."""
    if owner is not None:
        actions = actions.filter(Q(management_owner=owner) | Q(staff_owner=owner))
    if status == OVERDUE:
        actions = actions.filter(status__in=Action.OPEN, target_date__lt=today)
    elif status == OPEN:
        actions = actions.filter(status__in=Action.OPEN)
    elif status:
        actions = actions.filter(status=status)
    if standard:
        actions = actions.filter(
            pk__in=Action.objects.filter(responses__criterion__standard__ref=standard).values("pk")
        )
    return actions


def standards_of(organisation) -> list[tuple[str, str]]:
    """(ref, title) of the standards of every framework the organisation has assessed
    against, one per ref (the newest framework's title), in the framework's order."""
    rows = (
        Standard.objects.filter(framework__assessments__organisation=organisation)
        .order_by("position", "ref", "-framework__publication_date")
        .values_list("ref", "title")
    )
    seen = {}
    for ref, title in rows:
        seen.setdefault(ref, title)
    return list(seen.items())
