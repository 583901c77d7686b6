"""The one signature mechanism: every joint agreement is a ``SignedRecord`` on a ledger.

- A signed record stores exactly what was signed (``content``: who, which side, when, the
  record's own meaningful fields and the subject they agreed to) and its SHA-256.
- Each signature appends an entry to its organisation's ledger. The entry names the record and
  its content hash, carries the digest of the previous entry, and is signed with the service's
  Ed25519 key (kept outside the database). Voiding appends an entry too.
- So somebody who can write the database but does not hold the key cannot change what a record
  says, recompute its hash, un-void it, or drop an entry, without verification noticing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..models import Membership, Organisation


class LedgerEntry(models.Model):
    """One link of an organisation's append-only chain of signed records."""

    VOID = "void"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    sequence = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=80, help_text="The signed record's kind, or 'void'.")
    record_id = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "sequence"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sequence"], name="partnership_ledgerentry_one_per_sequence"
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1),
                name="partnership_ledgerentry_sequence_from_one",
            ),
        ]
        indexes = [models.Index(fields=["record_id"], name="partnership_ledger_record")]

    def __str__(self):
        return f"{self.organisation_id} #{self.sequence} {self.kind}"


class SignedRecord(models.Model):
    """A signature's common parts. Subclasses set:

    - ``SIGNED_FIELDS``: their own columns that are part of what was signed (decision, comment,
      version, statements...); verification checks the columns still say what was signed;
    - ``ledger_organisation()``: the organisation whose ledger the record goes on;
    - ``current_subject()``: what was signed, rebuilt from the live data, to compare.

    Create, void and verify records only through ``partnership.signing.ledger``.
    """

    SIGNED_FIELDS: tuple[str, ...] = ()

    content = models.JSONField(help_text="Exactly what was signed.")
    content_hash = models.CharField(max_length=64)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=20, choices=Membership.Side.choices)
    created_at = models.DateTimeField(default=timezone.now)
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="+", editable=False
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    void_entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        abstract = True

    @classmethod
    def ledger_kind(cls) -> str:
        return f"{cls._meta.app_label}.{cls._meta.model_name}"

    @property
    def is_void(self):
        return self.voided_at is not None

    def ledger_organisation(self) -> Organisation:
        raise NotImplementedError

    def current_subject(self):
        raise NotImplementedError
