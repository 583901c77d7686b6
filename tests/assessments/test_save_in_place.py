"""Save in place without reading the row again: the access helper's read is the base of the
save, and one version-checked update decides whether it lands.

Between that read and the update somebody may save, sign or sign off; whatever happened, the
answer is what a save under a row lock would give: a conflict, a refusal, or a save that voids
what was signed.
"""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from assessments.access import get_response_for
from assessments.models import (
    Assessment,
    AssessmentSnapshot,
    Response,
    ResponseChange,
    Signature,
    SignOff,
)
from assessments.services import (
    AssessmentLocked,
    Conflict,
    save_response,
    sign_off,
    staff_side_sign,
    start_assessment,
    submit_response,
)
from partnership.signing.models import LedgerEntry
from tests.assessments.test_checklist_views import build_framework, htmx_post, responses_of
from tests.assessments.test_services import BLANK

pytestmark = pytest.mark.django_db

KINDS = ResponseChange.Kind


@pytest.fixture
def assessment(organisation, hr_lead):
    return start_assessment(
        organisation=organisation,
        framework=build_framework(),
        period="2026/27",
        title="Our IWL",
        user=hr_lead,
    )


@pytest.fixture
def response(assessment):
    return responses_of(assessment)["S1.1"]


def read_for_autosave(user, response):
    """The response as an htmx autosave reads it, through the access helper."""
    request = RequestFactory().post("/")
    request.user = user
    return get_response_for(
        request, response.pk, write=True, assessment=response.assessment_id, autosave=True
    )


def fresh(response):
    return Response.objects.get(pk=response.pk)


def kinds(response):
    return list(response.changes.order_by("created_at", "pk").values_list("kind", flat=True))


def agree(response, hr_lead, staff_rep):
    response = fresh(response)
    save_response(
        response.pk,
        data={**BLANK, "rating": 2, "narrative": "Policy agreed"},
        expected_version=response.version,
        user=hr_lead,
    )
    submit_response(response.pk, user=hr_lead)
    staff_side_sign(response.pk, user=staff_rep, decision=Signature.Decision.AGREED)


@pytest.fixture
def signed_off_by_one_lead(assessment, hr_lead, staff_rep):
    """Every criterion agreed by both sides, and the management lead's sign-off."""
    for each in responses_of(assessment).values():
        agree(each, hr_lead, staff_rep)
    sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="Agreed")
    assert AssessmentSnapshot.objects.filter(assessment=assessment).exists()
    return assessment


def test_the_autosave_read_has_everything_the_save_needs(hr_lead, response):
    current = read_for_autosave(hr_lead, response)
    with CaptureQueriesContext(connection) as captured:
        save_response(
            response.pk,
            data={**BLANK, "rating": 2, "narrative": "Typed"},
            expected_version=1,
            user=hr_lead,
            current=current,
        )
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    # In the test's transaction: savepoint, the update, the history row, anything to void?
    assert statements == ["SAVEPOINT", "UPDATE", "INSERT", "SELECT", "RELEASE"]
    assert "FOR UPDATE" not in " ".join(q["sql"] for q in captured.captured_queries)
    saved = fresh(response)
    assert (saved.version, saved.narrative, saved.status) == (2, "Typed", "reviewed")
    assert (current.version, current.updated_by) == (2, hr_lead)


def test_a_save_landing_after_the_read_makes_a_conflict(hr_lead, contributor, response):
    current = read_for_autosave(hr_lead, response)
    save_response(
        response.pk, data={**BLANK, "narrative": "Theirs"}, expected_version=1, user=contributor
    )
    with pytest.raises(Conflict) as conflict:
        save_response(
            response.pk,
            data={**BLANK, "narrative": "Mine"},
            expected_version=1,
            user=hr_lead,
            current=current,
        )
    assert (conflict.value.current.narrative, conflict.value.current.version) == ("Theirs", 2)
    assert conflict.value.current.updated_by == contributor
    assert (fresh(response).narrative, fresh(response).version) == ("Theirs", 2)
    assert kinds(response) == [KINDS.EDITED]
    # The caller's copy is left as it was read: the conflict page shows it with the user's text.
    assert (current.narrative, current.version) == ("", 1)


def test_a_version_the_response_has_not_reached_is_a_conflict(hr_lead_client, response):
    answer = htmx_post(hr_lead_client, response, narrative="Mine", version=5)
    assert 'data-save-state="conflict"' in answer.content.decode()
    assert fresh(response).version == 1
    assert not response.changes.exists()


def test_a_sign_off_landing_after_the_read_refuses_the_save(hr_lead, response):
    current = read_for_autosave(hr_lead, response)
    Assessment.objects.filter(pk=response.assessment_id).update(status=Assessment.Status.SIGNED_OFF)
    with pytest.raises(AssessmentLocked):
        save_response(
            response.pk,
            data={**BLANK, "narrative": "Late"},
            expected_version=1,
            user=hr_lead,
            current=current,
        )
    assert (fresh(response).narrative, fresh(response).version) == ("", 1)
    assert not response.changes.exists()


