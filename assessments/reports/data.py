"""Everything a report needs about one assessment, read in a fixed number of queries.

However many criteria a framework has, a report reads: the rating levels, the stages, the
criteria (with their standards), the responses with their files, links, active signatures and
comments (one query each), the active sign-offs, the ledger's void entries of those signatures
and sign-offs, and the previous assessment with its responses, levels and stages. Signatures
are verified here in Python from those rows (with their ledger entries), never one query each;
the sign-offs all the way down (``signing.verify_sign_offs``), evidence files' bytes included.

A signed-off assessment is scored from its snapshot (``assessments.snapshots``: one query,
instead of the criteria with actions), so what was signed off never moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch

from .. import scoring
from ..models import Assessment, Comment, Response
from ..signing import (
    signed_response_prefetches,
    verify_loaded_signatures,
    verify_sign_offs,
    voided_record_ids,
)
from ..snapshots import frozen_inputs


@dataclass
class PreviousAssessment:
    assessment: Assessment
    scores: dict  # Basis -> Score


@dataclass
class ReportData:
    assessment: Assessment
    levels: list
    stages: list
    criteria: list
    responses: list  # in checklist order; each with .active_signatures, .file_list, .link_list
    sign_offs: list  # active sign-offs
    verifications: dict  # signature id -> Verification
    sign_off_verifications: dict  # sign-off id -> Verification
    info: scoring.FrameworkInfo
    scores: dict  # Basis -> Score
    facts: list = field(default_factory=list)  # scoring.ResponseFacts, as scored
    frozen: bool = False  # scored from the signed-off snapshot
    previous: PreviousAssessment | None = None
    criteria_with_actions: frozenset = field(default_factory=frozenset)  # criterion refs

    @classmethod
    def load(
        cls, assessment: Assessment, *, criteria_with_actions=None, with_previous=True, frozen=True
    ) -> ReportData:
        """A signed-off assessment is scored from its snapshot (``assessments.snapshots``), not
        from the live rows, unless ``frozen=False`` (which the snapshot itself uses).
        ``criteria_with_actions``: ids (or refs) of the criteria that have an action in the
        action plan, for the stage rule ``actions_for_gaps``. By default, the criteria that
        any action of the assessment's own plan addresses (one query). ``with_previous=False``
        skips the previous assessment (for pages that show no trend)."""
        snapshot = frozen_inputs(assessment) if frozen else None
        if snapshot is not None:
            criteria_with_actions = snapshot.actions
        elif criteria_with_actions is None:
            criteria_with_actions = criteria_with_actions_of(assessment)
        framework = assessment.framework
        levels = list(framework.levels.all())
        stages = list(framework.stages.all())
        criteria = list(
            framework.criteria.select_related("standard").order_by("standard__position", "position")
        )
        by_id = {c.pk: c for c in criteria}
        responses = list(
            assessment.responses.order_by().prefetch_related(
                *signed_response_prefetches(),
                Prefetch(
                    "comments",
                    queryset=Comment.objects.select_related("author"),
                    to_attr="comment_list",
                ),
            )
        )
        order = {c.pk: i for i, c in enumerate(criteria)}
        responses.sort(key=lambda r: order.get(r.criterion_id, len(order)))
        sign_offs = list(
            assessment.sign_offs.filter(voided_at__isnull=True)
            .select_related("signer", "ledger_entry", "void_entry")
            .order_by("created_at")
        )
        voided = voided_record_ids(
            [*(s for r in responses for s in r.active_signatures), *sign_offs]
        )
        for response in responses:
            # Already loaded: saves a query per row wherever the criterion or assessment is used.
            response.criterion = by_id[response.criterion_id]
            response.assessment = assessment
        verifications = verify_loaded_signatures(responses, voided)
        sign_off_verifications = verify_sign_offs(
            assessment, sign_offs, responses=responses, verifications=verifications, voided=voided
        )
        info = scoring.framework_info(
            met_value=framework.met_value, levels=levels, stages=stages, criteria=criteria
        )
        refs = {str(c.pk): c.ref for c in criteria}
        actions = frozenset(refs.get(str(item), str(item)) for item in criteria_with_actions)
        facts = [
            scoring.ResponseFacts(
                ref=r.criterion.ref,
                rating=r.rating,
                staff_rating=r.staff_rating,
                state=r.state,
                not_applicable=r.not_applicable,
                signatures_verified=all(verifications[s.pk].matches for s in r.active_signatures),
            )
            for r in responses
        ]
        if snapshot is not None:
            facts = snapshot.facts
        return cls(
            assessment=assessment,
            levels=levels,
            stages=stages,
            criteria=criteria,
            responses=responses,
            sign_offs=sign_offs,
            verifications=verifications,
            sign_off_verifications=sign_off_verifications,
            info=info,
            scores=scoring.score_all(info, facts, actions=actions),
            facts=facts,
            frozen=snapshot is not None,
            previous=load_previous(assessment) if with_previous else None,
            criteria_with_actions=actions,
        )

    @cached_property
    def scale(self) -> scoring.Scale:
        return self.info.scale

    @property
    def agreed(self) -> scoring.Score:
        return self.scores[scoring.Basis.AGREED]

    def trend(self, basis=scoring.Basis.AGREED) -> scoring.Trend:
        previous = self.previous.scores[basis] if self.previous else None
        return scoring.trend(self.scores[basis], previous)

    @property
    def is_draft(self) -> bool:
        return self.assessment.status != Assessment.Status.SIGNED_OFF


def criteria_with_actions_of(assessment: Assessment) -> set:
    """Ids of the criteria that at least one action in the assessment's plan addresses."""
    return set(
        Response.objects.filter(
            assessment_id=assessment.pk, actions__plan__assessment_id=assessment.pk
        ).values_list("criterion_id", flat=True)
    )


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """``assessment.previous`` when it is on the same framework slug, else the organisation's
    latest earlier assessment on that slug."""
    same = Assessment.objects.select_related("framework").filter(
        organisation_id=assessment.organisation_id,
        framework__slug=assessment.framework.slug,
    )
    if assessment.previous_id:
        found = same.filter(pk=assessment.previous_id).first()
        if found is not None:
            return found
    return (
        same.filter(period__lt=assessment.period)
        .order_by("-period", "-framework__publication_date", "-created_at")
        .first()
    )


