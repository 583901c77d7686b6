"""Nothing served to a signed-in person is kept by a browser or a proxy: pages, reports, PDFs,
spreadsheets and evidence files all say ``Cache-Control: private, no-store``."""

import uuid

import pytest
from django.urls import reverse

from tests.assessments import test_action_plan_views as plan_views
from tests.assessments.test_evidence import make_file
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

framework = plan_views.framework
assessment = plan_views.assessment
gaps = plan_views.gaps
action = plan_views.action


def directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.fixture
def urls(organisation, assessment, gaps, action, hr_lead, media_root):  # noqa: F811
    evidence = make_file(gaps["S1.1"], hr_lead, media_root)
    pk = [assessment.pk]
    return {
        "home": reverse("assessments:home"),
        "waiting": reverse("assessments:waiting"),
        "organisation": reverse("partnership:organisation", args=[organisation.pk]),
        "assessment": reverse("assessments:assessment", args=pk),
        "criterion": reverse("assessments:criterion", args=[assessment.pk, gaps["S1.1"].pk]),
        "report": reverse("assessments:report", args=pk),
        "report PDF": reverse("assessments:report_pdf", args=pk),
        "board report PDF": reverse("assessments:board_report_pdf", args=pk),
        "responses CSV": reverse("assessments:export_csv", args=pk),
        "responses XLSX": reverse("assessments:export_xlsx", args=pk),
        "action plan": reverse("assessments:action_plan", args=pk),
        "action plan PDF": reverse("assessments:action_plan_pdf", args=pk),
        "action plan CSV": reverse("assessments:action_plan_csv", args=pk),
        "evidence file": reverse("assessments:download_file", args=[evidence.pk]),
        "password change": reverse("password_change"),
    }


def test_every_signed_in_page_and_download_is_private_and_not_stored(
    viewer_client, urls, run_tasks
):
    for name, url in urls.items():
        response = viewer_client.get(url)
        if response.status_code == 202:
            # A document on the task queue: the "preparing" page is private too, then the file.
            assert {"private", "no-store"} <= directives(response), name
            run_tasks()
            response = viewer_client.get(url)
        assert response.status_code == 200, name
        assert {"private", "no-store"} <= directives(response), name
        assert "public" not in directives(response), name


def test_refusals_and_not_found_answers_are_not_stored_either(viewer_client, assessment):
    refused = viewer_client.get(reverse("assessments:action_add", args=[assessment.pk]))
    missing = viewer_client.get(reverse("assessments:assessment", args=[uuid.uuid4()]))

    assert refused.status_code == 403 and {"private", "no-store"} <= directives(refused)
    assert missing.status_code == 404 and {"private", "no-store"} <= directives(missing)


def test_the_admin_is_private_too(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert {"private", "no-store"} <= directives(client.get(reverse("admin:index")))
