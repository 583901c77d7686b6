"""The assessments' three kinds of signed record on the ledger (issue 10, items 1-6).

Tested as an attacker with SQL access would try it: each tamper below rewrites a signed field
the way the old scheme allowed (changing the content beside it and recomputing its SHA-256),
and every verification (the verify pages, the reports, ``verify_ledger``) must report it.
"""

import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from assessments import snapshots
from assessments.models import (
    Action,
    Assessment,
    AssessmentSnapshot,
    EvidenceFile,
    PlanSignature,
    Response,
    Signature,
    SignOff,
)
from assessments.reports.action_plan import ActionPlanReport, action_plan_summary
from assessments.reports.data import ReportData
from assessments.reports.pdf import board_report_pdf
from assessments.reports.presenters import BoardReport
from assessments.scoring import Basis
from assessments.services import (
    ContentChanged,
    add_evidence_file,
    remove_action,
    save_action,
    save_response,
    sign_off,
    sign_plan,
    staff_side_sign,
    start_assessment,
    submit_response,
)
from assessments.signing import (
    plan_content,
    response_content,
    sign_off_shown,
    verify_plan_signature,
    verify_sign_off,
    verify_signature,
)
from partnership.models import LedgerEntry
from partnership.signing import ledger
from tests.assessments.test_reports import text_of
from tests.assessments.test_services import BLANK, make_framework
from tests.factories import RatingLevelFactory, StageFactory

pytestmark = pytest.mark.django_db

JOINT = "We agree this is a fair picture."
STAFF_STATEMENT = "The staff side wants flexible working looked at again."
DUE = datetime.date(2030, 1, 31)


def old_scheme_hash(content) -> str:
    return hashlib.sha256(ledger.canonical_bytes(content)).hexdigest()


