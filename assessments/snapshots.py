"""Signed-off means frozen: what the leads signed off, kept as it stood.

``snapshot_of(assessment)`` computes the frozen record from the live rows (in the sign-off
transaction): the scoring inputs (each criterion's ratings, state and applicability, the
criteria with an action), the results people read (each basis's overall score, RAG, stage and
why, and each standard's figures) and the action plan's commitments. ``services.sign_off``
stores it (``AssessmentSnapshot``) and both leads' sign-offs sign it; voiding the sign-offs
(reopening, or a change before the second lead signs) removes it.

A signed-off assessment's reports score from the snapshot's inputs, never from rows that can
still change (``frozen_inputs``), so one lead removing an action after sign-off cannot move its
stage; the reports say what changed in the plan since (``plan_changes``).

``stored_snapshot(assessment)`` is the one way other code reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ActionPlan, Assessment, AssessmentSnapshot
from .scoring import Basis, ResponseFacts, percent_text
from .signing import plan_content

VERSION = 1


def stored_snapshot(assessment) -> dict | None:
    """The frozen record of an assessment's sign-off, or None when there is none (one query,
    then cached on the instance)."""
    try:
        return assessment.snapshot.data
    except AssessmentSnapshot.DoesNotExist:
        return None


def _score_record(score) -> dict:
    stage = score.stage
    return {
        "percent": percent_text(score.percent),
        "rag": score.rag,
        "stage": stage.stage.name if stage else None,
        "stage_reasons": [c.message for c in stage.conditions] if stage else [],
        "next_stage": score.explanation,
        "standards": [
            {
                "ref": s.standard.ref,
                "title": s.standard.title,
                "percent": percent_text(s.percent),
                "rag": s.rag,
                "applicable": s.applicable,
                "rated": s.rated,
            }
            for s in score.standards
        ],
    }


def snapshot_of(assessment: Assessment) -> dict:
    """The frozen record, computed from the live rows."""
    from .reports.data import ReportData

    data = ReportData.load(assessment, with_previous=False, frozen=False)
    plan = ActionPlan.objects.filter(assessment_id=assessment.pk).first()
    return {
        "version": VERSION,
        "facts": [
            {
                "ref": f.ref,
                "rating": f.rating,
                "staff_rating": f.staff_rating,
                "state": f.state,
                "not_applicable": f.not_applicable,
                "signatures_verified": f.signatures_verified,
            }
            for f in data.facts
        ],
        "actions": sorted(data.criteria_with_actions),
        "scores": {basis.value: _score_record(data.scores[basis]) for basis in Basis},
        "plan": plan_content(plan) if plan is not None else None,
    }


@dataclass(frozen=True)
class FrozenInputs:
    facts: list[ResponseFacts]
    actions: frozenset[str]


def frozen_inputs(assessment) -> FrozenInputs | None:
    """A signed-off assessment's scoring inputs as they were signed off, or None when it is
    not signed off or has no snapshot (then it is scored from the live rows)."""
    if assessment.status != Assessment.Status.SIGNED_OFF:
        return None
    snapshot = stored_snapshot(assessment)
    if not isinstance(snapshot, dict):
        return None
    try:
        facts = [
            ResponseFacts(
                ref=row["ref"],
                rating=row["rating"],
                staff_rating=row["staff_rating"],
                state=row["state"],
                not_applicable=row["not_applicable"],
                signatures_verified=row["signatures_verified"],
            )
            for row in snapshot["facts"]
        ]
        return FrozenInputs(facts, frozenset(snapshot["actions"]))
    except (KeyError, TypeError):
        return None


@dataclass(frozen=True)
class PlanChange:
    what: str  # Added, Removed, Changed
    description: str


def plan_changes(frozen_plan, current_plan) -> list[PlanChange]:
    """What changed in the action plan's commitments since sign-off, in plain words."""
    before = {a["id"]: a for a in (frozen_plan or {}).get("actions", []) if isinstance(a, dict)}
    after = {a["id"]: a for a in (current_plan or {}).get("actions", [])}
    changes = [PlanChange("Added", after[pk]["description"]) for pk in after if pk not in before]
    changes += [
        PlanChange("Removed", before[pk].get("description", "")) for pk in before if pk not in after
    ]
    changes += [
        PlanChange("Changed", after[pk]["description"])
        for pk in after
        if pk in before and before[pk] != after[pk]
    ]
    return changes
