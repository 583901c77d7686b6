"""Sign, void and verify: the only way to make or check a ``SignedRecord``.

Usage, inside a service's ``transaction.atomic`` block::

    record = ledger.sign(
        PlanSignature,
        organisation=plan.assessment.organisation,
        signer=user,
        side=side,
        subject=plan_content(plan),      # what the signer agrees to
        seen=form.cleaned_data["seen"],  # the digest of what they were shown, or None
        plan=plan,                       # the record's own columns
    )
    ledger.void(record, "The plan changed")
    ledger.verify(record).matches
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ..models import Organisation
from . import keys
from .models import LedgerEntry, SignedRecord

GENESIS = "0" * 64


def canonical_bytes(content) -> bytes:
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()


def canonical_hash(content) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def digest_of(subject) -> str:
    """The digest a signing form carries for what it showed (``seen``)."""
    return canonical_hash(subject)


def jsonable(value):
    """A value as it reads back from JSON, so stored and live values compare equal."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _timestamp(moment) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class ContentChanged(Exception):
    """What the signer saw is not what is there now: nothing was signed."""

    def __init__(self, seen: str, current: str, subject):
        super().__init__("This changed since you opened it")
        self.seen = seen
        self.current = current
        self.subject = subject


def entry_payload(entry: LedgerEntry) -> dict:
    return {
        "organisation": str(entry.organisation_id),
        "sequence": entry.sequence,
        "kind": entry.kind,
        "record": entry.record_id,
        "content_hash": entry.content_hash,
        "previous": entry.previous_digest,
        "at": _timestamp(entry.created_at),
    }


def entry_is_authentic(entry: LedgerEntry) -> bool:
    message = canonical_bytes(entry_payload(entry))
    if hashlib.sha256(message).hexdigest() != entry.digest:
        return False
    try:
        signature = base64.b64decode(entry.signature, validate=True)
    except ValueError:
        return False
    return keys.verify(entry.key_id, signature, message)


def _append(organisation_id, *, kind, record_id, content_hash, at) -> LedgerEntry:
    # One writer at a time per organisation: the organisation row is the chain's lock.
    Organisation.objects.select_for_update().filter(pk=organisation_id).values_list("pk").get()
    head = (
        LedgerEntry.objects.filter(organisation_id=organisation_id)
        .order_by("-sequence")
        .values_list("sequence", "digest")
        .first()
    )
    sequence, previous = (head[0] + 1, head[1]) if head else (1, GENESIS)
    entry = LedgerEntry(
        organisation_id=organisation_id,
        sequence=sequence,
        kind=kind,
        record_id=str(record_id),
        content_hash=content_hash,
        previous_digest=previous,
        created_at=at,
    )
    message = canonical_bytes(entry_payload(entry))
    entry.digest = hashlib.sha256(message).hexdigest()
    entry.key_id, signature = keys.sign(message)
    entry.signature = base64.b64encode(signature).decode()
    entry.save(force_insert=True)
    return entry


def envelope(record: SignedRecord, organisation_id, subject) -> dict:
    signer = record.signer
    return {
        "kind": record.ledger_kind(),
        "organisation": str(organisation_id),
        "signer": {"id": str(signer.pk), "name": signer.get_full_name(), "email": signer.email},
        "side": record.side,
        "signed_at": _timestamp(record.created_at),
        "fields": {name: jsonable(getattr(record, name)) for name in record.SIGNED_FIELDS},
        "subject": jsonable(subject),
    }


@transaction.atomic
def sign(model: type[SignedRecord], *, organisation, signer, side, subject, seen=None, **fields):
    """Sign ``subject`` as ``signer`` for ``side``: append to the ledger and save the record.

    ``seen``, when given, is the digest of what the signer was shown; if the subject has changed
    since, nothing is signed and ``ContentChanged`` is raised.
    """
    current = digest_of(subject)
    if seen is not None and seen != current:
        raise ContentChanged(seen, current, subject)
    record = model(signer=signer, side=side, created_at=timezone.now(), **fields)
    record.content = envelope(record, organisation.pk, subject)
    record.content_hash = canonical_hash(record.content)
    record.ledger_entry = _append(
        organisation.pk,
        kind=record.ledger_kind(),
        record_id=record.pk,
        content_hash=record.content_hash,
        at=record.created_at,
    )
    record.save(force_insert=True)
    return record


