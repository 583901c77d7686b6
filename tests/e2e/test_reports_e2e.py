import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from assessments.demo import DEMO_PASSWORD, DISAGREED_2025, STAFF_STATEMENT_2025, seed_demo
from assessments.reports.presenters import BoardReport
from partnership.models import Organisation
from tests.e2e.conftest import assert_accessible, download_when_ready, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NORTHSHIRE = "Northshire Community NHS Trust"


def download_text(page, link_name, document_name):
    # The preparing page shows while the worker renders the document, then it downloads.
    download = download_when_ready(page, link_name, document_name)
    assert_accessible(page)
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF-")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )
    return download.suggested_filename, text


@pytest.mark.smoke
def test_board_member_reads_the_reports_and_downloads_both_pdfs(
    page, live_server, console_errors, task_worker
):
    # Given the demo trusts and Northshire's signed-off 2025/26 self-assessment
    seed_demo()
    assessment = Organisation.objects.get(ods_code="Z9A").assessments.get(period="2025/26")
    expected = BoardReport.build(assessment)

    # When the board member (a read-only viewer) signs in
    sign_in(page, live_server, "board@northshire.example", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")

    # And opens the scored report from the self-assessment's overview
    page.goto(live_server.url + reverse("assessments:assessment", args=[assessment.pk]))
    page.get_by_test_id("reports").get_by_role("link", name="Scored report").click()
    page.wait_for_url(f"**{reverse('assessments:report', args=[assessment.pk])}")

    # Then they see the scores, the stage and no draft warning
    assert page.get_by_role("heading", name="Scored report", level=1).is_visible()
    assert page.get_by_test_id("headline-stage").inner_text() == expected.headline_stage
    assert page.get_by_test_id("headline-score").inner_text() == expected.headline_score
    assert page.get_by_test_id("draft-notice").count() == 0
    assert page.locator("svg#standards-chart").is_visible()
    assert_accessible(page)

    # And the scored report's PDF downloads, with the organisation's name in it
    filename, text = download_text(page, "Download the scored report (PDF)", "scored report")
    assert filename == "Z9A-2025-26-scored-report.pdf"
    assert NORTHSHIRE in text and expected.headline_score in text

    # When they go back to the scored report and open the board report
    page.go_back()
    page.get_by_role("link", name="View the board report").click()
    page.wait_for_url(f"**{reverse('assessments:board_report', args=[assessment.pk])}")
    assert page.get_by_role("heading", name="Board report", level=1).is_visible()
    ((ref, dissent),) = DISAGREED_2025.items()
    assert " ".join(dissent.split()) in page.get_by_test_id(f"dissent-{ref}").inner_text()
    assert page.get_by_test_id("staff-statement").inner_text() == STAFF_STATEMENT_2025
    assert_accessible(page)

    # When they ask for its PDF, they see it being prepared, then download it when ready
    filename, text = download_text(page, "Download the board report (PDF)", "board report")
    assert filename == "Z9A-2025-26-board-report.pdf"
    assert NORTHSHIRE in text and expected.headline_stage in text
    assert "Helen Roberts" in text and "Sam Patel" in text
    assert console_errors == []


def test_a_draft_report_says_so(page, live_server, console_errors):
    # Given Northshire's demo assessment for 2026/27, still being completed
    seed_demo()
    organisation = Organisation.objects.get(ods_code="Z9A")
    assessment = organisation.assessments.get(period="2026/27")

    # When the board member opens its board report
    sign_in(page, live_server, "board@northshire.example", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + reverse("assessments:board_report", args=[assessment.pk]))

    # Then it is marked as a draft, and reads well
    assert page.get_by_test_id("draft-notice").is_visible()
    assert "DRAFT" in page.get_by_test_id("report-status").inner_text()
    assert_accessible(page)
    assert console_errors == []

    # And Southdale's board member cannot see it at all
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    sign_in(page, live_server, "board@southdale.example", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(
        live_server.url + reverse("assessments:board_report", args=[assessment.pk])
    )
    assert response.status == 404
