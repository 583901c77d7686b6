"""Joint action plans: actions, progress updates and both leads' signatures on the plan. Each
workflow runs in one transaction, or not at all."""

from django.db import transaction

from partnership import rules as access_rules
from partnership.models import Membership
from partnership.signing import ledger

from .. import notifications
from ..models import (
    Action,
    ActionPlan,
    ActionUpdate,
    AssessmentEvent,
    PlanSignature,
)
from ..signing import (
    plan_content,
)
from .common import (
    MANAGEMENT,
    STAFF_SIDE,
    NotAllowed,
    _check_side,
    _lock_assessment,
    _require,
    _void,
    _void_sign_offs,
)


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
