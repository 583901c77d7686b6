"""The scored report, the board report, their PDFs, the exports and render_report."""

import csv
import hashlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from assessments.frameworks import load_framework_files
from assessments.models import Assessment, Framework, Response, Signature
from assessments.reports.data import ReportData
from assessments.reports.exports import safe
from assessments.reports.pdf import board_report_pdf, scored_report_pdf
from assessments.reports.presenters import BoardReport
from assessments.services import (
    add_comment,
    add_evidence_file,
    add_evidence_link,
    save_response,
    sign_off,
    staff_side_sign,
    start_assessment,
    submit_response,
)
from assessments.signing import (
    assessment_content,
    assessment_content_of,
    verify_sign_off,
    verify_signature,
)
from tests.assessments.test_checklist_views import build_framework
from tests.factories import StageFactory

BUNDLED = Path(settings.BASE_DIR) / "fixtures" / "frameworks" / "iwl-standard-2000.yaml"
SCRIPT = "<script>alert(1)</script>"
DISSENT = "Six policies are past their review date: this is not partly in place."
RESERVATION = "Night staff were not consulted on the equality policy."
STAFF_STATEMENT = "The staff side supports this account, with the reservations recorded."
JOINT_STATEMENT = "Both sides agree this is a fair account of working lives in 2025/26."

AGREED = Signature.Decision.AGREED
RESERVATIONS = Signature.Decision.AGREED_WITH_RESERVATIONS
DISAGREED = Signature.Decision.DISAGREED


def record(assessment, hr_lead, staff_rep, plan=None, *, default=2, sign=True, evidence=True):
    """Rate, submit and co-sign every criterion. ``plan`` maps a ref to overrides: rating,
    staff_rating, decision, comment, narrative, barrier, barrier_detail, not_applicable."""
    plan = plan or {}
    responses = assessment.responses.select_related("criterion").order_by(
        "criterion__standard__position", "criterion__position"
    )
    for index, response in enumerate(responses):
        ref = response.criterion.ref
        item = {"rating": default, "staff_rating": None, "decision": AGREED, **plan.get(ref, {})}
        not_applicable = item.get("not_applicable", False)
        rating = None if not_applicable else item["rating"]
        save_response(
            response.pk,
            data={
                "rating": rating,
                "not_applicable": not_applicable,
                "not_applicable_reason": "No such service here" if not_applicable else "",
                "narrative": item.get("narrative", f"How {ref} is met"),
                "barrier": item.get(
                    "barrier", "funding" if rating is not None and rating < 2 else ""
                ),
                "barrier_detail": item.get("barrier_detail", ""),
            },
            expected_version=response.version,
            user=hr_lead,
        )
        if evidence and index % 3 == 0:
            add_evidence_link(
                response.pk,
                url=f"https://intranet.example/{ref}",
                title=f"Policy {ref}",
                user=hr_lead,
            )
            # Stored for real: verifying a sign-off checks every evidence file's bytes.
            content = f"%PDF-1.4 {ref} board paper {index}".encode()
            add_evidence_file(
                response.pk,
                stored_name=default_storage.save(f"evidence/T/{ref}.pdf", ContentFile(content)),
                original_name=f"{ref} board paper.pdf",
                content_type="application/pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                user=hr_lead,
            )
        if not sign or not_applicable:
            continue
        submit_response(response.pk, user=hr_lead)
        staff_side_sign(
            response.pk,
            user=staff_rep,
            decision=item["decision"],
            comment=item.get("comment", ""),
            staff_rating=item["staff_rating"] if item["staff_rating"] is not None else rating,
        )
    return assessment


def sign_off_both(assessment, hr_lead, staff_rep):
    sign_off(assessment.pk, user=hr_lead, side="management", joint_statement=JOINT_STATEMENT)
    sign_off(
        assessment.pk,
        user=staff_rep,
        side="staff_side",
        joint_statement=JOINT_STATEMENT,
        side_statement=STAFF_STATEMENT,
    )
    return Assessment.objects.get(pk=assessment.pk)