def test_a_signed_off_assessment_refuses_the_save_without_a_read(hr_lead, response):
    Assessment.objects.filter(pk=response.assessment_id).update(status=Assessment.Status.SIGNED_OFF)
    for data in ({**BLANK, "narrative": "Late"}, BLANK):  # a change, and the same values
        with pytest.raises(AssessmentLocked):
            save_response(response.pk, data=data, expected_version=1, user=hr_lead)
    assert not response.changes.exists()


def test_a_signature_made_after_the_read_is_voided_by_the_save(hr_lead, response):
    save_response(response.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
    current = read_for_autosave(hr_lead, response)
    submit_response(response.pk, user=hr_lead)  # no new version: the read still matches
    save_response(
        response.pk,
        data={**BLANK, "rating": 3},
        expected_version=2,
        user=hr_lead,
        current=current,
    )
    saved = fresh(response)
    assert (saved.state, saved.version, saved.rating) == (Response.State.DRAFT, 3, 3)
    signature = Signature.objects.get(response=response)
    assert signature.voided_at is not None and signature.void_entry.kind == LedgerEntry.VOID
    assert kinds(response) == [KINDS.EDITED, KINDS.SIGNED, KINDS.EDITED, KINDS.SIGNATURES_VOIDED]


def test_autosave_on_a_signed_criterion_voids_both_sides_and_the_sign_off(
    hr_lead_client, signed_off_by_one_lead, response
):
    signed = fresh(response)
    assert signed.state == Response.State.AGREED
    ledger_before = LedgerEntry.objects.count()

    answer = htmx_post(
        hr_lead_client, signed, rating="2", narrative="Policy agreed, and reviewed in May"
    )

    content = answer.content.decode()
    assert 'data-save-state="saved"' in content
    assert f'value="{signed.version + 1}"' in content
    saved = fresh(response)
    assert saved.narrative == "Policy agreed, and reviewed in May"
    assert (saved.state, saved.version) == (Response.State.DRAFT, signed.version + 1)
    signatures = Signature.objects.filter(response=response)
    assert {s.side for s in signatures} == {"management", "staff_side"}
    assert all(s.voided_at and s.void_entry.kind == LedgerEntry.VOID for s in signatures)
    sign_off_record = SignOff.objects.get(assessment=signed_off_by_one_lead)
    assert sign_off_record.voided_at and sign_off_record.void_entry.kind == LedgerEntry.VOID
    assert not AssessmentSnapshot.objects.filter(assessment=signed_off_by_one_lead).exists()
    assert LedgerEntry.objects.count() == ledger_before + 3  # one void entry each
    assert kinds(response)[-2:] == [KINDS.EDITED, KINDS.SIGNATURES_VOIDED]
    # The other criteria keep their signatures: only what changed is void.
    others = Signature.objects.exclude(response=response)
    assert others.exists() and not others.filter(voided_at__isnull=False).exists()


def test_autosave_of_a_change_on_an_unsigned_criterion_voids_the_sign_off(
    hr_lead_client,
    hr_lead,
    staff_rep,
    assessment,
):
    first, *rest = responses_of(assessment).values()
    save_response(
        first.pk,
        data={**BLANK, "not_applicable": True, "not_applicable_reason": "No such service"},
        expected_version=1,
        user=hr_lead,
    )
    for each in rest:
        agree(each, hr_lead, staff_rep)
    sign_off(assessment.pk, user=hr_lead, side="management", joint_statement="Agreed")

    answer = htmx_post(hr_lead_client, fresh(first), rating="2", not_applicable=None)

    assert 'data-save-state="saved"' in answer.content.decode()
    assert SignOff.objects.get().voided_at is not None
    assert kinds(first)[-1] == KINDS.EDITED  # it had no signature of its own to void
    assert fresh(first).state == Response.State.DRAFT


def test_autosave_of_identical_values_changes_nothing(
    hr_lead_client, signed_off_by_one_lead, response
):
    signed = fresh(response)
    history = kinds(response)
    with CaptureQueriesContext(connection) as captured:
        answer = htmx_post(hr_lead_client, signed, rating="2", narrative="Policy agreed")
    assert 'data-save-state="saved"' in answer.content.decode()
    assert not [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))
    ]
    saved = fresh(response)
    assert (saved.state, saved.version) == (Response.State.AGREED, signed.version)
    assert kinds(response) == history
    assert not Signature.objects.filter(voided_at__isnull=False).exists()
    assert not SignOff.objects.filter(voided_at__isnull=False).exists()
