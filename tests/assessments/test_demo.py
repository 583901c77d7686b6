import hashlib

import pytest
from django.core.management import CommandError, call_command

from assessments.models import (
    Assessment,
    AssessmentSnapshot,
    EvidenceFile,
    EvidenceLink,
    Framework,
    Notification,
    Response,
    Signature,
)
from assessments.signing import verify_sign_off, verify_signature
from partnership.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def counts():
    return [
        model.objects.count()
        for model in (
            Organisation,
            User,
            Membership,
            Framework,
            Assessment,
            Response,
            EvidenceFile,
            EvidenceLink,
        )
    ]


@pytest.mark.smoke
def test_seed_demo_creates_both_trusts_and_prints_sign_ins(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    for trust in ("northshire", "southdale"):
        for person in ("hr.lead", "staff.rep", "board"):
            assert f"{person}@{trust}.example" in out
    assert "partnership-demo" in out
    assert set(Organisation.objects.values_list("ods_code", flat=True)) == {
        "Z9A",
        "Z9B",
        "Z9C",
        "Z9D",
        "Z9S",  # the Scottish board of the demo case studies
    }
    board = Membership.objects.get(user__email="board@northshire.example")
    assert (board.side, board.role) == (Membership.Side.MANAGEMENT, Membership.Role.VIEWER)
    rep = Membership.objects.get(user__email="staff.rep@southdale.example")
    assert (rep.side, rep.role) == (Membership.Side.STAFF_SIDE, Membership.Role.LEAD)
    assert User.objects.get(email="hr.lead@northshire.example").check_password("partnership-demo")


@pytest.mark.django_db(transaction=True)
def test_seed_demo_prints_no_emails_and_queues_one_notification_run(settings, capsys):
    # make run's settings print every email to the console; the demo's sign-off receipts
    # (sent as each sign-off commits: hence a test with real commits) would fill the screen
    # above the sign-ins.
    settings.DEBUG = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Subject:" not in out
    assert "hr.lead@northshire.example" in out
    # One run of the notification emails is queued for the whole demo, not one per change.
    from django_tasks_db.models import DBTaskResult

    runs = DBTaskResult.objects.filter(task_path="assessments.tasks.send_notifications")
    assert runs.count() == 1


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert Organisation.objects.count() == 0
    call_command("seed_demo", "--force")
    assert Organisation.objects.count() == 5


def test_northshire_2026_assessment_is_about_half_reviewed_with_evidence_and_gaps(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assessment = Assessment.objects.get(organisation__ods_code="Z9A", period="2026/27")
    assert assessment.framework.slug == "iwl-standard-2000"
    responses = assessment.responses.all()
    reviewed = responses.filter(status=Response.Status.REVIEWED).count()
    assert 0.4 <= reviewed / responses.count() <= 0.6
    gaps = responses.filter(rating__lt=assessment.framework.met_value)
    assert gaps.exists()
    assert all(gap.barrier for gap in gaps)
    assert responses.exclude(narrative="").count() >= 10
    assert EvidenceLink.objects.filter(response__assessment=assessment).exists()
    evidence = EvidenceFile.objects.get(response__assessment=assessment)

    with evidence.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == evidence.sha256
    # Southdale has no assessment: the demo shows isolation.
    assert not Assessment.objects.filter(organisation__ods_code="Z9B").exists()


def test_northshire_2025_assessment_is_jointly_signed_off_with_dissent_recorded(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assessment = Assessment.objects.get(organisation__ods_code="Z9A", period="2025/26")
    assert assessment.is_locked
    states = list(assessment.responses.filter(not_applicable=False).values_list("state", flat=True))
    assert all(state in {"agreed", "agreed_with_reservations", "disagreed"} for state in states)
    assert states.count("disagreed") == 1
    assert 2 <= states.count("agreed_with_reservations") <= 5
    sign_offs = assessment.sign_offs.filter(voided_at__isnull=True)
    assert {s.side for s in sign_offs} == {"management", "staff_side"}
    assert all(verify_sign_off(s).matches for s in sign_offs)
    assert all(
        verify_signature(s).matches
        for s in Signature.objects.filter(assessment=assessment, voided_at__isnull=True)
    )
    # Frozen as signed off, and the whole ledger holds.
    assert AssessmentSnapshot.objects.filter(assessment=assessment).exists()
    call_command("verify_ledger", organisation="Z9A")
    # 2026/27 was started from it, with criteria in every joint state.
    current = Assessment.objects.get(organisation__ods_code="Z9A", period="2026/27")
    assert current.previous == assessment
    assert set(current.responses.values_list("state", flat=True)) == {
        "draft",
        "submitted",
        "agreed",
        "agreed_with_reservations",
        "disagreed",
    }
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_northshire_2025_has_a_signed_action_plan_with_every_status_and_overdue_actions(settings):
    import datetime

    from assessments.models import Action
    from assessments.signing import verify_plan_signature

    settings.DEBUG = True
    call_command("seed_demo")
    plan = Assessment.objects.get(organisation__ods_code="Z9A", period="2025/26").action_plan
    statuses = set(plan.actions.values_list("status", flat=True))
    assert statuses == set(Action.Status.values)
    overdue = plan.actions.filter(
        target_date__lt=datetime.date(2026, 11, 22), status__in=Action.OPEN
    )
    assert overdue.exists()
    signatures = plan.signatures.filter(voided_at__isnull=True)
    assert {s.side for s in signatures} == {"management", "staff_side"}
    assert all(verify_plan_signature(s).matches for s in signatures)
    # Open actions moved into 2026/27 with their history.
    current = Assessment.objects.get(organisation__ods_code="Z9A", period="2026/27")
    assert (
        current.action_plan.actions.count() == plan.actions.filter(status__in=Action.OPEN).count()
    )


@pytest.mark.parametrize(
    ("slug", "ods_code", "country", "framework"),
    [
        ("kelvinmuir", "Z9C", "scotland", "staff-governance-standard"),
        ("afonteg", "Z9D", "wales", "wales-partnership-and-wellbeing"),
    ],
)
def test_the_scottish_and_welsh_boards_have_a_signed_off_cycle_on_their_framework(
    settings, capsys, slug, ods_code, country, framework
):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    for person in ("hr.lead", "staff.rep"):
        email = f"{person}@{slug}.example"
        assert email in out
        assert User.objects.get(email=email).check_password("partnership-demo")
    organisation = Organisation.objects.get(ods_code=ods_code)
    assert organisation.country == country
    (assessment,) = organisation.assessments.select_related("framework")
    assert (assessment.framework.slug, assessment.status) == (
        framework,
        Assessment.Status.SIGNED_OFF,
    )
    assert assessment.responses.count() == assessment.framework.criteria.count() >= 25
    assert not assessment.responses.exclude(state=Response.State.AGREED).exists()
    assert all(verify_signature(s).matches for s in assessment.signatures.all())
    assert sorted(assessment.sign_offs.values_list("side", flat=True)) == [
        "management",
        "staff_side",
    ]
    assert all(verify_sign_off(s).matches for s in assessment.sign_offs.all())


def test_northshire_next_cycle_offers_the_2009_edition(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    latest = Assessment.objects.get(organisation__ods_code="Z9A", period="2026/27")
    client.force_login(User.objects.get(email="hr.lead@northshire.example"))
    page = client.get(f"/assessments/{latest.pk}/next-cycle/")
    offered = {(f.slug, f.version) for f in page.context["form"].fields["framework"].queryset}
    assert ("iwl-framework-2009", "2009.1") in offered
