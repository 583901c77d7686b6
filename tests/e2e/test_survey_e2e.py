"""An invited person answers a survey through the emailed link, without an account; the lead
closes the survey and downloads the results."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.surveys import services
from tests.assessments.survey_helpers import (
    MANAGEMENT,
    STAFF_SIDE,
    answer_all,
    make_survey_framework,
)
from tests.e2e.conftest import assert_accessible, download_when_ready, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )


def test_an_invited_person_answers_by_link_and_the_lead_downloads_the_results(
    page, live_server, console_errors, settings, organisation, hr_lead, staff_rep, task_worker
):
    # Given an open survey at Northshire, where five managers and four staff-side members have
    # already answered, and a staff-side member invited by email who has no account
    settings.SITE_URL = live_server.url
    framework = make_survey_framework()
    today = datetime.date.today()
    survey_round = services.open_round(
        organisation,
        framework=framework,
        period="2026/27",
        title="Partnership pulse 2026",
        closes_on=today + datetime.timedelta(days=14),
        invitees={MANAGEMENT: [], STAFF_SIDE: ["rep@union.example"]},
        user=hr_lead,
        today=today,
    )
    answer_all(
        survey_round,
        {MANAGEMENT: [[8, 6, 7]] * 5, STAFF_SIDE: [[4, 3, 5]] * 4},
        today=today,
    )
    services.send_due_survey_emails()
    (email,) = [m for m in mail.outbox if m.to == ["rep@union.example"]]
    link = re.search(r"http\S+/survey-link/\S+/", email.body)[0]

    # When they open the link from the email and score each statement
    page.goto(link)
    expect(page.get_by_role("heading", name="Partnership pulse 2026")).to_be_visible()
    assert_accessible(page)
    for ref, value in (("P1", "9 points"), ("P2", "8 points"), ("P3", "10 points")):
        page.get_by_role("group", name=re.compile(rf"^{ref}\.")).get_by_label(
            value, exact=True
        ).check()
    page.get_by_role("button", name="Send my answer").click()

    # Then their answer is taken, and the link does not work again
    expect(page.get_by_test_id("thanks")).to_be_visible()
    assert_accessible(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="You have already answered")).to_be_visible()

    # When the lead signs in, closes the survey and reads the results
    sign_in(page, live_server, hr_lead.email, PASSWORD)
    page.goto(live_server.url + reverse("assessments:survey", args=[survey_round.pk]))
    expect(page.get_by_test_id(f"responses-{STAFF_SIDE}")).to_contain_text("5 of 5")
    assert_accessible(page)
    page.get_by_role("button", name="Close the survey and see the results").click()
    page.wait_for_url("**/results/")
    # Staff side P1: (4 * 4 + 9) / 5 = 5.0; management 8.0.
    row = page.get_by_test_id("statement-P1")
    expect(row).to_contain_text("8.0")
    expect(row).to_contain_text("5.0")
    assert_accessible(page)

    # And downloads the results PDF, which shows both sides' scores
    download = download_when_ready(page, "Download the results (PDF)", "survey results")
    text = pdf_text(download.path().read_bytes())
    assert "Survey results: Partnership pulse 2026" in text
    # Management first, then the staff side, then the gap: P2's staff side is (4*3 + 8)/5.
    assert "P1 Statement P1 8.0 5 answers 5.0 5 answers +3.0" in text
    assert "P2 Statement P2 6.0 5 answers 4.0 5 answers +2.0" in text
    # The browser logs the used link's 410 status; nothing else went wrong.
    assert [e for e in console_errors if "status of 410" not in e] == []
