"""The joint action plan on paper and in spreadsheets, render_report --kind actions, and the
plan's status in the board report."""

import csv
import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import load_workbook

from assessments.demo import seed_demo
from assessments.models import Action, Assessment, PlanSignature
from assessments.reports.action_plan import (
    TOP_OVERDUE,
    ActionPlanReport,
    PlanActions,
    action_plan_summary,
    plan_content_from,
)
from assessments.reports.exports import ACTION_COLUMNS
from assessments.reports.pdf import action_plan_pdf, board_report_pdf
from assessments.reports.presenters import BoardReport
from assessments.services import post_action_update, save_action, sign_plan
from assessments.signing import plan_content, verify_plan_signature
from partnership.models import Organisation
from tests.assessments import test_action_plan_views as plan_views
from tests.assessments.test_action_plan_views import DUE, make_actions
from tests.assessments.test_reports import text_of

pytestmark = pytest.mark.django_db

# The plan pages' fixtures: a framework with a stage that needs an action for every gap, an
# assessment with two gaps, an action for one of them, and that plan signed by both leads.
framework = plan_views.framework
assessment = plan_views.assessment
gaps = plan_views.gaps
action = plan_views.action
signed = plan_views.signed

NORTHSHIRE = "Northshire Community NHS Trust"
UPDATE = "Quotes from three suppliers received"


@pytest.fixture(autouse=True)
def names(hr_lead, staff_rep):
    """Names a PDF's narrow columns never break (Faker's may be hyphenated)."""
    for user, name in ((hr_lead, "Helen Roberts"), (staff_rep, "Sam Patel")):
        user.full_name = name
        user.save(update_fields=["full_name"])


@pytest.fixture
def progressed(action, staff_rep):
    post_action_update(action.pk, user=staff_rep, text=UPDATE, status="in_progress")
    return action


# --- The PDF ---------------------------------------------------------------------------------


