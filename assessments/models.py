"""Frameworks (loaded from YAML data) and the assessments organisations make against them."""

import uuid

from django.db import models

from partnership.models import Organisation, TimeStampedModel


class Framework(TimeStampedModel):
    """One version of a framework, as loaded from ``fixtures/frameworks/*.yaml``.

    A loaded version is never changed in place: changed content needs a new version.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=100)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    publication_date = models.DateField()
    countries = models.JSONField(
        default=list, help_text="Countries the framework applies to (Organisation.Country values)."
    )
    met_value = models.IntegerField(
        help_text="The rating value from which a criterion counts as met."
    )
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the framework's normalised content, to spot changes."
    )

    class Meta:
        ordering = ["title", "slug", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version"], name="assessments_framework_unique_slug_version"
            ),
        ]

    def __str__(self):
        return f"{self.title} (version {self.version})"

    @property
    def country_names(self):
        labels = dict(Organisation.Country.choices)
        return [labels.get(code, code) for code in self.countries]


class RatingLevel(models.Model):
    class Rag(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="levels")
    value = models.IntegerField()
    label = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    rag = models.CharField("RAG colour", max_length=10, choices=Rag.choices)

    class Meta:
        ordering = ["framework", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "value"], name="assessments_ratinglevel_unique_value"
            ),
        ]

    def __str__(self):
        return f"{self.value}: {self.label}"

    @property
    def is_met(self):
        return self.value >= self.framework.met_value


class Stage(models.Model):
    """A level of achievement (for IWL: Pledge, Practice, Practice Plus) and the rule for it.

    ``rule`` is a list of conditions, all of which must hold; docs/framework-format.md
    describes them and scoring interprets them.
    """

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="stages")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField()
    rule = models.JSONField(default=list)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "slug"], name="assessments_stage_unique_slug"
            ),
        ]

    def __str__(self):
        return self.name


class Standard(models.Model):
    """A section of a framework, such as "Flexible working"."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="standards")
    ref = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "ref"], name="assessments_standard_unique_ref"
            ),
        ]

    def __str__(self):
        return f"{self.ref} {self.title}"


class Criterion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="criteria")
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="criteria")
    ref = models.CharField(
        max_length=20, help_text="Stable reference, kept from one framework version to the next."
    )
    statement = models.TextField()
    guidance = models.TextField(blank=True)
    examples = models.JSONField(default=list, help_text="Good-practice examples.")
    references = models.JSONField(default=list)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    core = models.BooleanField(default=False)
    tags = models.JSONField(default=list)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["standard__position", "position"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "ref"], name="assessments_criterion_unique_ref"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0), name="assessments_criterion_weight_positive"
            ),
        ]

    def __str__(self):
        return f"{self.ref} {self.statement[:60]}"


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(organisation__in=Organisation.objects.visible_to(user))


class Assessment(TimeStampedModel):
    """An organisation's self-assessment against one framework version for one period."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SIGNED_OFF = "signed_off", "Signed off"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    period = models.CharField(max_length=20, help_text="For example 2026/27.")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "-period", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "framework", "period"],
                name="assessments_assessment_one_per_framework_period",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.period})"
