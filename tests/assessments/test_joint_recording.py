"""The joint recording workflow: submit, co-sign or dissent, voiding, verification, sign-off."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from assessments.models import (
    Assessment,
    AssessmentEvent,
    EvidenceFile,
    Response,
    ResponseChange,
    Signature,
    SignOff,
)
from assessments.notifications import send_due_notifications
from assessments.services import (
    AssessmentLocked,
    NotAllowed,
    add_comment,
    add_evidence_file,
    add_evidence_link,
    confirm_reopen,
    record_staff_rating,
    remove_evidence_file,
    remove_evidence_link,
    request_reopen,
    save_response,
    sign_off,
    staff_side_sign,
    start_assessment,
    submit_response,
)
from assessments.signing import verify_sign_off, verify_signature
from partnership.models import Membership
from tests.assessments.test_services import BLANK, make_framework
from tests.factories import MembershipFactory, RatingLevelFactory, UserFactory

pytestmark = pytest.mark.django_db

AGREED = Signature.Decision.AGREED
RESERVATIONS = Signature.Decision.AGREED_WITH_RESERVATIONS
DISAGREED = Signature.Decision.DISAGREED


@pytest.fixture
def assessment(organisation, hr_lead):
    framework = make_framework(refs=("A1", "A2"))
    for value, label, rag in (
        (0, "Not in place", "red"),
        (1, "Partly", "amber"),
        (2, "In place", "green"),
    ):
        RatingLevelFactory(framework=framework, value=value, label=label, rag=rag)
    return start_assessment(
        organisation=organisation, framework=framework, period="2026/27", title="IWL", user=hr_lead
    )


@pytest.fixture
def response(assessment, hr_lead):
    response = assessment.responses.order_by("criterion__ref").first()
    save_response(
        response.pk,
        data={**BLANK, "rating": 2, "narrative": "Policy agreed"},
        expected_version=1,
        user=hr_lead,
    )
    return Response.objects.get(pk=response.pk)


def fresh(response):
    return Response.objects.get(pk=response.pk)


def active(response):
    return {s.side: s for s in Signature.objects.filter(response=response, voided_at__isnull=True)}


def settle_all(assessment, hr_lead, staff_rep):
    for r in assessment.responses.all():
        if r.state == Response.State.DRAFT:
            if r.rating is None:
                save_response(
                    r.pk, data={**BLANK, "rating": 2}, expected_version=r.version, user=hr_lead
                )
            submit_response(r.pk, user=hr_lead)
            staff_side_sign(r.pk, user=staff_rep, decision=AGREED)


class TestSubmitAndSign:
    @pytest.mark.smoke
    def test_agreed_needs_both_signatures_on_the_same_version(self, response, hr_lead, staff_rep):
        submit_response(response.pk, user=hr_lead)
        assert fresh(response).state == Response.State.SUBMITTED
        assert not fresh(response).is_agreed
        staff_side_sign(response.pk, user=staff_rep, decision=AGREED, staff_rating=2)
        response = fresh(response)
        signatures = active(response)
        assert response.state == Response.State.AGREED and response.is_agreed
        assert (
            signatures["management"].response_version
            == signatures["staff_side"].response_version
            == response.version
        )
        assert verify_signature(signatures["management"]).matches
        assert verify_signature(signatures["staff_side"]).matches

    def test_a_draft_cannot_be_submitted_without_a_rating(self, assessment, hr_lead):
        draft = assessment.responses.last()
        with pytest.raises(NotAllowed, match="Rate this criterion"):
            submit_response(draft.pk, user=hr_lead)

    def test_a_gap_needs_its_reason_before_submitting(self, assessment, hr_lead):
        gap = assessment.responses.last()
        save_response(gap.pk, data={**BLANK, "rating": 1}, expected_version=1, user=hr_lead)
        with pytest.raises(NotAllowed, match="not in place"):
            submit_response(gap.pk, user=hr_lead)

    @pytest.mark.parametrize("decision", [RESERVATIONS, DISAGREED])
    def test_reservations_and_disagreement_need_a_comment(
        self, response, hr_lead, staff_rep, decision
    ):
        submit_response(response.pk, user=hr_lead)
        with pytest.raises(NotAllowed, match="comment"):
            staff_side_sign(response.pk, user=staff_rep, decision=decision, comment="  ")
        staff_side_sign(
            response.pk, user=staff_rep, decision=decision, comment="Night staff excluded"
        )
        assert fresh(response).state == decision
        assert fresh(response).is_settled

    def test_staff_side_cannot_sign_before_submission(self, response, staff_rep):
        with pytest.raises(NotAllowed, match="submitted"):
            staff_side_sign(response.pk, user=staff_rep, decision=AGREED)

    def test_only_management_submits_and_only_staff_side_signs(
        self, response, staff_rep, hr_lead, viewer
    ):
        with pytest.raises(NotAllowed):
            submit_response(response.pk, user=staff_rep)
        with pytest.raises(NotAllowed):
            submit_response(response.pk, user=viewer)
        submit_response(response.pk, user=hr_lead)
        with pytest.raises(NotAllowed):
            staff_side_sign(response.pk, user=hr_lead, decision=AGREED)
        with pytest.raises(NotAllowed):
            staff_side_sign(response.pk, user=viewer, decision=AGREED)
        staff_viewer = UserFactory()
        MembershipFactory(
            user=staff_viewer,
            organisation=response.assessment.organisation,
            side="staff_side",
            role="viewer",
        )
        with pytest.raises(NotAllowed):
            staff_side_sign(response.pk, user=staff_viewer, decision=AGREED)

    def test_nobody_signs_for_both_sides_on_one_criterion(self, response, hr_lead):
        MembershipFactory(
            user=hr_lead,
            organisation=response.assessment.organisation,
            side=Membership.Side.STAFF_SIDE,
            role=Membership.Role.LEAD,
        )
        submit_response(response.pk, user=hr_lead)
        with pytest.raises(NotAllowed, match="cannot also sign"):
            staff_side_sign(response.pk, user=hr_lead, decision=AGREED)
        assert fresh(response).state == Response.State.SUBMITTED

    def test_revise_and_resubmit_after_disagreement(self, response, hr_lead, staff_rep):
        submit_response(response.pk, user=hr_lead)
        staff_side_sign(
            response.pk,
            user=staff_rep,
            decision=DISAGREED,
            comment="No evidence for community staff",
        )
        save_response(
            response.pk,
            data={**BLANK, "rating": 2, "narrative": "Now covers community staff"},
            expected_version=fresh(response).version,
            user=hr_lead,
        )
        assert fresh(response).state == Response.State.DRAFT
        assert active(response) == {}
        submit_response(response.pk, user=hr_lead)
        staff_side_sign(response.pk, user=staff_rep, decision=AGREED)
        assert fresh(response).state == Response.State.AGREED
        assert Signature.objects.filter(response=response).count() == 4
        assert Signature.objects.filter(response=response, voided_at__isnull=False).count() == 2


class TestVoiding:
    @pytest.fixture
    def agreed(self, response, hr_lead, staff_rep, tmp_path, settings):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
        add_evidence_link(
            response.pk, url="https://intranet.example/policy", title="Policy", user=hr_lead
        )
        add_evidence_file(
            response.pk,
            stored_name="evidence/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=3,
            sha256="b" * 64,
            user=hr_lead,
        )
        submit_response(response.pk, user=hr_lead)
        staff_side_sign(response.pk, user=staff_rep, decision=AGREED, staff_rating=2)
        assert fresh(response).state == Response.State.AGREED
        return fresh(response)

    @pytest.mark.parametrize(
        "field, value",
        [
            ("rating", 1),
            ("narrative", "Changed"),
            ("not_applicable", True),
            ("barrier", "funding"),
            ("barrier_detail", "Because"),
        ],
    )
    def test_changing_any_signed_field_voids_both_signatures(self, agreed, hr_lead, field, value):
        data = {**BLANK, "rating": agreed.rating, "narrative": agreed.narrative, field: value}
        if field == "not_applicable":
            data.update(rating=None, not_applicable_reason="Not relevant")
        save_response(agreed.pk, data=data, expected_version=agreed.version, user=hr_lead)
        self.assert_voided(agreed)

    def test_adding_a_file_voids(self, agreed, hr_lead):
        add_evidence_file(
            agreed.pk,
            stored_name="evidence/y.pdf",
            original_name="y.pdf",
            content_type="application/pdf",
            size=3,
            sha256="c" * 64,
            user=hr_lead,
        )
        self.assert_voided(agreed)

    def test_removing_a_file_voids(self, agreed, hr_lead):
        remove_evidence_file(EvidenceFile.objects.get(response=agreed), user=hr_lead)
        self.assert_voided(agreed)

    def test_adding_and_removing_a_link_voids(self, agreed, hr_lead):
        remove_evidence_link(agreed.links.get(), user=hr_lead)
        self.assert_voided(agreed)

    def test_changing_the_staff_rating_voids_only_the_staff_side(self, agreed, staff_rep):
        record_staff_rating(agreed.pk, rating=1, user=staff_rep)
        response = fresh(agreed)
        assert response.state == Response.State.SUBMITTED
        assert set(active(response)) == {"management"}
        assert response.ratings_differ

    def test_staff_rating_must_be_on_the_scale(self, agreed, staff_rep):
        with pytest.raises(NotAllowed, match="scale"):
            record_staff_rating(agreed.pk, rating=99, user=staff_rep)

    def test_saving_identical_content_voids_nothing(self, agreed, hr_lead):
        data = {**BLANK, "rating": agreed.rating, "narrative": agreed.narrative}
        save_response(agreed.pk, data=data, expected_version=agreed.version, user=hr_lead)
        assert fresh(agreed).state == Response.State.AGREED

    def assert_voided(self, response):
        response = fresh(response)
        assert response.state == Response.State.DRAFT
        assert active(response) == {}
        voided = Signature.objects.filter(response=response)
        assert voided.count() == 2 and all(s.voided_at for s in voided)
        assert all(not verify_signature(s).matches for s in voided)
        assert response.changes.filter(kind=ResponseChange.Kind.SIGNATURES_VOIDED).exists()


class TestVerification:
    def test_a_row_changed_directly_in_the_database_does_not_match(
        self, response, hr_lead, staff_rep
    ):
        submit_response(response.pk, user=hr_lead)
        staff_side_sign(response.pk, user=staff_rep, decision=AGREED)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Response._meta.db_table} SET narrative = %s WHERE id = %s",  # noqa: S608  (table name is ours)
                [
                    "Tampered",
                    response.pk.hex if connection.vendor == "sqlite" else str(response.pk),
                ],
            )
        assert fresh(response).narrative == "Tampered"
        for signature in active(response).values():
            result = verify_signature(signature)
            assert not result.matches
            assert "Does not match" in result.message

    def test_a_tampered_signature_record_does_not_match(self, response, hr_lead):
        signature = submit_response(response.pk, user=hr_lead)
        Signature.objects.filter(pk=signature.pk).update(content={**signature.content, "rating": 3})
        assert not verify_signature(Signature.objects.get(pk=signature.pk)).matches


class TestSignOff:
    def test_both_leads_sign_the_joint_statement_and_the_assessment_locks(
        self, assessment, hr_lead, staff_rep
    ):
        settle_all(assessment, hr_lead, staff_rep)
        statement = "We agree this is a fair account of IWL at Northshire."
        sign_off(assessment.pk, user=hr_lead, side="management", joint_statement=statement)
        assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.IN_PROGRESS
        sign_off(
            assessment.pk,
            user=staff_rep,
            side="staff_side",
            joint_statement=statement,
            side_statement="Staff side view",
        )
        assessment.refresh_from_db()
        assert assessment.is_locked
        assert all(verify_sign_off(s).matches for s in assessment.sign_offs.all())
        response = assessment.responses.first()
        with pytest.raises(AssessmentLocked):
            save_response(
                response.pk,
                data={**BLANK, "rating": 0},
                expected_version=response.version,
                user=hr_lead,
            )
        with pytest.raises(AssessmentLocked):
            add_comment(response.pk, user=hr_lead, body="After the fact")

    def test_sign_off_needs_every_applicable_criterion_settled(self, assessment, response, hr_lead):
        with pytest.raises(NotAllowed, match="not yet agreed"):
            sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="x")
        assert not SignOff.objects.exists()

    def test_not_applicable_criteria_do_not_block_sign_off(self, assessment, hr_lead, staff_rep):
        first, second = assessment.responses.order_by("criterion__ref")
        save_response(
            second.pk,
            data={**BLANK, "not_applicable": True, "not_applicable_reason": "No such service"},
            expected_version=1,
            user=hr_lead,
        )
        save_response(first.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
        submit_response(first.pk, user=hr_lead)
        staff_side_sign(first.pk, user=staff_rep, decision=DISAGREED, comment="We disagree")
        sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="Agreed account")
        sign_off(assessment.pk, user=staff_rep, side="staff_side", joint_statement="Agreed account")
        assert Assessment.objects.get(pk=assessment.pk).is_locked

    def test_only_leads_sign_off_and_they_sign_the_same_statement(
        self, assessment, hr_lead, staff_rep, contributor
    ):
        settle_all(assessment, hr_lead, staff_rep)
        with pytest.raises(NotAllowed, match="lead"):
            sign_off(assessment.pk, user=contributor, side="management", joint_statement="x")
        with pytest.raises(NotAllowed, match="lead"):
            sign_off(assessment.pk, user=hr_lead, side="staff_side", joint_statement="x")
        sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="One")
        with pytest.raises(NotAllowed, match="same joint statement"):
            sign_off(assessment.pk, user=staff_rep, side="staff_side", joint_statement="Another")

    def test_a_change_after_one_lead_signed_voids_that_sign_off(
        self, assessment, hr_lead, staff_rep
    ):
        settle_all(assessment, hr_lead, staff_rep)
        sign_off(assessment.pk, user=staff_rep, side="staff_side", joint_statement="Agreed")
        response = assessment.responses.first()
        save_response(
            response.pk,
            data={**BLANK, "rating": 1, "barrier": "funding"},
            expected_version=response.version,
            user=hr_lead,
        )
        assert not SignOff.objects.filter(voided_at__isnull=True).exists()

    def test_a_change_to_an_unsigned_criterion_voids_a_sign_off_too(
        self, assessment, hr_lead, staff_rep
    ):
        first, second = assessment.responses.order_by("criterion__ref")
        save_response(
            second.pk,
            data={**BLANK, "not_applicable": True, "not_applicable_reason": "No such service"},
            expected_version=1,
            user=hr_lead,
        )
        save_response(first.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
        submit_response(first.pk, user=hr_lead)
        staff_side_sign(first.pk, user=staff_rep, decision=AGREED)
        sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="Agreed")

        # The not-applicable criterion, which carries no signature, is made applicable.
        save_response(second.pk, data={**BLANK, "rating": 2}, expected_version=2, user=hr_lead)

        assert SignOff.objects.get().voided_at is not None
        submit_response(second.pk, user=hr_lead)
        staff_side_sign(second.pk, user=staff_rep, decision=AGREED)
        sign_off(assessment.pk, user=staff_rep, side="staff_side", joint_statement="Agreed")
        assessment.refresh_from_db()
        assert not assessment.is_locked  # the management lead must sign again
        sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="Agreed")
        assessment.refresh_from_db()
        assert assessment.is_locked
        active = assessment.sign_offs.filter(voided_at__isnull=True)
        assert all(verify_sign_off(s).matches for s in active)

    def test_reopening_needs_both_leads_and_is_recorded(self, assessment, hr_lead, staff_rep):
        settle_all(assessment, hr_lead, staff_rep)
        sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="Agreed")
        sign_off(assessment.pk, user=staff_rep, side="staff_side", joint_statement="Agreed")
        request_reopen(assessment.pk, user=staff_rep, reason="The survey results were wrong")
        with pytest.raises(NotAllowed, match="other side"):
            confirm_reopen(assessment.pk, user=staff_rep)
        assert Assessment.objects.get(pk=assessment.pk).is_locked
        confirm_reopen(assessment.pk, user=hr_lead)
        assessment.refresh_from_db()
        assert not assessment.is_locked
        assert not assessment.sign_offs.filter(voided_at__isnull=True).exists()
        kinds = set(assessment.events.values_list("kind", flat=True))
        assert {
            AssessmentEvent.Kind.SIGNED_OFF,
            AssessmentEvent.Kind.REOPEN_REQUESTED,
            AssessmentEvent.Kind.REOPENED,
        } <= kinds


class TestNotifications:
    def test_staff_side_is_emailed_once_a_day_per_assessment(
        self, assessment, hr_lead, staff_rep, django_capture_on_commit_callbacks, run_tasks
    ):
        first, second = assessment.responses.order_by("criterion__ref")
        for r in (first, second):
            save_response(r.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
        with django_capture_on_commit_callbacks(execute=True):
            submit_response(first.pk, user=hr_lead)
        # Queued on commit; nothing is sent in the request itself.
        assert mail.outbox == []
        run_tasks()
        with django_capture_on_commit_callbacks(execute=True):
            submit_response(second.pk, user=hr_lead)
        run_tasks()
        to_rep = [m for m in mail.outbox if m.to == [staff_rep.email]]
        assert len(to_rep) == 1
        assert "A1 was submitted for your review" in to_rep[0].body
        # The second notification waits for tomorrow's run.
        from datetime import timedelta

        from django.utils import timezone

        assert send_due_notifications(now=timezone.now() + timedelta(days=1)) == 1
        assert "A2 was submitted" in mail.outbox[-1].body

    def test_the_batch_runs_on_either_queue(
        self, task_backend, assessment, hr_lead, staff_rep, run_tasks
    ):
        first = assessment.responses.order_by("criterion__ref").first()
        save_response(first.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
        submit_response(first.pk, user=hr_lead)
        call_command("send_notifications", "--queue", stdout=io.StringIO())
        assert mail.outbox == []
        run_tasks()
        assert len(mail.outbox) == 1
        assert "A1 was submitted for your review" in mail.outbox[0].body

    def test_management_is_told_of_disagreement(
        self, response, hr_lead, staff_rep, django_capture_on_commit_callbacks, run_tasks
    ):
        submit_response(response.pk, user=hr_lead)
        with django_capture_on_commit_callbacks(execute=True):
            staff_side_sign(response.pk, user=staff_rep, decision=DISAGREED, comment="No")
        run_tasks()
        assert any(m.to == [hr_lead.email] and "disagreed" in m.body for m in mail.outbox)


class TestComments:
    def test_both_sides_comment_and_viewers_cannot(self, response, hr_lead, staff_rep, viewer):
        add_comment(response.pk, user=hr_lead, body="Please look at the policy")
        add_comment(response.pk, user=staff_rep, body="Looked: fine")
        with pytest.raises(NotAllowed):
            add_comment(response.pk, user=viewer, body="Me too")
        sides = list(response.comments.values_list("side", flat=True))
        assert sides == ["management", "staff_side"]
        assert response.changes.filter(kind=ResponseChange.Kind.COMMENTED).count() == 2