def void_content(record: SignedRecord) -> dict:
    return {
        "record": str(record.pk),
        "reason": record.void_reason,
        "voided_at": _timestamp(record.voided_at),
    }


@transaction.atomic
def void(record: SignedRecord, reason: str, *, organisation_id=None) -> None:
    """Void an active record, recording the void on the ledger."""
    if record.voided_at is not None:
        return
    record.voided_at = timezone.now()
    record.void_reason = reason[:200]
    organisation_id = organisation_id or record.ledger_entry.organisation_id
    record.void_entry = _append(
        organisation_id,
        kind=LedgerEntry.VOID,
        record_id=record.pk,
        content_hash=canonical_hash(void_content(record)),
        at=record.voided_at,
    )
    record.save(update_fields=["voided_at", "void_reason", "void_entry"])


def void_all(records, reason: str) -> int:
    count = 0
    for record in records:
        if record.voided_at is None:
            void(record, reason)
            count += 1
    return count


@dataclass(frozen=True)
class Verification:
    """``status`` is one of verified, void_matches, void, changed, altered."""

    matches: bool
    message: str
    status: str = "verified"

    @property
    def altered(self):
        return self.status == "altered"


MESSAGES = {
    "verified": "Verified: the signed content is unchanged",
    "void_matches": "The content matches, but this signature was voided",
    "void": "Void: the content has changed since it was signed",
    "changed": "Does not match: the content has changed since it was signed",
    "altered": "The signature record has been altered: it does not match",
}


def _altered(detail: str, messages) -> Verification:
    return Verification(False, f"{messages['altered']} ({detail})", "altered")


def record_problem(record: SignedRecord, *, voided_record_ids=None) -> str | None:
    """Why the record itself cannot be trusted, or None. Checks the ledger entry and its key
    signature, the stored hash, the columns against what was signed, and the void's own entry.
    ``voided_record_ids``: record ids with a void entry on the ledger, when already loaded."""
    entry = record.ledger_entry
    if entry is None:
        return "it is not on the ledger"
    if not entry_is_authentic(entry):
        return "its ledger entry is not signed by the service's key"
    if entry.kind != record.ledger_kind() or entry.record_id != str(record.pk):
        return "its ledger entry is for another record"
    if (
        canonical_hash(record.content) != record.content_hash
        or entry.content_hash != record.content_hash
    ):
        return "what it says was signed is not what the ledger holds"
    content = record.content
    expected = {
        "kind": record.ledger_kind(),
        "organisation": str(entry.organisation_id),
        "signer_id": str(record.signer_id),
        "side": record.side,
        "signed_at": _timestamp(record.created_at),
        "fields": {name: jsonable(getattr(record, name)) for name in record.SIGNED_FIELDS},
    }
    stored = {
        "kind": content.get("kind"),
        "organisation": content.get("organisation"),
        "signer_id": (content.get("signer") or {}).get("id"),
        "side": content.get("side"),
        "signed_at": content.get("signed_at"),
        "fields": content.get("fields"),
    }
    for key, value in expected.items():
        if stored[key] != value:
            return f"its {key.replace('_', ' ')} is not what was signed"
    if record.voided_at is not None:
        void_entry = record.void_entry
        if (
            void_entry is None
            or not entry_is_authentic(void_entry)
            or void_entry.kind != LedgerEntry.VOID
            or void_entry.record_id != str(record.pk)
            or void_entry.content_hash != canonical_hash(void_content(record))
        ):
            return "its void is not on the ledger"
    else:
        if voided_record_ids is None:
            voided = LedgerEntry.objects.filter(
                kind=LedgerEntry.VOID, record_id=str(record.pk)
            ).exists()
        else:
            voided = str(record.pk) in voided_record_ids
        if voided or record.void_entry_id is not None:
            return "the ledger says it was voided"
    return None