def build(organisation, hr_lead, staff_rep, *, sign_off_too=True):
    """A1 in place (agreed), A2 a gap (the staff side disagrees) with an action for it, the
    plan signed by both leads and, by default, the assessment signed off by both."""
    framework = make_framework(refs=("A1", "A2"))
    for value, label, rag in ((0, "Not in place", "red"), (1, "Partly", "amber")):
        RatingLevelFactory(framework=framework, value=value, label=label, rag=rag)
    RatingLevelFactory(framework=framework, value=2, label="In place", rag="green")
    StageFactory(framework=framework, slug="pledge", name="Pledge", position=1, rule=[])
    StageFactory(
        framework=framework,
        slug="practice",
        name="Practice",
        position=2,
        rule=[{"actions_for_gaps": True}],
    )
    assessment = start_assessment(
        organisation=organisation, framework=framework, period="2026/27", title="IWL", user=hr_lead
    )
    a1, a2 = assessment.responses.order_by("criterion__ref")
    save_response(a1.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
    save_response(
        a2.pk,
        data={**BLANK, "rating": 1, "barrier": "funding", "narrative": "Half done"},
        expected_version=1,
        user=hr_lead,
    )
    for response in (a1, a2):
        submit_response(response.pk, user=hr_lead)
    staff_side_sign(a1.pk, user=staff_rep, decision="agreed", staff_rating=2)
    staff_side_sign(a2.pk, user=staff_rep, decision="disagreed", comment="Not even half")
    save_action(
        assessment.pk,
        user=hr_lead,
        description="Fund the scheme",
        responses=[a2],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )
    sign_plan(assessment.pk, user=hr_lead, side="management")
    sign_plan(assessment.pk, user=staff_rep, side="staff_side")
    if sign_off_too:
        sign_off(assessment.pk, user=hr_lead, side="management", joint_statement=JOINT)
        sign_off(
            assessment.pk,
            user=staff_rep,
            side="staff_side",
            joint_statement=JOINT,
            side_statement=STAFF_STATEMENT,
        )
    return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def signed_off(organisation, hr_lead, staff_rep):
    return build(organisation, hr_lead, staff_rep)


def fresh(record):
    return (
        type(record)
        .objects.select_related("ledger_entry", "void_entry", "signer")
        .get(pk=record.pk)
    )


# --- What each record signs ---------------------------------------------------------------------


def test_a_criterion_signature_signs_its_decision_comment_signer_version_and_wording(
    signed_off, staff_rep
):
    signature = Signature.objects.get(response__criterion__ref="A2", side="staff_side")
    content = signature.content
    assert content["signer"]["id"] == str(staff_rep.pk)
    assert content["signer"]["name"] == staff_rep.get_full_name()
    assert content["side"] == "staff_side"
    assert content["fields"]["decision"] == "disagreed"
    assert content["fields"]["comment"] == "Not even half"
    assert content["fields"]["response_version"] == signature.response.version
    assert content["subject"]["criterion_statement"] == "Statement for A2"
    assert content["subject"]["version"] == signature.response.version
    assert content["subject"]["narrative"] == "Half done"
    assert signature.ledger_entry.record_id == str(signature.pk)
    assert verify_signature(fresh(signature)).status == "verified"


def test_a_sign_off_signs_statements_signer_signatures_plan_and_stage(signed_off, staff_rep):
    sign_off_record = SignOff.objects.get(side="staff_side", voided_at__isnull=True)
    content = sign_off_record.content
    subject = content["subject"]
    assert content["fields"]["joint_statement"] == JOINT
    assert content["fields"]["side_statement"] == STAFF_STATEMENT
    assert content["signer"]["id"] == str(staff_rep.pk)
    assert subject["framework_content_hash"] == signed_off.framework.content_hash
    staff_a2 = Signature.objects.get(response__criterion__ref="A2", side="staff_side")
    assert subject["criteria"]["A2"]["signatures"]["staff_side"] == {
        "entry": staff_a2.ledger_entry.digest,
        "content_hash": staff_a2.content_hash,
    }
    frozen = subject["frozen"]
    assert frozen["plan"] == ledger.jsonable(plan_content(signed_off.action_plan))
    assert frozen["scores"]["agreed"]["stage"] == "Practice"
    assert frozen["scores"]["agreed"]["stage_reasons"] == [
        "Every gap has an action in the action plan"
    ]
    assert frozen == snapshots.stored_snapshot(signed_off)
    assert verify_sign_off(fresh(sign_off_record)).status == "verified"


# --- A database administrator rewrites each signed field ----------------------------------------


def rewrite(record, *, column=None, value=None, content_path=(), content_value=None):
    """What an SQL user could do under the old scheme: change a column and/or what the record
    says it signed, and recompute the stored hash to match."""
    model = type(record)
    row = model.objects.get(pk=record.pk)
    content = row.content
    if content_path:
        target = content
        for key in content_path[:-1]:
            target = target[key]
        target[content_path[-1]] = content_value
    updates = {"content": content, "content_hash": old_scheme_hash(content)}
    if column:
        updates[column] = value
    model.objects.filter(pk=record.pk).update(**updates)


def _signature(kind):
    def get(assessment):
        return Signature.objects.get(response__criterion__ref="A2", side=kind)

    return get


def _sign_off(assessment):
    return SignOff.objects.get(assessment=assessment, side="staff_side", voided_at__isnull=True)


def _plan_signature(assessment):
    return PlanSignature.objects.get(plan__assessment=assessment, side="staff_side")


def tamper_cases(viewer):
    """(name, record getter, tamper). Each keeps the stored hash consistent with the content."""
    return [
        # Criterion signatures: the recorded disagreement becomes an agreement...
        (
            "signature decision",
            _signature("staff_side"),
            {
                "column": "decision",
                "value": "agreed",
                "content_path": ("fields", "decision"),
                "content_value": "agreed",
            },
        ),
        (
            "signature comment",
            _signature("staff_side"),
            {
                "column": "comment",
                "value": "Fine",
                "content_path": ("fields", "comment"),
                "content_value": "Fine",
            },
        ),
        (
            "signature version",
            _signature("staff_side"),
            {
                "column": "response_version",
                "value": 99,
                "content_path": ("fields", "response_version"),
                "content_value": 99,
            },
        ),
        # ...signed by the read-only board member.
        (
            "signature signer",
            _signature("staff_side"),
            {
                "column": "signer_id",
                "value": viewer.pk,
                "content_path": ("signer", "id"),
                "content_value": str(viewer.pk),
            },
        ),
        (
            "signature side",
            _signature("management"),
            {"content_path": ("side",), "content_value": "staff_side"},
        ),
        (
            "signature content",
            _signature("management"),
            {"content_path": ("subject", "narrative"), "content_value": "Fully in place"},
        ),
        (
            "signature time",
            _signature("management"),
            {
                "column": "created_at",
                "value": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
                "content_path": ("signed_at",),
                "content_value": "2020-01-01T00:00:00.000000+00:00",
            },
        ),
        (
            "sign-off joint statement",
            _sign_off,
            {
                "column": "joint_statement",
                "value": "Everything is perfect.",
                "content_path": ("fields", "joint_statement"),
                "content_value": "Everything is perfect.",
            },
        ),
        (
            "sign-off side statement",
            _sign_off,
            {
                "column": "side_statement",
                "value": "",
                "content_path": ("fields", "side_statement"),
                "content_value": "",
            },
        ),
        (
            "sign-off signer",
            _sign_off,
            {
                "column": "signer_id",
                "value": viewer.pk,
                "content_path": ("signer", "id"),
                "content_value": str(viewer.pk),
            },
        ),
        (
            "sign-off stage",
            _sign_off,
            {
                "content_path": ("subject", "frozen", "scores", "agreed", "stage"),
                "content_value": "Practice Plus",
            },
        ),
        (
            "plan signature signer",
            _plan_signature,
            {
                "column": "signer_id",
                "value": viewer.pk,
                "content_path": ("signer", "id"),
                "content_value": str(viewer.pk),
            },
        ),
        (
            "plan signature plan",
            _plan_signature,
            {
                "content_path": ("subject", "actions"),
                "content_value": [],
            },
        ),
    ]


CASE_NAMES = [
    "signature decision",
    "signature comment",
    "signature version",
    "signature signer",
    "signature side",
    "signature content",
    "signature time",
    "sign-off joint statement",
    "sign-off side statement",
    "sign-off signer",
    "sign-off stage",
    "plan signature signer",
    "plan signature plan",
]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_every_verification_reports_a_rewritten_signed_field(
    case, signed_off, viewer, viewer_client, organisation
):
    name, get, tamper = next(c for c in tamper_cases(viewer) if c[0] == case)
    record = get(signed_off)
    rewrite(record, **tamper)
    record = fresh(record)
    assessment = Assessment.objects.get(pk=signed_off.pk)

    # The record's own verification and its verify page.
    if isinstance(record, Signature):
        result = verify_signature(record)
        page = viewer_client.get(reverse("assessments:verify", args=[record.pk]))
    elif isinstance(record, SignOff):
        result = verify_sign_off(record)
        page = viewer_client.get(reverse("assessments:sign_off", args=[assessment.pk]))
    else:
        result = verify_plan_signature(record)
        page = viewer_client.get(reverse("assessments:plan_verify", args=[record.pk]))
    assert result.status == "altered", name
    assert escape(result.message) in page.content.decode()

    # Both reports (and the plan's own page for plan signatures).
    data = ReportData.load(assessment)
    if isinstance(record, Signature):
        assert data.verifications[record.pk].status == "altered"
        # What a criterion signature covers breaks the sign-offs that signed it.
        assert not any(v.matches for v in data.sign_off_verifications.values())
    elif isinstance(record, SignOff):
        assert data.sign_off_verifications[record.pk].status == "altered"
    else:
        report = ActionPlanReport.build(assessment)
        assert report.plan.verifications[record.pk].status == "altered"
        assert not report.is_agreed
        assert (
            "altered"
            in viewer_client.get(
                reverse("assessments:action_plan", args=[assessment.pk])
            ).content.decode()
        )
    board = viewer_client.get(reverse("assessments:board_report", args=[assessment.pk]))
    board = board.content.decode()
    if isinstance(record, Signature):
        assert "Verified: the assessment is as it was signed off" not in board
    elif isinstance(record, SignOff):
        assert escape(result.message) in board

    # The ledger check names it and exits non-zero.
    with pytest.raises(CommandError, match="break"):
        call_command("verify_ledger", organisation=organisation.ods_code)


def test_rewriting_the_ledger_entry_too_is_caught_by_the_key(signed_off, organisation):
    """An attacker who also recomputes the entry's hash still cannot sign it without the key."""
    record = _sign_off(signed_off)
    rewrite(
        record,
        column="joint_statement",
        value="Other words",
        content_path=("fields", "joint_statement"),
        content_value="Other words",
    )
    row = SignOff.objects.get(pk=record.pk)
    LedgerEntry.objects.filter(pk=row.ledger_entry_id).update(content_hash=row.content_hash)
    assert verify_sign_off(fresh(row)).status == "altered"
    assert any("not signed by the service's key" in b for b in ledger.verify_chain(organisation))


def test_the_untampered_assessment_verifies_everywhere(signed_off, viewer_client, organisation):
    call_command("verify_ledger", organisation=organisation.ods_code)
    data = ReportData.load(signed_off)
    assert {v.status for v in data.verifications.values()} == {"verified"}
    assert {v.status for v in data.sign_off_verifications.values()} == {"verified"}
    assert ActionPlanReport.build(signed_off).is_agreed


# --- Verification all the way down --------------------------------------------------------------


@pytest.fixture
def with_evidence(organisation, hr_lead, staff_rep):
    """The assessment signed off with an evidence file on A1."""
    assessment = build(organisation, hr_lead, staff_rep, sign_off_too=False)
    a1 = assessment.responses.get(criterion__ref="A1")
    content = b"%PDF-1.4 the policy"
    stored = default_storage.save("evidence/Z9A/policy.pdf", ContentFile(content))
    add_evidence_file(
        a1.pk,
        stored_name=stored,
        original_name="policy.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        user=hr_lead,
    )
    a1.refresh_from_db()
    submit_response(a1.pk, user=hr_lead)
    staff_side_sign(a1.pk, user=staff_rep, decision="agreed")
    sign_off(assessment.pk, user=hr_lead, side="management", joint_statement=JOINT)
    sign_off(assessment.pk, user=staff_rep, side="staff_side", joint_statement=JOINT)
    yield Assessment.objects.get(pk=assessment.pk), EvidenceFile.objects.get(response=a1)
    default_storage.delete(stored)


def replace_stored_bytes(evidence, content=b"%PDF-1.4 a forged policy"):
    with default_storage.open(evidence.file.name, "wb") as handle:
        handle.write(content)


def test_a_sign_off_checks_the_evidence_bytes_it_covers(with_evidence, viewer_client):
    assessment, evidence = with_evidence
    assert all(verify_sign_off(s).matches for s in assessment.sign_offs.all())
    replace_stored_bytes(evidence)
    for sign_off_record in assessment.sign_offs.select_related("ledger_entry", "void_entry"):
        result = verify_sign_off(sign_off_record)
        assert not result.matches
        assert "policy.pdf has been replaced or damaged" in result.message
    board = viewer_client.get(reverse("assessments:board_report", args=[assessment.pk]))
    assert "policy.pdf has been replaced or damaged" in board.content.decode()


def test_a_sign_off_checks_every_criterion_signature_it_covers(signed_off):
    """A criterion signature altered without touching the sign-off still breaks the sign-off."""
    signature = Signature.objects.get(response__criterion__ref="A1", side="staff_side")
    LedgerEntry.objects.filter(pk=signature.ledger_entry_id).update(signature="AAAA")
    for sign_off_record in signed_off.sign_offs.all():
        result = verify_sign_off(sign_off_record)
        assert not result.matches
        assert "staff side signature on A1 does not verify" in result.message


def test_downloading_replaced_evidence_is_refused_and_logged(with_evidence, viewer_client, caplog):
    assessment, evidence = with_evidence
    url = reverse("assessments:download_file", args=[evidence.pk])
    good = viewer_client.get(url)
    assert good.status_code == 200
    assert b"".join(good.streaming_content) == b"%PDF-1.4 the policy"
    replace_stored_bytes(evidence)
    refused = viewer_client.get(url)
    assert refused.status_code == 409
    assert "changed since it was uploaded" in refused.content.decode()
    assert "sandbox" not in refused["Content-Security-Policy"]  # our own page, styled
    assert "does not match its recorded SHA-256" in caplog.text


# --- Signed-off means frozen ----------------------------------------------------------------------


def test_removing_an_action_after_sign_off_does_not_move_the_stage(
    signed_off, hr_lead, viewer_client
):
    assert ReportData.load(signed_off).agreed.stage.stage.name == "Practice"
    action = Action.objects.get(plan__assessment=signed_off)
    remove_action(action, user=hr_lead)

    assessment = Assessment.objects.get(pk=signed_off.pk)
    data = ReportData.load(assessment)
    assert data.frozen
    assert data.agreed.stage.stage.name == "Practice"
    assert all(v.matches for v in data.sign_off_verifications.values())
    # The live plan would now give Pledge: the report is not recomputed from it.
    live = ReportData.load(assessment, frozen=False)
    assert live.agreed.stage.stage.name == "Pledge"
    summary = action_plan_summary(assessment)
    assert [(c.what, c.description) for c in summary.changes_since_sign_off] == [
        ("Removed", "Fund the scheme")
    ]
    page = viewer_client.get(reverse("assessments:board_report", args=[assessment.pk]))
    html = page.content.decode()
    assert "Removed: Fund the scheme" in html
    assert "Practice" in html


def test_the_snapshot_holds_what_was_signed_off_and_goes_on_reopening(signed_off, hr_lead):
    from assessments.services import confirm_reopen, request_reopen

    data = snapshots.stored_snapshot(signed_off)
    assert data["scores"]["agreed"]["standards"][0]["ref"] == "A"
    assert data["actions"] == ["A2"]
    assert {row["ref"] for row in data["facts"]} == {"A1", "A2"}
    request_reopen(signed_off.pk, user=hr_lead, reason="A typo")
    staff = signed_off.organisation.memberships.get(side="staff_side").user
    confirm_reopen(signed_off.pk, user=staff)
    assert not AssessmentSnapshot.objects.filter(assessment=signed_off).exists()
    assessment = Assessment.objects.get(pk=signed_off.pk)
    assert snapshots.stored_snapshot(assessment) is None
    assert not ReportData.load(assessment).frozen


def test_an_altered_snapshot_breaks_the_sign_offs(signed_off, organisation):
    row = AssessmentSnapshot.objects.get(assessment=signed_off)
    row.data["scores"]["agreed"]["stage"] = "Practice Plus"
    row.save()
    for sign_off_record in signed_off.sign_offs.all():
        assert verify_sign_off(sign_off_record).status == "changed"
    assert ledger.verify_chain(organisation)


def test_a_plan_change_before_the_second_lead_signs_voids_the_first_sign_off(
    organisation, hr_lead, staff_rep
):
    assessment = build(organisation, hr_lead, staff_rep, sign_off_too=False)
    sign_off(assessment.pk, user=hr_lead, side="management", joint_statement=JOINT)
    assert AssessmentSnapshot.objects.filter(assessment=assessment).exists()
    remove_action(Action.objects.get(plan__assessment=assessment), user=hr_lead)
    assert not SignOff.objects.filter(voided_at__isnull=True).exists()
    assert not AssessmentSnapshot.objects.filter(assessment=assessment).exists()


# --- The receipt ----------------------------------------------------------------------------------


def test_both_leads_get_the_receipt_shown_in_the_board_report(
    organisation, hr_lead, staff_rep, viewer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assessment = build(organisation, hr_lead, staff_rep)
    sequence, digest = ledger.head(organisation)
    receipts = [m for m in mail.outbox if "signed off" in m.subject]
    assert sorted(m.to[0] for m in receipts) == sorted([hr_lead.email, staff_rep.email])
    for message in receipts:
        assert f"Ledger entry {sequence}, fingerprint {digest}" in message.body
    report = BoardReport.build(assessment)
    assert report.receipt == f"Ledger entry {sequence}, fingerprint {digest}"
    html = viewer_client.get(reverse("assessments:board_report", args=[assessment.pk]))
    assert digest in html.content.decode()
    assert digest in "".join(text_of(board_report_pdf(assessment)).split())


# --- Sign what you saw ------------------------------------------------------------------------------


def test_services_refuse_a_signature_over_something_else(organisation, hr_lead, staff_rep):
    assessment = build(organisation, hr_lead, staff_rep, sign_off_too=False)
    a1 = assessment.responses.get(criterion__ref="A1")
    add_action(assessment, hr_lead, staff_rep, "Train the managers")
    with pytest.raises(ContentChanged):
        sign_plan(assessment.pk, user=hr_lead, side="management", seen="0" * 64)
    assert not PlanSignature.objects.filter(voided_at__isnull=True).exists()
    plan = Assessment.objects.get(pk=assessment.pk).action_plan
    sign_plan(
        assessment.pk,
        user=hr_lead,
        side="management",
        seen=ledger.digest_of(plan_content(plan)),
    )
    sign_plan(assessment.pk, user=staff_rep, side="staff_side")
    shown = ledger.digest_of(sign_off_shown(assessment, plan_content(assessment.action_plan)))
    with pytest.raises(ContentChanged):
        sign_off(
            assessment.pk, user=hr_lead, side="management", joint_statement=JOINT, seen="1" * 64
        )
    signed = sign_off(
        assessment.pk, user=hr_lead, side="management", joint_statement=JOINT, seen=shown
    )
    assert signed.pk
    response = Response.objects.select_related("criterion").get(pk=a1.pk)
    save_response(
        a1.pk,
        data={**BLANK, "rating": 2, "narrative": "Changed"},
        expected_version=response.version,
        user=hr_lead,
    )
    with pytest.raises(ContentChanged):
        submit_response(
            a1.pk,
            user=hr_lead,
            seen=ledger.digest_of(response_content(response, "management")),
        )


def add_action(assessment, hr_lead, staff_rep, description):
    save_action(
        assessment.pk,
        user=staff_rep,
        description=description,
        responses=[assessment.responses.get(criterion__ref="A2")],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )


def _staff_sign_page(client, response):
    url = reverse("assessments:criterion", args=[response.assessment_id, response.pk])
    return client.get(url).content.decode()


def test_the_staff_side_signature_is_refused_when_the_answer_changed_since(
    organisation, hr_lead, staff_rep, staff_rep_client
):
    framework = make_framework(refs=("A1",))
    RatingLevelFactory(framework=framework, value=1, label="Partly", rag="amber")
    RatingLevelFactory(framework=framework, value=2, label="In place", rag="green")
    assessment = start_assessment(
        organisation=organisation, framework=framework, period="2026/27", title="IWL", user=hr_lead
    )
    response = assessment.responses.get()
    save_response(
        response.pk,
        data={**BLANK, "rating": 2, "narrative": "Old"},
        expected_version=1,
        user=hr_lead,
    )
    submit_response(response.pk, user=hr_lead)
    response = Response.objects.select_related("criterion").get(pk=response.pk)
    seen = ledger.digest_of(response_content(response, "management"))
    assert f'value="{seen}"' in _staff_sign_page(staff_rep_client, response)
    # Management changes the answer and submits it again while the staff side reads.
    save_response(
        response.pk,
        data={**BLANK, "rating": 2, "narrative": "New words"},
        expected_version=response.version,
        user=hr_lead,
    )
    submit_response(response.pk, user=hr_lead)
    answer = staff_rep_client.post(
        reverse("assessments:staff_sign", args=[response.pk]),
        {"sign-decision": "agreed", "sign-seen": seen, "sign-version": response.version},
    )
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "This changed since you opened it" in html
    assert "New words" in html and "Old" in html
    assert not Signature.objects.filter(side="staff_side").exists()


def test_a_signing_form_without_what_was_seen_is_refused(
    organisation, hr_lead, staff_rep, hr_lead_client
):
    assessment = build(organisation, hr_lead, staff_rep, sign_off_too=False)
    answer = hr_lead_client.post(
        reverse("assessments:plan_sign", args=[assessment.pk]), {"side": "management"}
    )
    assert answer.status_code == 400
    assert "out of date" in answer.content.decode()


def test_plan_signature_over_a_changed_plan_is_refused_with_409(
    organisation, hr_lead, staff_rep, hr_lead_client
):
    assessment = build(organisation, hr_lead, staff_rep, sign_off_too=False)
    add_action(assessment, hr_lead, staff_rep, "Brief the board")  # voids both signatures
    page = hr_lead_client.get(reverse("assessments:action_plan", args=[assessment.pk]))
    seen = re.search(r'name="seen" value="([0-9a-f]{64})"', page.content.decode())[1]
    assert seen == ActionPlanReport.build(assessment).seen
    # Another change lands while the lead reads the plan.
    add_action(assessment, hr_lead, staff_rep, "Train the managers")
    answer = hr_lead_client.post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": "management", "seen": seen},
    )
    assert answer.status_code == 409
    assert "Train the managers" in answer.content.decode()
    assert not PlanSignature.objects.filter(voided_at__isnull=True).exists()


def test_basis_scores_in_the_snapshot_match_the_report(signed_off):
    data = ReportData.load(signed_off)
    frozen = snapshots.stored_snapshot(signed_off)
    for basis in Basis:
        assert frozen["scores"][basis.value]["stage"] == (
            data.scores[basis].stage.stage.name if data.scores[basis].stage else None
        )
