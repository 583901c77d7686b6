"""The rows of one assessment, in realistic proportions, for bench/national.py to COPY.

A signed-off year: every criterion rated (3% not applicable), edited a few times, with
evidence on about half, submitted by management and signed by the staff side (80% agreed, 10%
with reservations, 10% disagreed, with comments), both leads' sign-off and a signed action
plan for the gaps. The year in progress: each organisation somewhere between just started and
nearly done, with drafts, submissions waiting for the staff side and some agreed criteria.

Signatures, sign-offs and plan signatures are signed records on each organisation's ledger,
exactly as ``partnership.signing.ledger.sign`` makes them: the subject from
``assessments.signing``, the envelope and content hash from ``ledger.envelope`` and
``ledger.canonical_hash``, and a chain of ledger entries (``ledger.entry_payload``, signed with
the bench's key by ``keys.sign``), so reports and ``verify_ledger`` verify them. Sign-offs
freeze no snapshot (they sign ``frozen: None``): reports then score from the rows, which a
sign-off's rows are, here, never changed after.
"""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from assessments.models import PlanSignature, Signature, SignOff
from assessments.signing import assessment_content, response_content, signature_reference
from partnership.signing import keys, ledger

BARRIERS = ("funding", "staffing", "policy_not_agreed", "not_prioritised", "other")
SENTENCES = (
    "The policy was agreed at the joint negotiating committee and is on the intranet.",
    "Managers were briefed at the leadership forum and the staff side ran drop-in sessions.",
    "Take-up is reported to the people committee every quarter, by staff group and site.",
    "The staff survey shows improvement, though night and community staff score lower.",
    "An audit of twenty personnel files found the process followed in all but two.",
    "Bank and agency staff are not yet covered; a task and finish group is looking at this.",
    "The policy is due for joint review in the spring, with the staff side leading.",
    "Training is part of induction and refreshed every three years through e-learning.",
)
RESERVATION = "Agreed, but community and night staff were not asked about this."
DISSENT = "The staff side does not think this is in place: night staff are not covered."
REPLY = "We will add the night staff survey results before the board meets."
JOINT = "Both sides agree this is a fair account of where we are, with the dissent recorded."
STAFF_STATEMENT = "The staff side stands by its recorded disagreements."


# A version 4 UUID's fixed bits: the version nibble and the variant.
UUID_MASK = ~((0xF << 76) | (0x3 << 62))
UUID_BITS = (0x4 << 76) | (0x2 << 62)


def new_id(rng: random.Random) -> str:
    """A random (version 4) UUID from the organisation's own generator, as text."""
    h = "%032x" % (rng.getrandbits(128) & UUID_MASK | UUID_BITS)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Chain:
    """One organisation's ledger, appended to as ``ledger._append`` does, rows to COPY."""

    def __init__(self, table, organisation_id: str, rng: random.Random):
        self.table = table
        self.organisation_id = organisation_id
        self.rng = rng
        self.sequence, self.previous = 0, ledger.GENESIS

    def append(self, *, kind: str, record_id: str, content_hash: str, at: datetime):
        entry = SimpleNamespace(
            id=new_id(self.rng), organisation_id=self.organisation_id,
            sequence=self.sequence + 1, kind=kind, record_id=record_id,
            content_hash=content_hash, previous_digest=self.previous, created_at=at,
        )  # fmt: skip
        message = ledger.canonical_bytes(ledger.entry_payload(entry))
        entry.digest = hashlib.sha256(message).hexdigest()
        entry.key_id, signature = keys.sign(message)
        entry.signature = base64.b64encode(signature).decode()
        self.table.add(
            entry.id, entry.organisation_id, entry.sequence, kind, record_id, content_hash,
            entry.previous_digest, entry.digest, entry.key_id, entry.signature, at,
        )  # fmt: skip
        self.sequence, self.previous = entry.sequence, entry.digest
        return entry

    def sign(self, model, *, signer, side, subject, at: datetime, **fields):
        """A signed record's id, content, hash and ledger entry, as ``ledger.sign`` makes them.
        ``signer``: an object with ``pk``, ``email`` and ``get_full_name()``."""
        record = SimpleNamespace(
            pk=new_id(self.rng), signer=signer, side=side, created_at=at,
            SIGNED_FIELDS=model.SIGNED_FIELDS, ledger_kind=model.ledger_kind, **fields,
        )  # fmt: skip
        record.content = ledger.envelope(record, self.organisation_id, subject)
        record.content_hash = ledger.canonical_hash(record.content)
        record.ledger_entry = self.append(
            kind=model.ledger_kind(), record_id=record.pk, content_hash=record.content_hash, at=at
        )
        return record


