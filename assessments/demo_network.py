"""Signed-off cycles made through the services, for the network demo and the tests.

Every call to a joint-recording service is in ``signed_off_cycle`` (one place to adjust when
the services' signatures change).
"""

from dataclasses import dataclass

from . import services
from .models import Assessment, Signature


@dataclass(frozen=True)
class Answer:
    rating: int | None
    staff_rating: int | None = None  # None: the staff side agrees without its own rating
    barrier: str = ""
    barrier_detail: str = ""
    narrative: str = ""
    not_applicable: bool = False


def _data(answer: Answer) -> dict:
    return {
        "rating": None if answer.not_applicable else answer.rating,
        "not_applicable": answer.not_applicable,
        "not_applicable_reason": "Not a service we provide" if answer.not_applicable else "",
        "narrative": answer.narrative,
        "barrier": answer.barrier,
        "barrier_detail": answer.barrier_detail,
    }


def signed_off_cycle(
    organisation, framework, period, *, management, staff, answers: dict, statement=None
) -> Assessment:
    """Start, answer, co-sign and jointly sign off one assessment. ``answers`` maps criterion
    refs to ``Answer``; where the staff side's rating differs from management's it disagrees."""
    assessment = services.start_assessment(
        organisation=organisation,
        framework=framework,
        period=period,
        title=f"{framework.title} {period}",
        user=management,
    )
    for response in assessment.responses.select_related("criterion"):
        answer = answers[response.criterion.ref]
        services.save_response(
            response.pk, data=_data(answer), expected_version=response.version, user=management
        )
        if answer.not_applicable:
            continue
        services.submit_response(response.pk, user=management)
        differs = answer.staff_rating is not None and answer.staff_rating != answer.rating
        services.staff_side_sign(
            response.pk,
            user=staff,
            decision=Signature.Decision.DISAGREED if differs else Signature.Decision.AGREED,
            comment="The staff side rates this differently" if differs else "",
            staff_rating=answer.staff_rating,
        )
    statement = statement or f"Our joint account of {framework.title} for {period}."
    services.sign_off(assessment.pk, user=management, side="management", joint_statement=statement)
    services.sign_off(assessment.pk, user=staff, side="staff_side", joint_statement=statement)
    assessment.refresh_from_db()
    return assessment
