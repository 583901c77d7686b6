import datetime

import pytest

from assessments.models import Action, ActionPlan, AssessmentEvent, PlanSignature, Response
from assessments.services import (
    NotAllowed,
    post_action_update,
    remove_action,
    save_action,
    save_response,
    sign_plan,
    start_next_cycle,
)
from assessments.signing import verify_plan_signature
from tests.assessments.test_joint_recording import assessment  # noqa: F401  (fixture)
from tests.assessments.test_services import BLANK

pytestmark = pytest.mark.django_db

DUE = datetime.date(2027, 3, 31)


@pytest.fixture
def gap(assessment, hr_lead):  # noqa: F811
    response = assessment.responses.order_by("criterion__ref").first()
    save_response(
        response.pk,
        data={**BLANK, "rating": 1, "barrier": "funding", "barrier_detail": "No budget"},
        expected_version=1,
        user=hr_lead,
    )
    return Response.objects.get(pk=response.pk)


@pytest.fixture
def action(gap, hr_lead, staff_rep):
    return save_action(
        gap.assessment_id,
        user=hr_lead,
        description="Fund lone-worker devices",
        responses=[gap],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )


def test_either_side_builds_the_plan_with_owners_on_both_sides(action, gap, staff_rep, hr_lead):
    assert list(action.responses.all()) == [gap]
    assert (action.management_owner, action.staff_owner, action.status) == (
        hr_lead,
        staff_rep,
        "not_started",
    )
    second = save_action(
        gap.assessment_id,
        user=staff_rep,
        description="Joint review of refusals",
        responses=[gap],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )
    assert ActionPlan.objects.get().actions.count() == 2
    assert second.plan == action.plan


@pytest.mark.parametrize("swap", ["management", "staff"])
def test_owners_must_be_on_the_right_side(gap, hr_lead, staff_rep, swap):
    owners = (
        {"management_owner": staff_rep, "staff_owner": staff_rep}
        if swap == "management"
        else {
            "management_owner": hr_lead,
            "staff_owner": hr_lead,
        }
    )
    with pytest.raises(NotAllowed, match="owner"):
        save_action(
            gap.assessment_id,
            user=hr_lead,
            description="x",
            responses=[gap],
            target_date=DUE,
            **owners,
        )
    assert not Action.objects.exists()


def test_viewers_cannot_change_the_plan(gap, viewer, hr_lead, staff_rep):
    with pytest.raises(NotAllowed):
        save_action(
            gap.assessment_id,
            user=viewer,
            description="x",
            responses=[gap],
            management_owner=hr_lead,
            staff_owner=staff_rep,
            target_date=DUE,
        )


def test_criteria_must_belong_to_the_assessment(gap, hr_lead, staff_rep, organisation):
    from assessments.services import start_assessment
    from tests.assessments.test_services import make_framework

    other = start_assessment(
        organisation=organisation,
        framework=make_framework(slug="other"),
        period="2026/27",
        title="o",
        user=hr_lead,
    )
    with pytest.raises(NotAllowed, match="criterion"):
        save_action(
            gap.assessment_id,
            user=hr_lead,
            description="x",
            responses=[other.responses.first()],
            management_owner=hr_lead,
            staff_owner=staff_rep,
            target_date=DUE,
        )


