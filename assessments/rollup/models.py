"""Summary rows: what an assessment contributes to its networks, written when it is jointly
signed off and removed when it is reopened.

Roll-ups read these rows only, never responses, so their cost does not grow with the size of
assessments. They hold what the ``summary`` sharing level shares (scores, stages, rating levels
on each side, barrier categories) and, for members sharing the ``detail``, narratives and
barrier text; which of them a network may see is decided when reading, from the organisation's
sharing level at that moment. Never evidence, links, comments or names.
"""

import uuid

from django.db import models

from partnership.models import Organisation

from ..models import Assessment, Framework


class AssessmentSummary(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="summary")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    framework_slug = models.SlugField(max_length=100)
    period = models.CharField(max_length=7)
    signed_off_at = models.DateTimeField()
    management_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    staff_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    agreed_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    stage_slug = models.SlugField(max_length=50, blank=True)
    stage_name = models.CharField(max_length=100, blank=True)
    stage_position = models.PositiveIntegerField(default=0, help_text="0: no stage reached.")
    applicable_count = models.PositiveIntegerField(default=0)
    gap_count = models.PositiveIntegerField(default=0, help_text="Agreed below met.")
    divergent_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["framework_slug", "period", "organisation"],
                name="rollup_assessment_lookup",
            )
        ]

    def __str__(self):
        return f"Summary of {self.assessment_id}"


class StandardSummary(models.Model):
    id = models.BigAutoField(primary_key=True)
    summary = models.ForeignKey(
        AssessmentSummary, on_delete=models.CASCADE, related_name="standards"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    framework_slug = models.SlugField(max_length=100)
    period = models.CharField(max_length=7)
    standard_ref = models.CharField(max_length=20)
    management_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    staff_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    agreed_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["framework_slug", "period", "organisation"], name="rollup_standard_lookup"
            )
        ]

    def __str__(self):
        return f"{self.standard_ref} in {self.summary_id}"


class CriterionSummary(models.Model):
    id = models.BigAutoField(primary_key=True)
    summary = models.ForeignKey(
        AssessmentSummary, on_delete=models.CASCADE, related_name="criteria"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    framework_slug = models.SlugField(max_length=100)
    period = models.CharField(max_length=7)
    criterion_ref = models.CharField(max_length=20)
    standard_ref = models.CharField(max_length=20)
    not_applicable = models.BooleanField(default=False)
    management_rating = models.IntegerField(null=True)
    staff_rating = models.IntegerField(null=True)
    agreed_rating = models.IntegerField(null=True, help_text="None: not agreed by both sides.")
    below_met = models.BooleanField(default=False)
    divergent = models.BooleanField(
        default=False, help_text="One side says met and the other not, or two levels apart."
    )
    barrier = models.CharField(max_length=40, blank=True)
    narrative = models.TextField(blank=True)
    barrier_detail = models.TextField(blank=True)

    class Meta:
        indexes = [
            # Covering (on PostgreSQL): the gap map reads the index alone, never the table.
            models.Index(
                fields=["framework_slug", "period", "organisation"],
                include=[
                    "criterion_ref",
                    "agreed_rating",
                    "barrier",
                    "below_met",
                    "divergent",
                    "not_applicable",
                ],
                name="rollup_criterion_lookup",
            )
        ]

    def __str__(self):
        return f"{self.criterion_ref} in {self.summary_id}"


NOT_AGREED_VALUE = -1  # agreed_rating of a count row for criteria the sides have not agreed
# What the gap map groups a network's criterion rows by (after the network).
GAP_COUNT_KEY = (
    "framework_slug",
    "period",
    "criterion_ref",
    "agreed_rating",
    "barrier",
    "below_met",
    "divergent",
)


class NetworkCriterionCount(models.Model):
    """How many of a network's joined organisations' signed-off summaries have each combination
    of what the gap map groups by: the pre-aggregated gap map (``counts``). Kept equal to a
    direct count over ``CriterionSummary`` by the transactions that change either side of it:
    sign-off and reopening (an assessment's rows for every network its organisation has joined)
    and joining or leaving a network (all the organisation's rows for that network)."""

    id = models.BigAutoField(primary_key=True)
    network = models.ForeignKey("partnership.Network", on_delete=models.CASCADE, related_name="+")
    framework_slug = models.SlugField(max_length=100)
    period = models.CharField(max_length=7)
    criterion_ref = models.CharField(max_length=20)
    agreed_rating = models.IntegerField(help_text=f"{NOT_AGREED_VALUE}: not agreed.")
    barrier = models.CharField(max_length=40, blank=True)
    below_met = models.BooleanField()
    divergent = models.BooleanField()
    organisations = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", *GAP_COUNT_KEY],
                name="assessments_networkcriterioncount_one_per_key",
            )
        ]

    def __str__(self):
        return f"{self.criterion_ref} in {self.network_id}: {self.organisations}"


class NetworkSummaryCount(models.Model):
    """How many of a network's joined organisations have a signed-off summary for a framework
    and period (the gap map's "organisations" figure), kept like ``NetworkCriterionCount``."""

    id = models.BigAutoField(primary_key=True)
    network = models.ForeignKey("partnership.Network", on_delete=models.CASCADE, related_name="+")
    framework_slug = models.SlugField(max_length=100)
    period = models.CharField(max_length=7)
    organisations = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "framework_slug", "period"],
                name="assessments_networksummarycount_one_per_key",
            )
        ]

    def __str__(self):
        return f"{self.framework_slug} {self.period} in {self.network_id}: {self.organisations}"
