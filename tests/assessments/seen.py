"""What a signing page shows, as the digest its form carries (``seen``), for tests that post
signing forms directly. Pages compute the same (tests check the hidden fields too)."""

from assessments.models import ActionPlan, Response
from assessments.signing import plan_content, response_content
from assessments.views.signoff import sign_off_seen
from partnership.signing import ledger


def response_seen(response) -> dict:
    """The management answer as the criterion page shows it: ``seen`` and ``version``."""
    response = Response.objects.select_related("criterion").get(pk=response.pk)
    digest = ledger.digest_of(response_content(response, "management"))
    return {"seen": digest, "version": response.version}


def staff_sign_seen(response) -> dict:
    return {f"sign-{name}": value for name, value in response_seen(response).items()}


def plan_seen(assessment) -> dict:
    plan = ActionPlan.objects.filter(assessment_id=assessment.pk).first()
    return {"seen": ledger.digest_of(plan_content(plan)) if plan else "0" * 64}


def sign_off_data_seen(assessment) -> dict:
    return {"seen": sign_off_seen(assessment)}
