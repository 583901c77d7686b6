"""Building blocks for the case study tests: two assessment cycles in which a gap was closed
and agreed by both sides, and a case study drafted and approved from it."""

import datetime

import pytest

from assessments.casestudies import services as case_studies
from assessments.casestudies.services import case_study_subject
from assessments.models import Signature
from assessments.services import save_response, staff_side_sign, start_assessment, submit_response
from partnership.models import Membership
from partnership.signing import ledger
from tests.assessments.test_checklist_views import build_framework, responses_of

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE

TEXT = {
    "title": "Self-rostering agreed with the staff side",
    "summary": "Wards moved to self-rostering after a joint pilot.",
    "what_was_done": "A joint working group rewrote the rostering policy.",
    "impact": "Short-notice shift changes fell from 40 to 12 a month.",
    "joint_working": "The staff side co-chaired the working group.",
    "differently": "Start the pilot on more than one ward.",
    "contact": "Pat Jones, partnership manager",
}


def agree(response, hr_lead, staff_rep, rating):
    """The management side rates the criterion and both sides agree it."""
    response.refresh_from_db()
    save_response(
        response.pk, data={"rating": rating}, expected_version=response.version, user=hr_lead
    )
    submit_response(response.pk, user=hr_lead)
    staff_side_sign(
        response.pk, user=staff_rep, decision=Signature.Decision.AGREED, staff_rating=rating
    )
    response.refresh_from_db()
    return response


def closed_gap(organisation, hr_lead, staff_rep, *, framework=None):
    """S1.1 partly in place (1) in 2025/26, then in place for all (3), agreed, in 2026/27.
    Returns (framework, the 2026/27 responses by ref)."""
    framework = framework or build_framework()
    earlier = start_assessment(
        organisation=organisation, framework=framework, period="2025/26", title="A", user=hr_lead
    )
    save_response(
        responses_of(earlier)["S1.1"].pk, data={"rating": 1}, expected_version=1, user=hr_lead
    )
    later = start_assessment(
        organisation=organisation, framework=framework, period="2026/27", title="B", user=hr_lead
    )
    responses = responses_of(later)
    agree(responses["S1.1"], hr_lead, staff_rep, 3)
    return framework, responses


def draft(response, user, **overrides):
    data = {
        **TEXT,
        "audience": "everyone",
        "anonymous": False,
        "review_date": datetime.date(2028, 11, 30),
        **overrides,
    }
    return case_studies.draft_case_study(user=user, response=response, **data)


def approve(case_study, user, side):
    case_study.refresh_from_db()
    return case_studies.approve(
        case_study.pk,
        user=user,
        side=side,
        seen=ledger.digest_of(case_study_subject(case_study)),
    )


def publish(case_study, hr_lead, staff_rep):
    approve(case_study, staff_rep, STAFF_SIDE)
    approve(case_study, hr_lead, MANAGEMENT)
    case_study.refresh_from_db()
    return case_study


@pytest.fixture
def gap(organisation, hr_lead, staff_rep):
    return closed_gap(organisation, hr_lead, staff_rep)


@pytest.fixture
def case_study(gap, hr_lead):
    return draft(gap[1]["S1.1"], hr_lead)
