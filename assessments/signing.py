"""What each of the assessments' signed records signs (its subject), and thin wrappers over the
one signature mechanism, ``partnership.signing.ledger``, which signs, voids and verifies them.

- A criterion ``Signature`` signs the answer as the signer saw it: its version, the criterion's
  wording, the rating, not-applicable and reason, narrative, barrier and detail, each evidence
  file's SHA-256 and name, each link; the staff side's also its own rating. The decision, the
  comment and the version are the record's own signed columns; who, which side and when are in
  the ledger's envelope.
- A ``SignOff`` signs the joint statement (its side statement is a signed column), the framework
  version's content hash, every criterion's state with each active signature's own signature
  (its ledger entry's digest and content hash), and the frozen snapshot: scores, stage and why,
  per-standard figures and the action plan as they stood (``assessments.snapshots``).
- A ``PlanSignature`` signs the plan's commitments (``plan_content``).

Verifying a sign-off goes all the way down (``verify_sign_offs``): the sign-off itself, every
criterion signature it covers, and every evidence file's stored bytes.
"""

from partnership.models import Membership
from partnership.signing import ledger

from .models import EvidenceFile, EvidenceLink, Response, Signature

# Kept for callers that hash contents the way the ledger does (bench, tests).
canonical_hash = ledger.canonical_hash
Verification = ledger.Verification

SIGN_OFF_MESSAGES = {
    "verified": "Verified: the assessment is as it was signed off",
    "changed": "Does not match: the assessment has changed since it was signed off",
    "void": "Void: the assessment has changed since it was signed off",
    "void_matches": "The assessment matches, but this sign-off was voided",
    "altered": "The sign-off record has been altered: it does not match",
}
PLAN_MESSAGES = {
    "verified": "Verified: the action plan is unchanged since it was signed",
    "changed": "Does not match: the action plan has changed since it was signed",
    "void": "Void: the action plan has changed since it was signed",
}