def load_previous(assessment: Assessment) -> PreviousAssessment | None:
    """The previous assessment's three scores, from its recorded ratings and states (its own
    signatures are verified on its own report) and its own action plan. Five queries, or one
    when there is none."""
    previous = previous_assessment(assessment)
    if previous is None:
        return None
    framework = previous.framework
    rows = list(
        previous.responses.order_by("criterion__standard__position", "criterion__position").values(
            "rating",
            "staff_rating",
            "state",
            "not_applicable",
            "criterion__id",
            "criterion__ref",
            "criterion__weight",
            "criterion__core",
            "criterion__tags",
            "criterion__standard__ref",
            "criterion__standard__title",
        )
    )
    levels = list(framework.levels.all())
    stages = list(framework.stages.all())
    standards = {}
    for row in rows:
        ref = row["criterion__standard__ref"]
        standards.setdefault(ref, scoring.StandardInfo(ref, row["criterion__standard__title"]))
    info = scoring.FrameworkInfo(
        scale=scoring.Scale(
            tuple(scoring.Level(lv.value, lv.label, lv.rag) for lv in levels), framework.met_value
        ),
        standards=tuple(standards.values()),
        criteria=tuple(
            scoring.CriterionInfo(
                ref=row["criterion__ref"],
                standard=row["criterion__standard__ref"],
                weight=row["criterion__weight"],
                core=row["criterion__core"],
                tags=frozenset(row["criterion__tags"] or ()),
            )
            for row in rows
        ),
        stages=tuple(scoring.StageInfo(s.slug, s.name, tuple(s.rule or ())) for s in stages),
    )
    facts = [
        scoring.ResponseFacts(
            ref=row["criterion__ref"],
            rating=row["rating"],
            staff_rating=row["staff_rating"],
            state=row["state"],
            not_applicable=row["not_applicable"],
        )
        for row in rows
    ]
    frozen = frozen_inputs(previous)
    if frozen is not None:
        facts, actions = frozen.facts, frozen.actions
    else:
        refs = {row["criterion__id"]: row["criterion__ref"] for row in rows}
        actions = {refs[pk] for pk in criteria_with_actions_of(previous) if pk in refs}
    return PreviousAssessment(previous, scoring.score_all(info, facts, actions=actions))