def evidence_bytes(name: str) -> bytes:
    """An evidence file's bytes: small, and its own."""
    return f"%PDF-1.4\n% Benchmark evidence {name}\n%%EOF\n".encode()


def store_evidence(name: str, data: bytes) -> None:
    """Store ``data`` as ``name`` in the default storage (the bench's own media folder),
    replacing what a previous run left there, so sign-off verification re-hashes real bytes."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.delete(name)
    if default_storage.save(name, ContentFile(data)) != name:
        raise RuntimeError(f"Could not store the evidence file {name}")


def narrative(rng: random.Random) -> str:
    return " ".join(rng.sample(SENTENCES, rng.randint(2, 6)))


def rating_for(rng: random.Random, year: int) -> int:
    """Ratings improve a little each year."""
    return rng.choices((0, 1, 2, 3), weights=(8 - 2 * year, 22 - 3 * year, 45, 25 + 5 * year))[0]


class AssessmentRows:
    """Adds one assessment's rows to a bulk.Loader's tables (national._tables names them)."""

    def __init__(self, tables, rng, organisation, people, framework, criteria, chain, *,
                 store_files=False):  # fmt: skip
        """``store_files``: store each evidence file's bytes too (for the organisation whose
        reports are measured, which verify them); otherwise only their rows are made."""
        self.t = tables
        self.chain = chain
        self.store_files = store_files
        self.rng = rng
        self.organisation = organisation
        self.people = people
        self.framework = framework
        self.criteria = criteria

    def when(self, start, days) -> str:
        return self.moment(start, days).isoformat()

    def moment(self, start, days) -> datetime:
        return start + timedelta(days=self.rng.uniform(0, days))

    def add(self, *, period, year, signed_off, previous_id=None, progress=1.0):
        rng, people = self.rng, self.people
        start = datetime(int(period[:4]), 4, 1, 9, tzinfo=UTC) + timedelta(days=rng.randint(0, 60))
        end = datetime(int(period[:4]) + 1, 3, 1, 12, tzinfo=UTC) + timedelta(
            days=rng.randint(0, 25)
        )
        assessment = SimpleNamespace(
            pk=new_id(rng), framework=self.framework, period=period, responses=[]
        )
        self.t["assessments"].add(
            assessment.pk, self.organisation.id, self.framework.pk, period,
            f"{self.framework.title} {period}", "signed_off" if signed_off else "in_progress",
            previous_id, people.hr_lead, None, "", start, end if signed_off else start,
        )  # fmt: skip
        for criterion in self.criteria:
            done = signed_off or rng.random() < progress
            assessment.responses.append(
                self.response(assessment, criterion, year, start, done, signed_off)
            )
        if signed_off:
            self.sign_off(assessment, end)
        if signed_off or rng.random() < 0.5:
            self.action_plan(assessment, start, end, signed=signed_off)
        return assessment.pk

    def response(self, assessment, criterion, year, start, done, signed_off):
        rng, people = self.rng, self.people
        r = SimpleNamespace(
            pk=new_id(rng), assessment_id=assessment.pk, criterion=criterion, rating=None,
            not_applicable=False, not_applicable_reason="", narrative="", barrier="",
            barrier_detail="", staff_rating=None, version=1, state="draft", active_signatures=[],
        )  # fmt: skip
        if done:
            if rng.random() < 0.03:
                r.not_applicable = True
                r.not_applicable_reason = "We have no services of this kind."
            else:
                r.rating = rating_for(rng, year)
                r.narrative = narrative(rng)
                if r.rating < self.framework.met_value:
                    r.barrier = rng.choice(BARRIERS)
                    r.barrier_detail = "No budget this year; a bid is in next year's plan."
            r.version = 2 + (rng.random() < 0.3) + (rng.random() < 0.1)
        elif rng.random() < 0.15:  # a draft narrative typed before choosing a rating
            r.narrative = narrative(rng)
            r.version = 2
        edited_at = start + timedelta(days=rng.uniform(0, 120))
        edited = edited_at.isoformat()
        for version in range(2, r.version + 1):
            changes = {"narrative": ["", r.narrative]}
            if version == 2 and (r.rating is not None or r.not_applicable):
                changes.update(rating=[None, r.rating], status=["to_review", "reviewed"])
            self.t["history"].add(r.pk, "edited", people.hr_lead, changes, version, edited)
        files, links = self.evidence(r, edited) if r.narrative else ([], [])
        reviewed = r.rating is not None or r.not_applicable
        if reviewed:
            stage = 2 if signed_off else rng.choices((0, 1, 2), weights=(40, 30, 30))[0]
            if stage >= 1:
                self.sign(r, "management", "submitted", "", files, links, edited_at)
                r.state = "submitted"
            if stage == 2:
                self.staff_decision(r, files, links, self.moment(edited_at, 60))
        self.t["responses"].add(
            r.pk, assessment.pk, criterion.pk, "reviewed" if reviewed else "to_review",
            r.rating, r.not_applicable, r.not_applicable_reason, r.narrative, r.barrier,
            r.barrier_detail, r.version, r.state, r.staff_rating, False, people.hr_lead,
            start, edited,
        )  # fmt: skip
        return r

    def evidence(self, r, at):
        rng, people = self.rng, self.people
        files, links = [], []
        for n in range(rng.choices((0, 1, 2), weights=(65, 25, 10))[0]):
            file_id = new_id(rng)
            f = SimpleNamespace(original_name=f"{r.criterion.ref} evidence {n + 1}.pdf")
            stored_name = f"evidence/{self.organisation.ods_code}/{file_id}.pdf"
            data = evidence_bytes(file_id)
            f.sha256 = hashlib.sha256(data).hexdigest()
            if self.store_files:
                store_evidence(stored_name, data)
            files.append(f)
            self.t["files"].add(
                file_id, r.pk, stored_name,
                f.original_name, "application/pdf", rng.randint(20_000, 2_000_000), f.sha256,
                people.hr_contributor, at,
            )  # fmt: skip
        if rng.random() < 0.35:
            link = SimpleNamespace(url=f"https://intranet.example/policies/{r.pk}", title="Policy")
            links.append(link)
            self.t["links"].add(new_id(self.rng), r.pk, link.url, link.title, people.hr_lead, at)
        return files, links

    def sign(self, r, side, decision, comment, files, links, at):
        people = self.people
        signer = people.hr_lead if side == "management" else people.staff_lead
        record = self.chain.sign(
            Signature, signer=people.signer(signer), side=side, at=at,
            subject=response_content(r, side, files=files, links=links),
            assessment_id=r.assessment_id, response_id=r.pk, decision=decision, comment=comment,
            response_version=r.version,
        )  # fmt: skip
        self.t["signatures"].add(
            record.pk, r.assessment_id, r.pk, signer, side, decision, comment, r.version,
            record.content, record.content_hash, at, None, "", record.ledger_entry.id, None,
        )  # fmt: skip
        r.active_signatures.append(record)
        description = (
            "Submitted for staff-side review"
            if side == "management"
            else f"Staff side: {decision.replace('_', ' ')}"
        )
        self.t["history"].add(
            r.pk, "signed", signer, {"description": description}, r.version, at.isoformat()
        )

    def staff_decision(self, r, files, links, at):
        rng, people = self.rng, self.people
        decision = rng.choices(
            ("agreed", "agreed_with_reservations", "disagreed"), weights=(80, 10, 10)
        )[0]
        if r.rating is not None:
            shift = {"agreed": 0, "agreed_with_reservations": rng.choice((0, -1))}
            r.staff_rating = max(0, min(3, r.rating + shift.get(decision, rng.choice((-1, 1)))))
        comment = {"agreed": "", "agreed_with_reservations": RESERVATION, "disagreed": DISSENT}
        self.sign(r, "staff_side", decision, comment[decision], files, links, at)
        r.state = decision
        at = at.isoformat()
        if decision != "agreed":
            self.t["comments"].add(new_id(rng), r.pk, people.staff_lead, "staff_side",
                                   comment[decision], at)  # fmt: skip
        if decision == "disagreed":
            self.t["comments"].add(new_id(rng), r.pk, people.hr_lead, "management", REPLY, at)

    def sign_off(self, assessment, at):
        people = self.people
        # As assessments.signing.assessment_content_of has it, with no snapshot frozen.
        subject = assessment_content(
            assessment,
            JOINT,
            criteria=(
                (r.criterion.ref, r.state, r.not_applicable,
                 {s.side: signature_reference(s) for s in r.active_signatures})
                for r in assessment.responses
            ),
            frozen=None,
        )  # fmt: skip
        for side, signer, statement in (
            ("management", people.hr_lead, ""),
            ("staff_side", people.staff_lead, STAFF_STATEMENT),
        ):
            record = self.chain.sign(
                SignOff, signer=people.signer(signer), side=side, subject=subject, at=at,
                assessment_id=assessment.pk, joint_statement=JOINT, side_statement=statement,
            )  # fmt: skip
            self.t["sign_offs"].add(
                record.pk, assessment.pk, signer, side, JOINT, statement, record.content,
                record.content_hash, at, None, "", record.ledger_entry.id, None,
            )  # fmt: skip
            self.t["events"].add(assessment.pk, "signed_off_by", signer, "", at)
        self.t["events"].add(assessment.pk, "signed_off", people.staff_lead, "", at)

    def action_plan(self, assessment, start, end, *, signed):
        rng, people = self.rng, self.people
        plan_id = new_id(rng)
        self.t["plans"].add(plan_id, assessment.pk, start, end)
        gaps = [
            r
            for r in assessment.responses
            if r.rating is not None and r.rating < self.framework.met_value
        ]
        actions = []
        while gaps:
            covered = gaps[: rng.randint(1, 3)]
            gaps = gaps[len(covered) :]
            action_id = new_id(rng)
            target = (end + timedelta(days=rng.randint(30, 300))).date()
            status = rng.choices(
                ("done", "in_progress", "not_started", "blocked"),
                weights=(40, 30, 20, 10) if signed else (5, 35, 55, 5),
            )[0]
            description = f"Close the gap on {', '.join(r.criterion.ref for r in covered)}."
            self.t["actions"].add(
                action_id, plan_id, description, people.hr_lead, people.staff_lead, target,
                status, None, start, end,
            )  # fmt: skip
            for r in covered:
                self.t["action_responses"].add(action_id, r.pk)
            for n in range(rng.randint(0, 3)):
                side, author = rng.choice(
                    (("management", people.hr_lead), ("staff_side", people.staff_lead))
                )
                self.t["updates"].add(
                    new_id(rng), action_id, author, side, f"Progress note {n + 1}.", status,
                    self.when(start, 300),
                )  # fmt: skip
            actions.append(
                {
                    "id": action_id,
                    "description": description,
                    "criteria": sorted(r.criterion.ref for r in covered),
                    "management_owner": people.emails[people.hr_lead],
                    "staff_owner": people.emails[people.staff_lead],
                    "target_date": target.isoformat(),
                }
            )
        if signed:
            # As assessments.signing.plan_content has it.
            subject = {
                "plan": plan_id,
                "assessment": assessment.pk,
                "actions": sorted(actions, key=lambda a: a["id"]),
            }
            for side, signer in (("management", people.hr_lead), ("staff_side", people.staff_lead)):
                record = self.chain.sign(
                    PlanSignature, signer=people.signer(signer), side=side, subject=subject,
                    at=end, plan_id=plan_id,
                )  # fmt: skip
                self.t["plan_signatures"].add(
                    record.pk, plan_id, signer, side, record.content, record.content_hash, end,
                    None, "", record.ledger_entry.id, None,
                )  # fmt: skip