def response_content(response: Response, side: str, *, files=None, links=None) -> dict:
    """What a side signs on one criterion. ``files``/``links`` may be passed when loaded; the
    response's criterion should be loaded (select_related) to save a query."""
    if files is None:
        files = EvidenceFile.objects.filter(response_id=response.pk)
    if links is None:
        links = EvidenceLink.objects.filter(response_id=response.pk)
    criterion = response.criterion
    content = {
        "assessment": str(response.assessment_id),
        "criterion": criterion.ref,
        "criterion_statement": criterion.statement,
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


def signature_reference(signature) -> dict:
    """How a sign-off names a criterion signature: the signature's own signature."""
    return {"entry": signature.ledger_entry.digest, "content_hash": signature.content_hash}


def assessment_content(assessment, joint_statement: str, criteria=None, frozen=...) -> dict:
    """What a lead signs off (see the module docstring).

    ``criteria`` may give rows already loaded, as (ref, state, not_applicable, {side: reference});
    by default they are read from the database. ``frozen`` is the snapshot's data; by default
    the assessment's stored snapshot (None when there is none).
    """
    if criteria is None:
        active = Signature.objects.filter(
            assessment=assessment, voided_at__isnull=True
        ).select_related("ledger_entry")
        references = {}
        for signature in active:
            references.setdefault(signature.response_id, {})[signature.side] = signature_reference(
                signature
            )
        criteria = (
            (ref, state, not_applicable, references.get(pk, {}))
            for pk, ref, state, not_applicable in assessment.responses.values_list(
                "pk", "criterion__ref", "state", "not_applicable"
            )
        )
    if frozen is ...:
        from .snapshots import stored_snapshot

        frozen = stored_snapshot(assessment)
    framework = assessment.framework
    return {
        "assessment": str(assessment.pk),
        "framework": f"{framework.slug}@{framework.version}",
        "framework_content_hash": framework.content_hash,
        "period": assessment.period,
        "joint_statement": joint_statement,
        "criteria": {
            ref: {"state": state, "not_applicable": not_applicable, "signatures": signatures}
            for ref, state, not_applicable, signatures in criteria
        },
        "frozen": frozen,
    }


def sign_off_shown(assessment, plan) -> dict:
    """What the sign-off page shows a lead before they sign, for its ``seen`` digest: every
    criterion's state and signatures, and the action plan's commitments (``plan_content`` or
    None). The joint statement is theirs to write, so it is not part of it."""
    return {"criteria": assessment_content(assessment, "", frozen=None)["criteria"], "plan": plan}


def plan_content(plan) -> dict:
    """What the leads sign on an action plan: the commitments (what, for which criteria, who
    on each side, by when). Status and progress updates are follow-up, not the agreement."""
    actions = plan.actions.select_related("management_owner", "staff_owner").prefetch_related(
        "responses__criterion"
    )
    return plan_content_of(plan.pk, plan.assessment_id, actions, lambda a: a.responses.all())


def plan_content_of(plan_id, assessment_id, actions, criteria_of) -> dict:
    """plan_content from actions already loaded; ``criteria_of(action)`` gives its responses
    (with their criteria)."""
    return {
        "plan": str(plan_id),
        "assessment": str(assessment_id),
        "actions": sorted(
            (
                {
                    "id": str(action.pk),
                    "description": action.description,
                    "criteria": sorted(r.criterion.ref for r in criteria_of(action)),
                    "management_owner": action.management_owner.email,
                    "staff_owner": action.staff_owner.email,
                    "target_date": action.target_date.isoformat(),
                }
                for action in actions
            ),
            key=lambda a: a["id"],
        ),
    }


def receipt_text(sequence, digest) -> str:
    """The chain's head at sign-off, as the board report and the leads' email give it."""
    return f"Ledger entry {sequence}, fingerprint {digest}"


def sign_off_receipt(assessment, sign_offs) -> str:
    """A signed-off assessment's receipt: the ledger entry of the sign-off that completed it
    (the chain's head at that moment), from sign-offs loaded with their ledger entries."""
    if assessment.status != assessment.Status.SIGNED_OFF or not sign_offs:
        return ""
    last = max((s.ledger_entry for s in sign_offs), key=lambda entry: entry.sequence)
    return receipt_text(last.sequence, last.digest)


# --- Verifying ---------------------------------------------------------------------------------


def verify_signature(signature, subject=None, *, voided_record_ids=None) -> Verification:
    return ledger.verify(signature, subject, voided_record_ids=voided_record_ids)


def verify_plan_signature(signature, subject=None, *, voided_record_ids=None) -> Verification:
    return ledger.verify(
        signature, subject, messages=PLAN_MESSAGES, voided_record_ids=voided_record_ids
    )


def voided_record_ids(records) -> set[str]:
    """The ids, among ``records``, that have a void entry on the ledger: one query."""
    ids = [str(record.pk) for record in records]
    if not ids:
        return set()
    return set(
        ledger.LedgerEntry.objects.filter(
            kind=ledger.LedgerEntry.VOID, record_id__in=ids
        ).values_list("record_id", flat=True)
    )


def evidence_problems(files) -> list[str]:
    """Each evidence file whose stored bytes no longer hash to its recorded SHA-256."""
    from .evidence import stored_file_matches

    return [
        f"the evidence file {f.original_name} has been replaced or damaged"
        for f in files
        if not stored_file_matches(f)
    ]


def verify_sign_offs(assessment, sign_offs, *, responses=None, verifications=None, voided=None):
    """Each sign-off's Verification, all the way down: the sign-off against the ledger and the
    assessment as it stands, every active criterion signature it covers against the ledger and
    its answer, and every evidence file's stored bytes.

    ``responses``: the assessment's responses already loaded with ``active_signatures`` (each
    with ``ledger_entry`` and ``void_entry``), ``file_list`` and ``link_list`` (as reports load
    them); by default they are read here in a fixed number of queries. ``verifications`` (the
    criterion signatures', by id) and ``voided`` (voided_record_ids) when already worked out.
    """
    sign_offs = list(sign_offs)
    if not sign_offs:
        return {}
    if responses is None:
        responses = load_signed_responses(assessment)
    if voided is None:
        signatures = [s for r in responses for s in r.active_signatures]
        voided = voided_record_ids([*signatures, *sign_offs])
    if verifications is None:
        verifications = verify_loaded_signatures(responses, voided)
    below = []
    for response in responses:
        for signature in response.active_signatures:
            if not verifications[signature.pk].matches:
                side = signature.get_side_display().lower()
                below.append(f"the {side} signature on {response.criterion.ref} does not verify")
        below += evidence_problems(response.file_list)
    subject = assessment_content_of(assessment, responses)
    results = {}
    for sign_off in sign_offs:
        result = ledger.verify(
            sign_off,
            {**subject, "joint_statement": sign_off.joint_statement},
            messages=SIGN_OFF_MESSAGES,
            voided_record_ids=voided,
        )
        if result.matches and below:
            result = Verification(
                False,
                "Does not match: what it covers has changed (" + "; ".join(below) + ")",
                "changed",
            )
        results[sign_off.pk] = result
    return results


def verify_loaded_signatures(responses, voided) -> dict:
    """Each active criterion signature's Verification, from responses loaded as
    ``load_signed_responses`` loads them (no queries)."""
    return {
        signature.pk: verify_signature(
            signature,
            response_content(
                response, signature.side, files=response.file_list, links=response.link_list
            ),
            voided_record_ids=voided,
        )
        for response in responses
        for signature in response.active_signatures
    }


def verify_sign_off(sign_off) -> Verification:
    return verify_sign_offs(sign_off.assessment, [sign_off])[sign_off.pk]


def signed_response_prefetches() -> list:
    """What verifying a response's signatures needs: its files, links and active signatures
    (with their ledger entries), as ``file_list``, ``link_list`` and ``active_signatures``."""
    from django.db.models import Prefetch

    return [
        Prefetch("files", to_attr="file_list"),
        Prefetch("links", to_attr="link_list"),
        Prefetch(
            "signatures",
            queryset=Signature.objects.filter(voided_at__isnull=True).select_related(
                "signer", "ledger_entry", "void_entry"
            ),
            to_attr="active_signatures",
        ),
    ]


def load_signed_responses(assessment) -> list:
    """The responses with what verifying their signatures needs, in four queries."""
    return list(
        assessment.responses.select_related("criterion")
        .order_by("criterion__standard__position", "criterion__position")
        .prefetch_related(*signed_response_prefetches())
    )


def assessment_content_of(assessment, responses, joint_statement="") -> dict:
    """assessment_content from responses already loaded with their active signatures."""
    return assessment_content(
        assessment,
        joint_statement,
        criteria=(
            (
                r.criterion.ref,
                r.state,
                r.not_applicable,
                {s.side: signature_reference(s) for s in r.active_signatures},
            )
            for r in responses
        ),
    )