def voided_ids(records) -> set[str]:
    """The ids among ``records`` that have a void entry on the ledger, in one query: pass it to
    ``verify(..., voided_record_ids=...)`` to check a list with a flat number of queries."""
    ids = [str(record.pk) for record in records]
    if not ids:
        return set()
    return set(
        LedgerEntry.objects.filter(kind=LedgerEntry.VOID, record_id__in=ids).values_list(
            "record_id", flat=True
        )
    )


def verify(record: SignedRecord, subject=None, *, messages=None, voided_record_ids=None):
    """Check a record against the ledger and the key, then against the live subject."""
    messages = {**MESSAGES, **(messages or {})}
    problem = record_problem(record, voided_record_ids=voided_record_ids)
    if problem:
        return _altered(problem, messages)
    if subject is None:
        subject = record.current_subject()
    if canonical_hash(record.content.get("subject")) == canonical_hash(jsonable(subject)):
        if record.is_void:
            return Verification(True, messages["void_matches"], "void_matches")
        return Verification(True, messages["verified"], "verified")
    if record.is_void:
        return Verification(False, messages["void"], "void")
    return Verification(False, messages["changed"], "changed")


def signed_record_models() -> dict[str, type[SignedRecord]]:
    return {
        model.ledger_kind(): model for model in apps.get_models() if issubclass(model, SignedRecord)
    }


def head(organisation) -> tuple[int, str]:
    """The chain's head (sequence, digest): the receipt both leads keep at sign-off."""
    last = (
        LedgerEntry.objects.filter(organisation=organisation)
        .order_by("-sequence")
        .values_list("sequence", "digest")
        .first()
    )
    return last or (0, GENESIS)


def verify_chain(organisation) -> list[str]:
    """Every break in an organisation's ledger and signed records, named; empty when sound."""
    breaks = []
    models = signed_record_models()
    expected_sequence, previous = 1, GENESIS
    entries = {}
    voided = set()
    for entry in LedgerEntry.objects.filter(organisation=organisation).order_by("sequence"):
        label = f"entry {entry.sequence} ({entry.kind} {entry.record_id})"
        if entry.sequence != expected_sequence:
            breaks.append(f"{label}: expected entry {expected_sequence}; entries are missing")
        if entry.previous_digest != previous:
            breaks.append(f"{label}: does not follow the previous entry")
        if not entry_is_authentic(entry):
            breaks.append(f"{label}: not signed by the service's key, or changed since")
        if entry.kind == LedgerEntry.VOID:
            voided.add(entry.record_id)
        elif entry.kind not in models:
            breaks.append(f"{label}: unknown kind of record")
        entries[entry.pk] = entry
        expected_sequence, previous = entry.sequence + 1, entry.digest
    seen_entries = set()
    for kind, model in models.items():
        records = model.objects.filter(ledger_entry__organisation=organisation).select_related(
            "ledger_entry", "void_entry", "signer"
        )
        for record in records:
            seen_entries.add(record.ledger_entry_id)
            label = f"{kind} {record.pk}"
            problem = record_problem(record, voided_record_ids=voided)
            if problem:
                breaks.append(f"{label}: {problem}")
                continue
            if not record.is_void:
                result = verify(record, voided_record_ids=voided)
                if not result.matches:
                    breaks.append(f"{label}: an active signature no longer matches its content")
    for pk, entry in entries.items():
        if entry.kind != LedgerEntry.VOID and pk not in seen_entries:
            breaks.append(
                f"entry {entry.sequence} ({entry.kind} {entry.record_id}): its record is missing"
            )
    return breaks
