"""Everything a report needs about one assessment, read in a fixed number of queries.

However many criteria a framework has, a report reads: the rating levels, the stages, the
criteria (with their standards), the responses with their files, links, active signatures and
comments (one query each), the active sign-offs, and the previous assessment with its responses,
levels and stages. Signatures are verified here in Python from those rows, never one query each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch

from .. import scoring
from ..models import Assessment, Comment, Response, Signature
from ..signing import Verification, assessment_content, canonical_hash, response_content

ALTERED = "The signature record has been altered: it does not match"


def verify_loaded_signature(signature, response, files, links) -> Verification:
    """assessments.signing.verify_signature, from rows already loaded (no queries).

    The messages are the same; tests check both verifiers agree.
    """
    if canonical_hash(signature.content) != signature.content_hash:
        return Verification(False, ALTERED)
    current = canonical_hash(response_content(response, signature.side, files=files, links=links))
    if current == signature.content_hash:
        if signature.is_void:
            return Verification(True, "The content matches, but this signature was voided")
        return Verification(True, "Verified: the signed content is unchanged")
    if signature.is_void:
        return Verification(False, "Void: the content has changed since it was signed")
    return Verification(False, "Does not match: the content has changed since it was signed")


def assessment_content_from(assessment, joint_statement, responses) -> dict:
    """assessments.signing.assessment_content, from responses already loaded with their active
    signatures."""
    return assessment_content(
        assessment,
        joint_statement,
        criteria=(
            (
                r.criterion.ref,
                r.state,
                r.not_applicable,
                {s.side: s.content_hash for s in r.active_signatures},
            )
            for r in responses
        ),
    )


def verify_loaded_sign_off(sign_off, assessment, responses) -> Verification:
    if canonical_hash(sign_off.content) != sign_off.content_hash:
        return Verification(False, "The sign-off record has been altered: it does not match")
    current = assessment_content_from(assessment, sign_off.joint_statement, responses)
    if canonical_hash(current) == sign_off.content_hash:
        return Verification(True, "Verified: the assessment is as it was signed off")
    return Verification(False, "Does not match: the assessment has changed since it was signed off")


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
    previous: PreviousAssessment | None = None
    criteria_with_actions: frozenset = field(default_factory=frozenset)  # criterion refs

    @classmethod
    def load(
        cls, assessment: Assessment, *, criteria_with_actions=None, with_previous=True
    ) -> ReportData:
        """``criteria_with_actions``: ids (or refs) of the criteria that have an action in the
        action plan, for the stage rule ``actions_for_gaps``. By default, the criteria that
        any action of the assessment's own plan addresses (one query). ``with_previous=False``
        skips the previous assessment (for pages that show no trend)."""
        if criteria_with_actions is None:
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
                Prefetch("files", to_attr="file_list"),
                Prefetch("links", to_attr="link_list"),
                Prefetch(
                    "signatures",
                    queryset=Signature.objects.filter(voided_at__isnull=True).select_related(
                        "signer"
                    ),
                    to_attr="active_signatures",
                ),
                Prefetch(
                    "comments",
                    queryset=Comment.objects.select_related("author"),
                    to_attr="comment_list",
                ),
            )
        )
        order = {c.pk: i for i, c in enumerate(criteria)}
        responses.sort(key=lambda r: order.get(r.criterion_id, len(order)))
        verifications = {}
        for response in responses:
            # Already loaded: saves a query per row wherever the criterion or assessment is used.
            response.criterion = by_id[response.criterion_id]
            response.assessment = assessment
            for signature in response.active_signatures:
                verifications[signature.pk] = verify_loaded_signature(
                    signature, response, response.file_list, response.link_list
                )
        sign_offs = list(
            assessment.sign_offs.filter(voided_at__isnull=True)
            .select_related("signer")
            .order_by("created_at")
        )
        sign_off_verifications = {
            s.pk: verify_loaded_sign_off(s, assessment, responses) for s in sign_offs
        }
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
    refs = {row["criterion__id"]: row["criterion__ref"] for row in rows}
    actions = {refs[pk] for pk in criteria_with_actions_of(previous) if pk in refs}
    return PreviousAssessment(previous, scoring.score_all(info, facts, actions=actions))