@pytest.mark.smoke
def test_the_pdf_shows_owners_updates_and_the_organisation(
    viewer_client,
    assessment,
    progressed,
    hr_lead,
    staff_rep,
    download,
):
    answer = download(viewer_client, reverse("assessments:action_plan_pdf", args=[assessment.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == 'attachment; filename="Z9A-2026-27-action-plan.pdf"'
    text = text_of(answer.content)
    assert NORTHSHIRE in text and "Joint action plan" in text
    assert hr_lead.get_full_name() in text and staff_rep.get_full_name() in text
    assert UPDATE in text and "Fund lone-worker devices" in text
    # Page numbers and the running header; DRAFT until both leads have signed.
    assert "Page 1 of" in text
    assert "DRAFT: not yet signed by both leads" in text
    # Nothing of the page's chrome: no forms, no links to change things.
    assert "Add an action" not in text and "Sign the action plan" not in text


def test_the_pdf_is_no_longer_a_draft_once_both_leads_have_signed(
    assessment,
    signed,
    hr_lead,
    staff_rep,
):
    text = text_of(action_plan_pdf(Assessment.objects.get(pk=assessment.pk)))
    assert "DRAFT" not in text
    assert "Agreed: signed by both leads" in text
    assert "Verified: the action plan is unchanged since it was signed" in text
    html = render_to_string(
        "assessments/actions/plan.html",
        ActionPlanReport.build(assessment).context(for_pdf=True),
    )
    assert "app-watermark" not in html and "<form" not in html


def test_one_signature_leaves_it_a_draft(assessment, action, hr_lead):
    sign_plan(assessment.pk, user=hr_lead, side="management")
    html = render_to_string(
        "assessments/actions/plan.html",
        ActionPlanReport.build(assessment).context(for_pdf=True),
    )
    assert 'data-testid="draft-watermark"' in html
    assert "DRAFT: not yet signed by both leads" in html


def test_user_text_is_escaped_in_the_pdf(
    assessment,
    action,
    staff_rep,
):
    post_action_update(action.pk, user=staff_rep, text="<b>bold</b> & more", status="blocked")
    html = render_to_string(
        "assessments/actions/plan.html", ActionPlanReport.build(assessment).context(for_pdf=True)
    )
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "<b>bold</b>" in text_of(action_plan_pdf(assessment))


# --- CSV and Excel -----------------------------------------------------------------------------


def test_csv_has_one_row_per_action(
    viewer_client,
    assessment,
    progressed,
    gaps,
    hr_lead,
    staff_rep,
):
    save_action(
        assessment.pk,
        user=staff_rep,
        description='=HYPERLINK("http://evil.example","Click")',
        responses=list(gaps.values()),
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=datetime.date(2020, 1, 1),
    )
    answer = viewer_client.get(reverse("assessments:action_plan_csv", args=[assessment.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == 'attachment; filename="Z9A-2026-27-actions.csv"'
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == [name for name, _ in ACTION_COLUMNS]
    assert len(rows) == 3
    by_description = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    fund = by_description["Fund lone-worker devices"]
    assert fund["Criteria"] == "S1.1"
    assert fund["Management owner"] == hr_lead.get_full_name()
    assert fund["Staff-side owner"] == staff_rep.get_full_name()
    assert (fund["Target date"], fund["Status"], fund["RAG"]) == (
        "2027-03-31",
        "In progress",
        fund["RAG"],
    )
    assert fund["RAG"] in {"Green: On track", "Amber: Due soon", "Red: Overdue"}
    assert fund["Latest update"] == UPDATE
    assert fund["Latest update by"] == f"{staff_rep.get_full_name()} (Staff side)"
    assert fund["Carried forward from"] == ""
    evil = by_description['\'=HYPERLINK("http://evil.example","Click")']
    assert evil["Criteria"] == "S1.1, S1.2"
    assert evil["RAG"] == "Red: Overdue"


def test_xlsx_has_one_row_per_action_with_dates_and_no_formulas(
    viewer_client,
    assessment,
    progressed,
    hr_lead,
    staff_rep,
    download,
):
    save_action(
        assessment.pk,
        user=hr_lead,
        description="+SUM(1,2)",
        responses=[progressed.responses.get()],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )
    answer = download(viewer_client, reverse("assessments:action_plan_xlsx", args=[assessment.pk]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="Z9A-2026-27-actions.xlsx"'
    workbook = load_workbook(io.BytesIO(answer.content))
    rows = list(workbook["Actions"].iter_rows(values_only=True))
    assert list(rows[0]) == [name for name, _ in ACTION_COLUMNS]
    assert len(rows) == 3
    descriptions = {row[0] for row in rows[1:]}
    assert descriptions == {"Fund lone-worker devices", "'+SUM(1,2)"}
    fund = next(row for row in rows[1:] if row[0] == "Fund lone-worker devices")
    assert fund[4].date() == DUE
    assert fund[7] == UPDATE
    for row in workbook["Actions"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Organisation"] == f"{NORTHSHIRE} (Z9A)"
    assert summary["Status"] == "DRAFT: not yet signed by both leads"


@pytest.mark.parametrize("name", ["action_plan_csv", "action_plan_xlsx", "action_plan_pdf"])
def test_an_empty_plan_still_exports(viewer_client, assessment, name, download):
    answer = download(viewer_client, reverse(f"assessments:{name}", args=[assessment.pk]))
    assert answer.status_code == 200


# --- The plan's signatures are verified from the rows already loaded --------------------------


def test_plan_content_from_loaded_rows_matches_the_signing_module(
    assessment,
    signed,
    gaps,
    hr_lead,
    staff_rep,
):
    save_action(
        assessment.pk,
        user=staff_rep,
        description="Second",
        responses=list(gaps.values()),
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )
    plan = PlanActions.load(assessment)
    assert plan_content_from(plan.plan_id, assessment.pk, plan.actions) == plan_content(signed.plan)
    for signature in PlanSignature.objects.all():
        assert plan.verifications[signature.pk] == verify_plan_signature(signature)
    sign_plan(assessment.pk, user=hr_lead, side="management")
    plan = PlanActions.load(assessment)
    for signature in PlanSignature.objects.all():
        assert plan.verifications[signature.pk] == verify_plan_signature(signature)


def test_an_altered_signature_is_not_agreed(assessment, signed):
    PlanSignature.objects.filter(side="staff_side").update(content_hash="0" * 64)
    report = ActionPlanReport.build(assessment)
    assert not report.is_agreed and report.is_draft
    assert "The signature record has been altered: it does not match" in [
        row.message for row in report.signatures
    ]


# --- The board report shows where the plan stands ----------------------------------------------


def test_the_board_report_shows_the_plan_status(
    viewer_client,
    assessment,
    gaps,
    signed,
    hr_lead,
    staff_rep,
):
    for i in range(TOP_OVERDUE + 1):
        late = save_action(
            assessment.pk,
            user=hr_lead,
            description=f"Late {i}",
            responses=[gaps["S1.2"]],
            management_owner=hr_lead,
            staff_owner=staff_rep,
            target_date=datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
        )
    post_action_update(late.pk, user=hr_lead, text="Stuck", status="blocked")
    # Adding actions voided the signatures: sign again.
    sign_plan(assessment.pk, user=hr_lead, side="management")
    sign_plan(assessment.pk, user=staff_rep, side="staff_side")

    answer = viewer_client.get(reverse("assessments:board_report", args=[assessment.pk]))
    html = answer.content.decode()
    section = html[html.index('data-testid="action-plans"') :]
    summary = answer.context["action_plans"]
    assert summary.headline == (
        "7 actions (6 not started, 1 blocked), 6 overdue. Signed by both leads."
    )
    assert summary.headline in section
    assert [row.title for row in summary.rows] == [f"Late {i}" for i in range(TOP_OVERDUE)]
    assert summary.more_overdue == 1
    assert "And 1 more overdue in the action plan" in section
    assert "Late 0" in section and "1 Jan 2020" in section
    assert reverse("assessments:action_plan", args=[assessment.pk]) in section

    text = text_of(board_report_pdf(Assessment.objects.get(pk=assessment.pk)))
    assert "Action plan" in text and summary.headline in text


def test_a_board_report_without_a_plan_says_so(viewer_client, assessment):
    html = viewer_client.get(
        reverse("assessments:board_report", args=[assessment.pk])
    ).content.decode()
    assert 'data-testid="action-plans"' in html
    assert "There is no action plan yet." in html
    assert action_plan_summary(assessment).headline == "There is no action plan yet."


def test_the_summary_counts_with_a_fixed_today(assessment, gaps, hr_lead, staff_rep):
    make_actions(assessment, 4, hr_lead, staff_rep)
    # Target dates: 31 Mar 2027, then 40 days earlier each; all in progress.
    summary = action_plan_summary(assessment, today=datetime.date(2026, 12, 10))
    assert summary.total == 4
    assert dict(summary.counts) == {"Not started": 0, "In progress": 4, "Done": 0, "Blocked": 0}
    assert summary.overdue == 1
    assert summary.signature_text == "Signed by the management lead only"
    assert [row.due for row in summary.rows] == [datetime.date(2026, 12, 1)]


# --- render_report --kind actions -----------------------------------------------------------------


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEBUG = True
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    seed_demo()
    return Organisation.objects.get(ods_code="Z9A")


@pytest.mark.parametrize("period", ["2025/26", "2026/27"])
def test_render_report_writes_the_demo_action_plan(demo, tmp_path, capsys, period):
    output = tmp_path / "actions.pdf"
    call_command(
        "render_report",
        organisation="Z9A",
        framework="iwl-standard-2000",
        period=period,
        kind="actions",
        output=str(output),
    )
    assert "Wrote the actions report of Northshire Community NHS Trust" in capsys.readouterr().out
    text = text_of(output.read_bytes())
    assert NORTHSHIRE in text and "Joint action plan" in text
    assert "Helen Roberts" in text and "Sam Patel" in text
    if period == "2025/26":
        # Signed by both leads, with actions in every status.
        assert "Agreed: signed by both leads" in text and "DRAFT" not in text
        assert "The last two were agreed in September." in text
        assert re.search(r"\d+ overdue", text)
    else:
        # The open actions carried forward, with their history; not yet signed.
        assert "Carried forward from 2025/26" in text
        assert "DRAFT: not yet signed by both leads" in text
        assert "Review the six HR policies" not in text  # done: not carried


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"organisation": "NOPE"}, "No organisation has the ODS code NOPE"),
        ({"framework": "no-such-framework"}, "No framework has the slug no-such-framework"),
        ({"period": "2030/31"}, "has no iwl-standard-2000 assessment for 2030/31"),
        ({"period": "2025"}, "'2025' is not a period"),
    ],
)
def test_render_report_actions_unknown_things_are_clear_errors(demo, tmp_path, options, message):
    arguments = {
        "organisation": "Z9A",
        "framework": "iwl-standard-2000",
        "period": "2025/26",
        "kind": "actions",
        "output": str(tmp_path / "x.pdf"),
        **options,
    }
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("render_report", **arguments)
    assert not (tmp_path / "x.pdf").exists()


def test_the_demo_board_report_shows_its_plan(demo):
    previous = demo.assessments.get(period="2025/26")
    summary = action_plan_summary(previous)
    assert summary.total == 6 and summary.signed_by_both
    assert dict(summary.counts) == {"Not started": 1, "In progress": 3, "Done": 1, "Blocked": 1}
    report = BoardReport.build(previous, action_plan_summary=summary)
    html = render_to_string(report.template_name, {**report.context(), "breadcrumbs": []})
    assert summary.headline in html
    carried = Action.objects.filter(plan__assessment__period="2026/27")
    assert carried.count() == 5 and all(a.carried_from_id for a in carried)


@pytest.mark.parametrize("hidden", ["\x01", "\x1b", "\x7f", "\r\n"])
def test_a_control_character_before_a_formula_does_not_make_it_live(
    viewer_client, assessment, progressed, hr_lead, staff_rep, hidden, download
):
    save_action(
        assessment.pk,
        user=hr_lead,
        description=f'{hidden}=HYPERLINK("http://evil.example","Click")',
        responses=[progressed.responses.get()],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )

    xlsx = download(viewer_client, reverse("assessments:action_plan_xlsx", args=[assessment.pk]))
    sheet = load_workbook(io.BytesIO(xlsx.content))["Actions"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type != "f" for cell in cells)
    evil = next(cell.value for cell in cells if "HYPERLINK" in cell.value)
    assert evil.lstrip("'\n").startswith("=HYPERLINK") and evil.startswith("'")

    answer = viewer_client.get(reverse("assessments:action_plan_csv", args=[assessment.pk]))
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    evil = next(r["Description"] for r in rows if "HYPERLINK" in r["Description"])
    assert evil.startswith("'") and "\x01" not in evil and "\x1b" not in evil