# The IWL plan, hand-worked (total weight 52; RC2, weight 2, does not apply: 50 applicable).
# Every criterion "In place" (2, 66 2/3%) except:
#   HR1 (weight 2) 3, narrative <script>...; HR4 1, the staff side rates 0 and disagrees;
#   ED4 0; ED1 2, the staff side rates it 1 and agrees with reservations.
# Management: 50 x 66 2/3 + 2 x 33 1/3 (HR1) - 33 1/3 (HR4) - 66 2/3 (ED4) = 3300 -> 66%
# Staff side: 3333 1/3 + 66 2/3 - 66 2/3 (HR4 at 0) - 66 2/3 (ED4) - 33 1/3 (ED1 at 1)
#             = 3233 1/3 -> 64.666... -> 64.7%
# Agreed: as management, but HR4 is not agreed (counts 0): 3300 - 33 1/3 = 3266 2/3 -> 65.3%
# Stage on the agreed ratings: Pledge (every policy criterion at 2 or more); Practice fails:
# HR4 is core and not agreed, and HR4 and ED4 are gaps with no action.
IWL_PLAN = {
    "HR1": {"rating": 3, "narrative": SCRIPT},
    "HR4": {
        "rating": 1,
        "staff_rating": 0,
        "decision": DISAGREED,
        "comment": DISSENT,
        "barrier": "staffing",
        "barrier_detail": "The policy officer post was vacant for eight months.",
    },
    "ED4": {
        "rating": 0,
        "barrier": "not_prioritised",
        "barrier_detail": '=HYPERLINK("http://evil.example","Click")',
    },
    "ED1": {"staff_rating": 1, "decision": RESERVATIONS, "comment": RESERVATION},
    "RC2": {"not_applicable": True},
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Evidence files are stored in a temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def iwl(db):
    load_framework_files([BUNDLED])
    return Framework.objects.get(slug="iwl-standard-2000", version="1.0")


@pytest.fixture
def iwl_assessment(organisation, hr_lead, staff_rep, iwl):
    assessment = start_assessment(
        organisation=organisation,
        framework=iwl,
        period="2025/26",
        title="Improving Working Lives self-assessment 2025/26",
        user=hr_lead,
    )
    return record(assessment, hr_lead, staff_rep, IWL_PLAN)


@pytest.fixture
def signed_off(iwl_assessment, hr_lead, staff_rep):
    return sign_off_both(iwl_assessment, hr_lead, staff_rep)


def small_framework(criteria=2, standards=1):
    framework = build_framework(standards=standards, criteria_per_standard=criteria)
    StageFactory(
        framework=framework,
        slug="bronze",
        name="Bronze",
        position=0,
        rule=[{"all": True, "at_least": 1}],
    )
    StageFactory(
        framework=framework,
        slug="silver",
        name="Silver",
        position=1,
        rule=[{"all": True, "at_least": 2}, {"actions_for_gaps": True}],
    )
    return framework


@pytest.fixture
def small(organisation, hr_lead, staff_rep):
    assessment = start_assessment(
        organisation=organisation,
        framework=small_framework(),
        period="2025/26",
        title="Small",
        user=hr_lead,
    )
    return record(
        assessment, hr_lead, staff_rep, {"S1.2": {"decision": DISAGREED, "comment": DISSENT}}
    )


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


URL_NAMES = (
    "report",
    "board_report",
    "report_pdf",
    "board_report_pdf",
    "export_csv",
    "export_xlsx",
)
CONTENT_TYPES = {
    "report": "text/html; charset=utf-8",
    "board_report": "text/html; charset=utf-8",
    "report_pdf": "application/pdf",
    "board_report_pdf": "application/pdf",
    "export_csv": "text/csv; charset=utf-8",
    "export_xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize("name", URL_NAMES)
    @pytest.mark.parametrize("who", ["hr_lead_client", "staff_rep_client", "viewer_client"])
    def test_members_of_either_side_and_viewers_may_read(self, request, small, name, who, download):
        client = request.getfixturevalue(who)
        response = download(client, reverse(f"assessments:{name}", args=[small.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == CONTENT_TYPES[name]

    @pytest.mark.parametrize("name", URL_NAMES)
    def test_outsiders_get_404(self, outsider_client, small, name):
        assert (
            outsider_client.get(reverse(f"assessments:{name}", args=[small.pk])).status_code == 404
        )

    @pytest.mark.parametrize("name", URL_NAMES)
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, small, name):
        url = reverse(f"assessments:{name}", args=[small.pk])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("name", URL_NAMES)
    def test_an_unknown_id_is_404(self, viewer_client, name):
        url = reverse(f"assessments:{name}", args=["00000000-0000-0000-0000-000000000000"])
        assert viewer_client.get(url).status_code == 404

    def test_reports_only_answer_get(self, hr_lead_client, small):
        assert (
            hr_lead_client.post(reverse("assessments:report", args=[small.pk])).status_code == 405
        )

    def test_pdf_download_headers(self, viewer_client, small, download):
        response = download(viewer_client, reverse("assessments:board_report_pdf", args=[small.pk]))
        assert (
            response["Content-Disposition"] == 'attachment; filename="Z9A-2025-26-board-report.pdf"'
        )
        response = download(viewer_client, reverse("assessments:report_pdf", args=[small.pk]))
        assert (
            response["Content-Disposition"]
            == 'attachment; filename="Z9A-2025-26-scored-report.pdf"'
        )
        response = viewer_client.get(reverse("assessments:export_csv", args=[small.pk]))
        assert response["Content-Disposition"] == 'attachment; filename="Z9A-2025-26-responses.csv"'


@pytest.mark.django_db
class TestScoredReportPage:
    @pytest.mark.smoke
    def test_scores_stage_dissent_and_gaps(self, viewer_client, iwl_assessment):
        response = viewer_client.get(reverse("assessments:report", args=[iwl_assessment.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Northshire Community NHS Trust" in html
        assert "Improving Working Lives Standard, version 1.0" in html
        # The three scores, hand-worked above the plan
        report = response.context["report"]
        assert [(b.basis.value, b.percent) for b in report.bases] == [
            ("agreed", "65.3%"),
            ("management", "66%"),
            ("staff_side", "64.7%"),
        ]
        assert report.headline_stage == "Pledge"
        assert report.explanation == [
            "Practice not reached: 1 core criterion is below “Partly in place”: HR4 (not agreed)",
            "Practice not reached: 2 gaps have no action: HR4 (not agreed), ED4",
        ]
        assert "Practice not reached: 2 gaps have no action: HR4 (not agreed), ED4" in html
        # Dissent and reservations in full; every gap with its reason
        assert DISSENT in html and RESERVATION in html
        assert 'data-testid="dissent-HR4"' in html and 'data-testid="dissent-ED1"' in html
        assert [row.criterion.ref for row in report.gaps] == ["HR4", "ED1", "ED4"]
        assert "The policy officer post was vacant for eight months." in html
        # Every criterion has a row, in every standard, flagged where the sides' ratings differ
        assert len(re.findall(r'data-testid="criterion-[A-Z]+\d"', html)) == 45
        differ = [row.criterion.ref for row in report.rows if row.ratings_differ]
        assert differ and html.count('data-testid="ratings-differ"') == len(differ)
        # The chart is inline SVG with its font
        assert "<svg" in html and 'font-family="Arial' in html

    def test_signatures_are_verified(self, viewer_client, iwl_assessment):
        html = viewer_client.get(
            reverse("assessments:report", args=[iwl_assessment.pk])
        ).content.decode()
        # 44 applicable criteria, each signed by both sides
        assert html.count("Verified: the signed content is unchanged") == 88
        # A change behind the service's back (no voiding) shows as a mismatch, and the rating
        # no longer counts as agreed.
        Response.objects.filter(assessment=iwl_assessment, criterion__ref="HR2").update(
            narrative="Edited"
        )
        response = viewer_client.get(reverse("assessments:report", args=[iwl_assessment.pk]))
        html = response.content.decode()
        assert html.count("Does not match: the content has changed since it was signed") == 2
        row = next(r for r in response.context["report"].rows if r.criterion.ref == "HR2")
        assert row.agreed is None and row.agreed_note == "Not agreed: a signature does not verify"

    def test_user_text_is_escaped(self, viewer_client, iwl_assessment):
        for name in ("report", "board_report"):
            html = viewer_client.get(
                reverse(f"assessments:{name}", args=[iwl_assessment.pk])
            ).content.decode()
            assert SCRIPT not in html
        html = viewer_client.get(
            reverse("assessments:report", args=[iwl_assessment.pk])
        ).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_draft_watermark_until_joint_sign_off(
        self, viewer_client, iwl_assessment, hr_lead, staff_rep
    ):
        for name in ("report", "board_report"):
            html = viewer_client.get(
                reverse(f"assessments:{name}", args=[iwl_assessment.pk])
            ).content.decode()
            assert 'data-testid="draft-watermark"' in html and ">DRAFT<" in html
        # One lead's sign-off is not enough
        sign_off(
            iwl_assessment.pk, user=hr_lead, side="management", joint_statement=JOINT_STATEMENT
        )
        html = viewer_client.get(
            reverse("assessments:report", args=[iwl_assessment.pk])
        ).content.decode()
        assert "draft-watermark" in html
        sign_off(
            iwl_assessment.pk,
            user=staff_rep,
            side="staff_side",
            joint_statement=JOINT_STATEMENT,
            side_statement=STAFF_STATEMENT,
        )
        for name in ("report", "board_report"):
            html = viewer_client.get(
                reverse(f"assessments:{name}", args=[iwl_assessment.pk])
            ).content.decode()
            assert "draft-watermark" not in html and "DRAFT" not in html
            assert "Jointly signed off" in html


@pytest.mark.django_db
class TestBoardReportPage:
    def test_headline_gaps_statements_and_signatures(
        self, viewer_client, signed_off, hr_lead, staff_rep
    ):
        response = viewer_client.get(reverse("assessments:board_report", args=[signed_off.pk]))
        html = response.content.decode()
        report = response.context["report"]
        assert report.headline_stage == "Pledge" and report.headline_score == "65.3%"
        assert "No earlier assessment on this framework to compare with" in html
        # Gaps, largest weighted shortfall first: ED4 (0: 100 points), HR4 (0 on the staff
        # side's rating: 100 points), ED1 (1 on the staff side's: 66 2/3)
        assert [row.criterion.ref for row in report.top_gaps] == ["HR4", "ED4", "ED1"]
        assert STAFF_STATEMENT in html and JOINT_STATEMENT in html
        assert DISSENT in html and RESERVATION in html
        assert hr_lead.get_full_name() in html and staff_rep.get_full_name() in html
        assert html.count("Verified: the assessment is as it was signed off") == 2
        # The action plan section says where the plan stands, even when there is none.
        assert 'data-testid="action-plans"' in html and "There is no action plan yet." in html

    def test_the_action_plan_hook(self, iwl_assessment):
        # In progress: a signed-off assessment is scored from its snapshot instead.
        from django.template.loader import render_to_string

        report = BoardReport.build(iwl_assessment)
        assert report.action_plan_summary is None
        report = BoardReport.build(
            iwl_assessment,
            criteria_with_actions=[
                c.pk for c in iwl_assessment.framework.criteria.filter(ref__in=["HR4", "ED4"])
            ],
            action_plan_summary=SimpleNamespace(headline="2 actions, 1 overdue", rows=[]),
        )
        html = render_to_string(report.template_name, {**report.context(), "breadcrumbs": []})
        assert 'data-testid="action-plans"' in html and "2 actions, 1 overdue" in html
        # With actions for both gaps, only the core criterion HR4 (not agreed) stops Practice.
        assert report.explanation == [
            "Practice not reached: 1 core criterion is below “Partly in place”: HR4 (not agreed)"
        ]

    def test_the_assessments_own_action_plan_counts_by_default(
        self, iwl_assessment, hr_lead, staff_rep
    ):
        # In progress: once signed off, the plan as it stood then counts (test_signed_records).
        from datetime import date

        from assessments.services import save_action

        signed_off = iwl_assessment
        responses = list(signed_off.responses.filter(criterion__ref__in=["HR4", "ED4"]))
        save_action(
            signed_off.pk,
            user=hr_lead,
            description="Review the six policies past their review date",
            responses=responses,
            management_owner=hr_lead,
            staff_owner=staff_rep,
            target_date=date(2026, 9, 30),
        )
        report = BoardReport.build(signed_off)
        assert report.gaps_without_action == ()
        assert report.explanation == [
            "Practice not reached: 1 core criterion is below “Partly in place”: HR4 (not agreed)"
        ]

    def test_trend_against_the_previous_assessment(
        self, viewer_client, signed_off, organisation, hr_lead, staff_rep, iwl
    ):
        earlier = start_assessment(
            organisation=organisation,
            framework=iwl,
            period="2024/25",
            title="IWL 2024/25",
            user=hr_lead,
        )
        # Everything agreed at 1 ("Partly in place", 33 1/3%) except RC2 (not applicable)
        record(
            earlier,
            hr_lead,
            staff_rep,
            {"RC2": {"not_applicable": True}},
            default=1,
            evidence=False,
        )
        report = BoardReport.build(Assessment.objects.get(pk=signed_off.pk))
        assert report.previous == earlier
        # 65 1/3 - 33 1/3 = 32 points
        assert report.trend_text == "Up 32 points from 33.3% in 2024/25"
        assert report.previous_stage == "No stage reached"
        hr = next(s for s in report.standards if s.ref == "HR")
        assert hr.previous == "33.3%"
        # assessment.previous wins over the latest earlier period
        older = start_assessment(
            organisation=organisation,
            framework=iwl,
            period="2023/24",
            title="IWL 2023/24",
            user=hr_lead,
        )
        Assessment.objects.filter(pk=signed_off.pk).update(previous=older)
        report = BoardReport.build(Assessment.objects.get(pk=signed_off.pk))
        assert report.previous == older
        assert report.trend_text == "Up 65.3 points from 0% in 2023/24"


@pytest.mark.django_db
class TestPdfs:
    @pytest.mark.smoke
    def test_board_report_pdf(self, viewer_client, signed_off, hr_lead, staff_rep, download):
        url = reverse("assessments:board_report_pdf", args=[signed_off.pk])
        response = download(viewer_client, url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(response.content))
        assert 2 <= len(reader.pages) <= 4
        text = text_of(response.content)
        assert "Northshire Community NHS Trust" in text
        for figure in ("65.3%", "66%", "64.7%", "Pledge"):
            assert figure in text
        assert DISSENT in text and RESERVATION in text and STAFF_STATEMENT in text
        assert hr_lead.get_full_name() in text and staff_rep.get_full_name() in text
        assert f"Page 1 of {len(reader.pages)}" in text
        assert "DRAFT" not in text

    def test_scored_report_pdf(self, signed_off):
        pdf = scored_report_pdf(signed_off)
        text = text_of(pdf)
        assert "Northshire Community NHS Trust" in text and "Scored report" in text
        for figure in ("65.3%", "66%", "64.7%", "Pledge"):
            assert figure in text
        assert DISSENT in text and RESERVATION in text
        # The narrative is text on paper too, not markup
        assert SCRIPT in squashed(text)
        # Every criterion appears
        for ref in ("HR1", "ED4", "RC2", "TD6"):
            assert ref in text

    def test_draft_watermark_in_the_pdf(self, iwl_assessment):
        assert "DRAFT" in text_of(board_report_pdf(iwl_assessment))

    def test_the_pdf_is_tagged_with_its_fonts_embedded(self, small):
        reader = PdfReader(io.BytesIO(board_report_pdf(small)))
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
        fonts = [
            font.get_object()
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        ]
        # Arial resolves to Liberation Sans, its metric twin, embedded (subset) in the file
        assert fonts and all("Liberation-Sans" in str(font["/BaseFont"]) for font in fonts)
        for font in fonts:
            descriptor = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if "/DescendantFonts" in font
                else font["/FontDescriptor"]
            )
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.get_object())

    def test_the_pdf_reads_no_url_but_our_stylesheets(self, small, monkeypatch):
        from assessments.reports import pdf

        fetched = []
        original = pdf.StaticFilesOnly.fetch

        def spy(self, url, headers=None):
            fetched.append(url)
            return original(self, url, headers)

        monkeypatch.setattr(pdf.StaticFilesOnly, "fetch", spy)
        monkeypatch.setattr(pdf, "_parsed", {})
        board_report_pdf(small)
        board_report_pdf(small)
        # The stylesheets are read as files, and nothing in a report is fetched
        assert fetched == []
        with pytest.raises(ValueError, match="not a static file"):
            original(pdf.StaticFilesOnly(), "file:///etc/passwd")
        with pytest.raises(ValueError, match="disallowed protocol"):
            original(pdf.StaticFilesOnly(), "http://169.254.169.254/")

    def test_a_changed_stylesheet_is_parsed_again(self, monkeypatch):
        from partnership import pdf  # the stylesheet cache is shared by both layers

        monkeypatch.setattr(pdf, "_parsed", {})
        first = pdf.stylesheets()
        assert pdf.stylesheets() == first
        path = pdf.stylesheet_paths()[1]
        monkeypatch.setitem(pdf._parsed, path, (0, first[1]))  # as if the file had changed
        assert pdf.stylesheets()[1] is not first[1]


@pytest.mark.django_db
class TestExports:
    def test_csv_has_every_criterion_with_both_ratings(self, viewer_client, iwl_assessment):
        response = viewer_client.get(reverse("assessments:export_csv", args=[iwl_assessment.pk]))
        content = response.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(content)))
        assert len(rows) == 45
        by_ref = {row["Criterion"]: row for row in rows}
        assert (
            by_ref["HR4"]["Management rating"] == "1" and by_ref["HR4"]["Staff side rating"] == "0"
        )
        assert by_ref["HR4"]["Agreed rating"] == "" and by_ref["HR4"]["State"] == "Disagreed"
        assert by_ref["HR4"]["Staff side comment"] == DISSENT
        assert by_ref["ED1"]["Agreed rating"] == "2" and by_ref["ED1"]["Staff side rating"] == "1"
        assert by_ref["RC2"]["Applicable"] == "No"
        assert by_ref["HR1"]["Evidence narrative"] == SCRIPT
        assert "Verified" in by_ref["HR2"]["Management signature"]
        assert by_ref["HR1"]["Files"].startswith("HR1 board paper.pdf")

    def test_csv_is_safe_against_formula_injection(self, viewer_client, iwl_assessment):
        response = viewer_client.get(reverse("assessments:export_csv", args=[iwl_assessment.pk]))
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        detail = next(r for r in rows if r["Criterion"] == "ED4")["Why it is not in place"]
        assert detail == '\'=HYPERLINK("http://evil.example","Click")'
        for row in rows:
            for value in row.values():
                assert not value.startswith(("=", "+", "-", "@"))

    def test_xlsx_has_every_criterion_and_no_formulas(
        self, viewer_client, iwl_assessment, download
    ):
        response = download(
            viewer_client, reverse("assessments:export_xlsx", args=[iwl_assessment.pk])
        )
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook["Responses"]
        header = [cell.value for cell in sheet[1]]
        rows = [
            dict(zip(header, (cell.value for cell in row), strict=True))
            for row in sheet.iter_rows(min_row=2)
        ]
        assert len(rows) == 45
        by_ref = {row["Criterion"]: row for row in rows}
        assert by_ref["HR4"]["Management rating"] == 1 and by_ref["HR4"]["Staff side rating"] == 0
        assert by_ref["ED4"]["Why it is not in place"].startswith("'=HYPERLINK")
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
        assert workbook["Summary"]["B5"].value == "65.3%"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\n=1"),
            # A control character before '=' is dropped before the check, not after it.
            ("\x01=HYPERLINK(A1)", "'=HYPERLINK(A1)"),
            ("\x00\x1b\x7f=1", "'=1"),
            (" \u200b=1", "' \u200b=1"),
            ("Line one\r\nline two\x07", "Line one\nline two"),
        ],
    )
    def test_safe(self, value, expected):
        assert safe(value) == expected

    def test_safe_leaves_numbers_and_plain_text(self):
        assert safe(-1) == -1 and safe("Plain") == "Plain" and safe("") == ""


@pytest.mark.django_db
class TestVerifiers:
    def test_batched_verification_agrees_with_the_signing_module(self, small, hr_lead):
        response = small.responses.order_by("criterion__position").first()
        # Tamper with one response behind the service's back
        Response.objects.filter(pk=response.pk).update(narrative="Changed behind our backs")
        data = ReportData.load(small)
        signatures = [s for r in data.responses for s in r.active_signatures]
        assert len(signatures) == 4
        for r in data.responses:
            for s in r.active_signatures:
                assert data.verifications[s.pk] == verify_signature(s)
        assert {v.matches for v in data.verifications.values()} == {True, False}

    def test_sign_off_content_matches_the_signing_module(self, small, hr_lead, staff_rep):
        assessment = sign_off_both(small, hr_lead, staff_rep)
        data = ReportData.load(assessment)
        assert len(data.sign_offs) == 2
        for signed in data.sign_offs:
            assert assessment_content_of(assessment, data.responses, signed.joint_statement) == (
                assessment_content(assessment, signed.joint_statement)
            )
            assert data.sign_off_verifications[signed.pk] == verify_sign_off(signed)
            assert data.sign_off_verifications[signed.pk].status == "verified"


# --- Query counts ------------------------------------------------------------------------------


def populated(organisation, hr_lead, staff_rep, *, criteria):
    """An assessment of ``criteria`` criteria with files, links, both sides' signatures,
    dissent, comments, a joint sign-off and a previous assessment."""
    framework = small_framework(criteria=criteria // 5, standards=5)
    earlier = start_assessment(
        organisation=organisation,
        framework=framework,
        period="2024/25",
        title="Earlier",
        user=hr_lead,
    )
    record(earlier, hr_lead, staff_rep, default=1, evidence=False)
    assessment = start_assessment(
        organisation=organisation,
        framework=framework,
        period="2025/26",
        title="Now",
        user=hr_lead,
        previous=earlier,
    )
    refs = list(framework.criteria.values_list("ref", flat=True))
    plan = {
        refs[0]: {"decision": DISAGREED, "comment": DISSENT, "rating": 1},
        refs[1]: {"decision": RESERVATIONS, "comment": RESERVATION},
        refs[2]: {"not_applicable": True},
    }
    record(assessment, hr_lead, staff_rep, plan)
    for response in assessment.responses.all()[:3]:
        add_comment(response.pk, user=hr_lead, body="Can we talk about this?")
    assert assessment.responses.count() == criteria
    return sign_off_both(assessment, hr_lead, staff_rep)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Measured. Pages: session, user, membership (access), assessment, then the report's own:
# the signed-off snapshot (instead of the criteria with actions), levels, stages, criteria,
# responses, files, links, signatures, comments, sign-offs, the ledger's void entries (to verify
# the signatures and sign-offs), the previous assessment, its responses, levels, stages and
# criteria with actions; and the header's organisation.
REPORT_QUERIES = 21
# The board report also reads the action plan: its actions and its signatures (and, when there
# are actions, the criteria they address).
BOARD_REPORT_QUERIES = REPORT_QUERIES + 2
EXPORT_QUERIES = 20  # the same without the header's organisation
# Session and user, membership, the assessment, the content key (previous assessment, stamp),
# the stored document.
STORED_DOCUMENT_QUERIES = 7
PDF_QUERIES = 16 + 2  # the board report's own, from an assessment already fetched


@pytest.mark.django_db
class TestQueryCounts:
    @pytest.mark.parametrize(
        "name, expected",
        [
            ("report", REPORT_QUERIES),
            ("board_report", BOARD_REPORT_QUERIES),
            ("export_csv", EXPORT_QUERIES),
        ],
    )
    def test_queries_do_not_grow_with_the_criteria(
        self, hr_lead_client, organisation, hr_lead, staff_rep, name, expected
    ):
        counts = []
        for criteria in (5, 50):
            assessment = populated(organisation, hr_lead, staff_rep, criteria=criteria)
            counts.append(
                count_queries(hr_lead_client, reverse(f"assessments:{name}", args=[assessment.pk]))
            )
            Assessment.objects.all().delete()
        assert counts == [expected, expected]

    @pytest.mark.parametrize("name", ["board_report_pdf", "export_xlsx"])
    def test_serving_a_stored_document_does_not_grow_with_the_criteria(
        self, hr_lead_client, organisation, hr_lead, staff_rep, name, download
    ):
        counts = []
        for criteria in (5, 50):
            assessment = populated(organisation, hr_lead, staff_rep, criteria=criteria)
            url = reverse(f"assessments:{name}", args=[assessment.pk])
            download(hr_lead_client, url)
            with CaptureQueriesContext(connection) as queries:
                assert hr_lead_client.get(url).status_code == 200
            counts.append(len(queries))
            Assessment.objects.all().delete()
        assert counts == [STORED_DOCUMENT_QUERIES] * 2

    def test_the_pdf_reads_as_much_as_the_page(
        self, organisation, hr_lead, staff_rep, django_assert_num_queries
    ):
        assessment = Assessment.objects.select_related("framework", "organisation").get(
            pk=populated(organisation, hr_lead, staff_rep, criteria=50).pk
        )
        with django_assert_num_queries(PDF_QUERIES):
            board_report_pdf(assessment)


# --- render_report -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestRenderReport:
    @pytest.mark.parametrize("kind", ["board", "scored"])
    def test_writes_the_pdf(self, signed_off, tmp_path, kind, capsys):
        output = tmp_path / f"{kind}.pdf"
        call_command(
            "render_report",
            organisation="z9a",
            framework="iwl-standard-2000",
            period="2025/26",
            kind=kind,
            output=str(output),
        )
        text = text_of(output.read_bytes())
        assert "Northshire Community NHS Trust" in text and "65.3%" in text
        assert f"Wrote the {kind} report" in capsys.readouterr().out

    @pytest.mark.parametrize(
        "options, message",
        [
            ({"organisation": "NOPE"}, "No organisation has the ODS code NOPE"),
            ({"framework": "no-such-framework"}, "No framework has the slug no-such-framework"),
            (
                {"period": "2030/31"},
                "has no iwl-standard-2000 assessment for 2030/31 (periods on record: 2025/26)",
            ),
            ({"period": "2025"}, "'2025' is not a period"),
        ],
    )
    def test_unknown_things_are_clear_errors(self, signed_off, tmp_path, options, message):
        arguments = {
            "organisation": "Z9A",
            "framework": "iwl-standard-2000",
            "period": "2025/26",
            "kind": "board",
            "output": str(tmp_path / "x.pdf"),
            **options,
        }
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("render_report", **arguments)
        assert not (tmp_path / "x.pdf").exists()

    def test_an_unknown_kind_is_refused(self, signed_off, tmp_path):
        with pytest.raises(CommandError, match="invalid choice"):
            call_command(
                "render_report",
                "--organisation=Z9A",
                "--framework=iwl-standard-2000",
                "--period=2025/26",
                "--kind=minutes",
                f"--output={tmp_path / 'x.pdf'}",
            )

    def test_several_versions_take_the_newest(
        self, signed_off, organisation, hr_lead, iwl, tmp_path, capsys
    ):
        import datetime

        newer = Framework.objects.create(
            slug=iwl.slug,
            version="2.0",
            title=iwl.title,
            publication_date=datetime.date(2026, 1, 1),
            countries=["england"],
            met_value=2,
            content_hash="1" * 64,
        )
        for level in iwl.levels.all():
            newer.levels.create(value=level.value, label=level.label, rag=level.rag)
        start_assessment(
            organisation=organisation, framework=newer, period="2025/26", title="v2", user=hr_lead
        )
        call_command(
            "render_report",
            organisation="Z9A",
            framework="iwl-standard-2000",
            period="2025/26",
            kind="board",
            output=str(tmp_path / "x.pdf"),
        )
        captured = capsys.readouterr()
        assert "using the newest version, 2.0" in captured.err
        assert "version 2.0" in captured.out


# Anything a person can type, with formula starts, control characters and invisible formatting
# characters made likely, in front and throughout.
CELL_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", " ", "\u200b", "\ufeff", "\xa0"]),
        st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs"]),
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
    ),
    max_size=12,
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(texts=st.lists(CELL_TEXT, min_size=1, max_size=6))
def test_no_typed_text_becomes_a_live_formula_in_either_export(texts):
    """Each text goes through ``safe`` and the writers the exports use, and is read back as a
    spreadsheet would: never a formula, never starting with a formula character."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cells")
    sheet.append([safe(text) for text in texts])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read_back = load_workbook(buffer)["Cells"]
    for cell in next(read_back.iter_rows()):
        assert cell.data_type != "f", repr(cell.value)
        value = cell.value or ""
        assert not value.lstrip().startswith(("=", "+", "-", "@")), repr(value)

    written = io.StringIO()
    csv.writer(written).writerow([safe(text) for text in texts])
    for value in next(csv.reader(io.StringIO(written.getvalue()))):
        visible = value.lstrip(" \t\n\xa0\u200b\ufeff")
        assert not visible.startswith(("=", "+", "-", "@")) or value.startswith("'"), value
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", value), repr(value)
