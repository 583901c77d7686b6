"""The checklist pages issue a fixed number of queries, however many criteria a framework has.

Counts are exact (django_assert_num_queries): a change that adds a query per row, or any
query at all, shows up here.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.services import (
    add_evidence_file,
    add_evidence_link,
    save_response,
    start_assessment,
)
from tests.assessments.test_checklist_views import build_framework, responses_of

pytestmark = pytest.mark.django_db

# Measured: session, user, the current organisation (header), the assessment, the
# membership, then the page's own queries.
OVERVIEW_QUERIES = 10  # + standards, progress by standard; joint states, unsettled, sign-offs
STANDARD_QUERIES = 9  # + standard, rating levels, rows with evidence counts, progress
CRITERIA_QUERIES = 7  # + rating levels, matching rows with evidence counts
# response (with assessment), levels, history, order, files, links, signatures, comments
CRITERION_QUERIES = 12
# An autosave: session, user, the response (with assessment and framework, only the columns the
# save needs), the membership, rating levels; then in the transaction (savepoint and release in
# a test) the version-checked update, the history row, and one query for anything to void. The
# row is not read again, and the current organisation is not read: the fragment does not show it.
SAVE_QUERIES = 10


def _fill(assessment, user, *, history=1):
    """Ratings, narratives, files and links on several criteria, and some history."""
    for i, response in enumerate(responses_of(assessment).values()):
        if i % 3 == 0:
            save_response(
                response.pk,
                data={"rating": 1, "barrier": "funding", "narrative": f"Narrative {i}"},
                expected_version=response.version,
                user=user,
            )
        elif i % 3 == 1:
            save_response(
                response.pk,
                data={"not_applicable": True, "not_applicable_reason": "None here"},
                expected_version=response.version,
                user=user,
            )
        if i % 4 == 0:
            add_evidence_link(response.pk, url="https://example.org", title="Policy", user=user)
            add_evidence_file(
                response.pk,
                stored_name=f"evidence/T/{i}.pdf",
                original_name=f"policy-{i}.pdf",
                content_type="application/pdf",
                size=100,
                sha256="0" * 64,
                user=user,
            )
    first = responses_of(assessment)["S1.1"]
    first.refresh_from_db()
    for n in range(history):
        save_response(
            first.pk,
            data={"rating": 3, "narrative": f"Edit {n}"},
            expected_version=first.version,
            user=user,
        )
        first.refresh_from_db()
    return assessment


@pytest.fixture
def small(organisation, hr_lead):
    framework = build_framework(standards=2, criteria_per_standard=5)
    assessment = start_assessment(
        organisation=organisation, framework=framework, period="2026/27", title="S", user=hr_lead
    )
    return _fill(assessment, hr_lead, history=1)


@pytest.fixture
def large(organisation, hr_lead):
    framework = build_framework(standards=2, criteria_per_standard=100)
    assessment = start_assessment(
        organisation=organisation, framework=framework, period="2027/28", title="L", user=hr_lead
    )
    return _fill(assessment, hr_lead, history=40)


def _urls(assessment):
    first = responses_of(assessment)["S1.1"]
    return {
        "overview": reverse("assessments:assessment", args=[assessment.pk]),
        "standard": reverse(
            "assessments:standard", args=[assessment.pk, first.criterion.standard_id]
        ),
        "criteria": reverse("assessments:criteria", args=[assessment.pk]) + "?show=no_evidence",
        "criterion": reverse("assessments:criterion", args=[assessment.pk, first.pk]),
    }


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("overview", OVERVIEW_QUERIES),
        ("standard", STANDARD_QUERIES),
        ("criteria", CRITERIA_QUERIES),
        ("criterion", CRITERION_QUERIES),
    ],
)
def test_query_count_does_not_grow_with_the_framework(
    hr_lead_client, small, large, django_assert_num_queries, page, expected
):
    assert expected <= 15
    for assessment in (small, large):
        url = _urls(assessment)[page]
        with django_assert_num_queries(expected):
            answer = hr_lead_client.get(url)
        assert answer.status_code == 200


def test_large_pages_show_every_criterion(hr_lead_client, large):
    content = hr_lead_client.get(_urls(large)["standard"]).content.decode()
    assert content.count('data-testid="criterion-row"') == 100
    content = hr_lead_client.get(_urls(large)["overview"]).content.decode()
    assert content.count('data-testid="standard-row"') == 2


def test_saving_issues_a_fixed_number_of_queries(hr_lead_client, small, large):
    counts = []
    for assessment in (small, large):
        response = responses_of(assessment)["S2.1"]
        url = reverse("assessments:criterion", args=[assessment.pk, response.pk])
        with CaptureQueriesContext(connection) as captured:
            answer = hr_lead_client.post(
                url,
                {"rating": "3", "narrative": "Saved", "version": response.version},
                HTTP_HX_REQUEST="true",
            )
        assert answer.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts == [SAVE_QUERIES, SAVE_QUERIES]
