"""Crosswalks between framework versions, and the record of what a next cycle carried across.

A crosswalk is data (``fixtures/crosswalks/*.yaml``, docs/framework-format.md): pairs of
criteria, each saying how the ``to`` criterion relates to the ``from`` one, and the criteria of
either framework that have no counterpart, each with a reason.
"""

import uuid

from django.db import models

from partnership.models import TimeStampedModel

from ..models import Criterion, Framework, Response


class Relation(models.TextChoices):
    """How the ``to`` criterion relates to the ``from`` criterion."""

    EQUIVALENT = "equivalent", "Equivalent"
    PARTIAL = "partial", "Partly overlapping"
    BROADER = "broader", "Broader"
    NARROWER = "narrower", "Narrower"

    @property
    def reversed(self):
        """The same pair read from the ``to`` side."""
        return {Relation.BROADER: Relation.NARROWER, Relation.NARROWER: Relation.BROADER}.get(
            self, self
        )


class Crosswalk(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    from_framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="crosswalks_from"
    )
    to_framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="crosswalks_to"
    )
    description = models.TextField(blank=True)
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the crosswalk's normalised content, to spot changes."
    )

    class Meta:
        ordering = ["from_framework__title", "to_framework__title"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_framework", "to_framework"],
                name="assessments_crosswalk_one_per_pair_of_versions",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_framework=models.F("to_framework")),
                name="assessments_crosswalk_between_two_versions",
            ),
        ]

    def __str__(self):
        return f"{self.from_framework} to {self.to_framework}"


class CrosswalkPair(models.Model):
    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="pairs")
    from_criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    to_criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    note = models.TextField(blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["crosswalk", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["crosswalk", "from_criterion", "to_criterion"],
                name="assessments_crosswalkpair_unique_pair",
            ),
            models.UniqueConstraint(
                fields=["crosswalk", "position"], name="assessments_crosswalkpair_unique_position"
            ),
        ]

    def __str__(self):
        return f"{self.from_criterion.ref} {self.relation} {self.to_criterion.ref}"


class CrosswalkUnmapped(models.Model):
    """A criterion of either framework with no counterpart in the other, and why."""

    class Side(models.TextChoices):
        FROM = "from", "From"
        TO = "to", "To"

    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="unmapped")
    side = models.CharField(max_length=4, choices=Side.choices)
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["crosswalk", "position"]
        verbose_name_plural = "crosswalk unmapped criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["crosswalk", "criterion"], name="assessments_crosswalkunmapped_once"
            ),
        ]

    def __str__(self):
        return f"{self.criterion.ref} unmapped"


class CarryOver(models.Model):
    """What a next cycle carried into one response from one response of the previous cycle.

    The source's ref, framework and period are kept as text, so the carry-over report stays
    true when a crosswalk file is later corrected.
    """

    class Kind(models.TextChoices):
        SAME = "same", "Same criterion"
        EQUIVALENT = "equivalent", "Equivalent"
        PARTIAL = "partial", "Partly overlapping"
        BROADER = "broader", "Broader"
        NARROWER = "narrower", "Narrower"

    class Carried(models.TextChoices):
        ANSWER = "answer", "Rating, narrative, reason, files and links"
        EVIDENCE = "evidence", "Files and links only"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="carry_overs")
    source = models.ForeignKey(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_ref = models.CharField(max_length=20)
    source_framework = models.CharField(max_length=250)
    source_period = models.CharField(max_length=7)
    relation = models.CharField(max_length=20, choices=Kind.choices)
    carried = models.CharField(max_length=10, choices=Carried.choices)
    files = models.PositiveIntegerField(default=0)
    links = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "source_ref"], name="assessments_carryover_once_per_source"
            ),
        ]

    def __str__(self):
        return f"{self.source_ref} ({self.source_period}) into {self.response}"
