"""Writing and removing an assessment's summary rows, inside the sign-off and reopen
transactions (``assessments.services``)."""

from decimal import ROUND_HALF_UP, Decimal

from .. import scoring
from ..models import Assessment
from ..reports.data import ReportData
from . import counts
from .models import AssessmentSummary, CriterionSummary, StandardSummary

Basis = scoring.Basis


def percent(value) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def diverges(management, staff, met) -> bool:
    """One side says met and the other not, or the two ratings are two or more levels apart."""
    if management is None or staff is None:
        return False
    return (management >= met) != (staff >= met) or abs(management - staff) >= 2


def write_summary(assessment: Assessment) -> AssessmentSummary:
    """Replace the assessment's summary rows with what it says now, as scored by the reports."""
    remove_summary(assessment)
    data = ReportData.load(assessment, with_previous=False)
    scores = data.scores
    agreed = scores[Basis.AGREED]
    met = data.scale.met
    stage = agreed.stage
    common = {
        "organisation_id": assessment.organisation_id,
        "framework_slug": assessment.framework.slug,
        "period": assessment.period,
    }
    agreed_by_ref = {c.ref: c for c in agreed.criteria}
    criteria_rows = []
    divergent = 0
    for response in data.responses:
        ref = response.criterion.ref
        facts = agreed_by_ref[ref]
        is_divergent = not response.not_applicable and diverges(
            response.rating, response.staff_rating, met
        )
        divergent += is_divergent
        criteria_rows.append(
            CriterionSummary(
                **common,
                criterion_ref=ref,
                standard_ref=response.criterion.standard.ref,
                not_applicable=response.not_applicable,
                management_rating=response.rating,
                staff_rating=response.staff_rating,
                agreed_rating=facts.rating,
                below_met=ref in agreed.gaps,
                divergent=is_divergent,
                barrier=response.barrier if ref in agreed.gaps else "",
                narrative=response.narrative,
                barrier_detail=response.barrier_detail if ref in agreed.gaps else "",
            )
        )
    summary = AssessmentSummary.objects.create(
        **common,
        assessment=assessment,
        framework_id=assessment.framework_id,
        signed_off_at=assessment.updated_at,
        management_percent=percent(scores[Basis.MANAGEMENT].percent),
        staff_percent=percent(scores[Basis.STAFF_SIDE].percent),
        agreed_percent=percent(agreed.percent),
        stage_slug=stage.stage.slug if stage else "",
        stage_name=stage.stage.name if stage else "",
        stage_position=(agreed.stages.index(stage) + 1) if stage else 0,
        applicable_count=agreed.applicable,
        gap_count=len(agreed.gaps),
        divergent_count=divergent,
    )
    for row in criteria_rows:
        row.summary = summary
    CriterionSummary.objects.bulk_create(criteria_rows, batch_size=500)
    counts.add_summary(summary.pk)
    standard_scores = {
        basis: {s.standard.ref: s for s in scores[basis].standards} for basis in Basis
    }
    StandardSummary.objects.bulk_create(
        StandardSummary(
            **common,
            summary=summary,
            standard_ref=standard.standard.ref,
            management_percent=percent(
                standard_scores[Basis.MANAGEMENT][standard.standard.ref].percent
            ),
            staff_percent=percent(standard_scores[Basis.STAFF_SIDE][standard.standard.ref].percent),
            agreed_percent=percent(standard.percent),
        )
        for standard in agreed.standards
    )
    return summary


def remove_summary(assessment: Assessment) -> None:
    for summary_id in AssessmentSummary.objects.filter(assessment_id=assessment.pk).values_list(
        "pk", flat=True
    ):
        counts.subtract_summary(summary_id)
    AssessmentSummary.objects.filter(assessment_id=assessment.pk).delete()
