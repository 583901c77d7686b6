"""What a signature binds to, and checking that it still matches.

A signature stores a SHA-256 of a canonical JSON form of exactly what its side signed:
- management signs its answer: rating, not-applicable and reason, narrative, barrier and
  detail, each evidence file's SHA-256 and name, each link;
- the staff side signs the same answer plus its own rating.
Both record the response version, so "agreed" means two signatures on one version.
"""

import hashlib
import json
from dataclasses import dataclass

from partnership.models import Membership

from .models import EvidenceFile, EvidenceLink, Response, Signature, SignOff


def canonical_hash(content) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def response_content(response: Response, side: str, *, files=None, links=None) -> dict:
    """The content a side signs. ``files``/``links`` may be passed when already loaded."""
    if files is None:
        files = EvidenceFile.objects.filter(response_id=response.pk)
    if links is None:
        links = EvidenceLink.objects.filter(response_id=response.pk)
    content = {
        "assessment": str(response.assessment_id),
        "criterion": response.criterion.ref,
        "version": response.version,
        "rating": response.rating,
        "not_applicable": response.not_applicable,
        "not_applicable_reason": response.not_applicable_reason,
        "narrative": response.narrative,
        "barrier": response.barrier,
        "barrier_detail": response.barrier_detail,
        "files": sorted(
            ({"name": f.original_name, "sha256": f.sha256} for f in files),
            key=lambda f: (f["sha256"], f["name"]),
        ),
        "links": sorted(
            ({"url": link.url, "title": link.title} for link in links),
            key=lambda link: (link["url"], link["title"]),
        ),
    }
    if side == Membership.Side.STAFF_SIDE:
        content["staff_rating"] = response.staff_rating
    return content


@dataclass(frozen=True)
class Verification:
    matches: bool
    message: str


def verify_signature(signature: Signature) -> Verification:
    """Recompute the hash from what is in the database now and compare it with the signature."""
    if canonical_hash(signature.content) != signature.content_hash:
        return Verification(False, "The signature record has been altered: it does not match")
    response = Response.objects.select_related("criterion").get(pk=signature.response_id)
    current = canonical_hash(response_content(response, signature.side))
    if current == signature.content_hash:
        if signature.is_void:
            return Verification(True, "The content matches, but this signature was voided")
        return Verification(True, "Verified: the signed content is unchanged")
    if signature.is_void:
        return Verification(False, "Void: the content has changed since it was signed")
    return Verification(False, "Does not match: the content has changed since it was signed")


def assessment_content(assessment, joint_statement: str, criteria=None) -> dict:
    """What the leads sign off: the joint statement, and every criterion's state and
    applicability with its active signatures' hashes.

    ``criteria`` may give rows already loaded, as (ref, state, not_applicable, {side: hash});
    by default they are read from the database.
    """
    if criteria is None:
        active = Signature.objects.filter(assessment=assessment, voided_at__isnull=True)
        hashes = {}
        for signature in active:
            hashes.setdefault(signature.response_id, {})[signature.side] = signature.content_hash
        criteria = (
            (ref, state, not_applicable, hashes.get(pk, {}))
            for pk, ref, state, not_applicable in assessment.responses.values_list(
                "pk", "criterion__ref", "state", "not_applicable"
            )
        )
    return {
        "assessment": str(assessment.pk),
        "framework": f"{assessment.framework.slug}@{assessment.framework.version}",
        "period": assessment.period,
        "joint_statement": joint_statement,
        "criteria": {
            ref: {"state": state, "not_applicable": not_applicable, "signatures": signatures}
            for ref, state, not_applicable, signatures in criteria
        },
    }


def verify_sign_off(sign_off: SignOff) -> Verification:
    if canonical_hash(sign_off.content) != sign_off.content_hash:
        return Verification(False, "The sign-off record has been altered: it does not match")
    current = assessment_content(sign_off.assessment, sign_off.joint_statement)
    if canonical_hash(current) == sign_off.content_hash:
        return Verification(True, "Verified: the assessment is as it was signed off")
    return Verification(False, "Does not match: the assessment has changed since it was signed off")


def plan_content(plan) -> dict:
    """What the leads sign on an action plan: the commitments (what, for which criteria, who
    on each side, by when). Status and progress updates are follow-up, not the agreement."""
    actions = plan.actions.select_related("management_owner", "staff_owner").prefetch_related(
        "responses__criterion"
    )
    return {
        "plan": str(plan.pk),
        "assessment": str(plan.assessment_id),
        "actions": sorted(
            (
                {
                    "id": str(action.pk),
                    "description": action.description,
                    "criteria": sorted(r.criterion.ref for r in action.responses.all()),
                    "management_owner": action.management_owner.email,
                    "staff_owner": action.staff_owner.email,
                    "target_date": action.target_date.isoformat(),
                }
                for action in actions
            ),
            key=lambda a: a["id"],
        ),
    }


def verify_plan_signature(signature) -> Verification:
    if canonical_hash(signature.content) != signature.content_hash:
        return Verification(False, "The signature record has been altered: it does not match")
    if canonical_hash(plan_content(signature.plan)) == signature.content_hash:
        if signature.is_void:
            return Verification(True, "The content matches, but this signature was voided")
        return Verification(True, "Verified: the action plan is unchanged since it was signed")
    if signature.is_void:
        return Verification(False, "Void: the action plan has changed since it was signed")
    return Verification(False, "Does not match: the action plan has changed since it was signed")