class TestSigning:
    def test_both_leads_sign_and_a_change_voids_and_is_recorded(
        self, action, gap, hr_lead, staff_rep
    ):
        sign_plan(gap.assessment_id, user=hr_lead, side="management")
        sign_plan(gap.assessment_id, user=staff_rep, side="staff_side")
        signatures = list(PlanSignature.objects.all())
        assert len(signatures) == 2 and all(verify_plan_signature(s).matches for s in signatures)
        save_action(
            gap.assessment_id,
            user=hr_lead,
            description="Fund devices for all community staff",
            responses=[gap],
            management_owner=hr_lead,
            staff_owner=staff_rep,
            target_date=DUE,
            action=action,
        )
        assert not PlanSignature.objects.filter(voided_at__isnull=True).exists()
        assert AssessmentEvent.objects.filter(
            kind=AssessmentEvent.Kind.PLAN_SIGNATURES_VOIDED
        ).exists()
        assert not any(verify_plan_signature(s).matches for s in PlanSignature.objects.all())

    def test_removing_an_action_voids(self, action, gap, hr_lead, staff_rep):
        sign_plan(gap.assessment_id, user=hr_lead, side="management")
        remove_action(action, user=staff_rep)
        assert not PlanSignature.objects.filter(voided_at__isnull=True).exists()

    def test_progress_updates_do_not_void_the_agreement(self, action, gap, hr_lead, staff_rep):
        sign_plan(gap.assessment_id, user=hr_lead, side="management")
        update = post_action_update(
            action.pk, user=staff_rep, text="Quotes received", status="in_progress"
        )
        assert update.side == "staff_side"
        assert Action.objects.get(pk=action.pk).status == "in_progress"
        assert PlanSignature.objects.filter(voided_at__isnull=True).count() == 1

    def test_only_leads_sign_and_nobody_signs_both_sides(
        self, action, gap, hr_lead, contributor, organisation
    ):
        from tests.factories import MembershipFactory

        with pytest.raises(NotAllowed, match="lead"):
            sign_plan(gap.assessment_id, user=contributor, side="management")
        MembershipFactory(user=hr_lead, organisation=organisation, side="staff_side", role="lead")
        hr_lead.__dict__.pop("_memberships_by_org")  # memberships are cached per request
        sign_plan(gap.assessment_id, user=hr_lead, side="management")
        with pytest.raises(NotAllowed, match="other side"):
            sign_plan(gap.assessment_id, user=hr_lead, side="staff_side")

    def test_an_empty_plan_cannot_be_signed(self, gap, hr_lead):
        with pytest.raises(NotAllowed, match="at least one action"):
            sign_plan(gap.assessment_id, user=hr_lead, side="management")


def test_open_actions_carry_forward_with_their_history(action, gap, hr_lead, staff_rep):
    post_action_update(action.pk, user=staff_rep, text="Started", status="in_progress")
    done = save_action(
        gap.assessment_id,
        user=hr_lead,
        description="Already done",
        responses=[gap],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )
    post_action_update(done.pk, user=hr_lead, text="Finished", status="done")
    sign_plan(gap.assessment_id, user=hr_lead, side="management")

    previous = gap.assessment
    nxt = start_next_cycle(
        previous, framework=previous.framework, period="2027/28", title="Next", user=hr_lead
    )

    carried = nxt.action_plan.actions.get()
    assert carried.carried_from == action
    assert carried.description == "Fund lone-worker devices" and carried.status == "in_progress"
    assert [r.criterion.ref for r in carried.responses.all()] == [gap.criterion.ref]
    assert carried.responses.get().assessment == nxt
    assert [u.text for u in carried.updates.all()] == ["Started"]
    # The previous plan keeps its actions, so its signature still verifies.
    assert previous.action_plan.actions.count() == 2
    assert verify_plan_signature(PlanSignature.objects.get()).matches


def test_an_unknown_side_is_refused_not_a_crash(action, gap, hr_lead):
    from assessments.services import sign_off

    with pytest.raises(NotAllowed, match="side"):
        sign_plan(gap.assessment_id, user=hr_lead, side="both")
    with pytest.raises(NotAllowed, match="side"):
        sign_off(gap.assessment_id, user=hr_lead, side="both", joint_statement="x")


def test_editing_an_action_keeps_a_status_posted_meanwhile(action, gap, hr_lead, staff_rep):
    stale = Action.objects.get(pk=action.pk)
    post_action_update(action.pk, user=staff_rep, text="Started", status="in_progress")
    save_action(
        gap.assessment_id,
        user=hr_lead,
        description="Reworded",
        responses=[gap],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
        action=stale,
    )
    assert Action.objects.get(pk=action.pk).status == "in_progress"
