"""Case studies of good practice: drafted from an organisation's own assessment, approved by
both leads on the signing ledger, and published to an audience they chose.

Registered with the app through ``assessments.models``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from partnership.models import Organisation, TimeStampedModel
from partnership.networks.models import Network, NetworkOrganisation
from partnership.signing.models import SignedRecord


class CaseStudyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Everything of the user's own organisations, and the others' published case studies
        whose audience includes them: everyone signed in, or a network they reach (as a
        member of the network, or through an organisation of theirs that has joined it)."""
        if not user.is_authenticated:
            return self.none()
        mine = Organisation.objects.visible_to(user)
        reached = Network.objects.filter(
            Q(members__user=user)
            | Q(
                organisations__status=NetworkOrganisation.Status.JOINED,
                organisations__organisation__in=mine,
            )
        ).values("pk")
        in_network = Exists(
            NetworkOrganisation.objects.filter(
                organisation=OuterRef("organisation"),
                status=NetworkOrganisation.Status.JOINED,
                network__in=reached,
            )
        )
        audience = Q(audience=CaseStudy.Audience.EVERYONE) | (
            Q(audience=CaseStudy.Audience.NETWORKS) & in_network
        )
        return self.filter(
            Q(organisation__in=mine) | (Q(status=CaseStudy.Status.PUBLISHED) & audience)
        )

    def published(self):
        return self.filter(status=CaseStudy.Status.PUBLISHED)


class CaseStudy(TimeStampedModel):
    """One organisation's account of closing a gap. ``version`` goes up on every change; any
    change voids the leads' approvals, so what is published is what both approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Audience(models.TextChoices):
        NETWORKS = "networks", "The networks our organisation has joined"
        EVERYONE = "everyone", "Everyone signed in to the service"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="case_studies"
    )
    criterion = models.ForeignKey(
        "assessments.Criterion",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The criterion it was drafted from: its scores are this criterion's.",
    )
    criteria = models.ManyToManyField(
        "assessments.Criterion",
        related_name="case_studies",
        help_text="Every criterion it addresses, the one it was drafted from included.",
    )
    source_action = models.ForeignKey(
        "assessments.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_studies",
    )
    title = models.CharField(max_length=200)
    summary = models.TextField()
    what_was_done = models.TextField("what was done")
    impact = models.TextField()
    joint_working = models.TextField("how the two sides worked together")
    differently = models.TextField("what they would do differently", blank=True)
    contact = models.CharField(max_length=300, blank=True)
    # From the organisation when drafted, so the library filters without joins.
    country = models.CharField(max_length=20, choices=Organisation.Country.choices)
    sector = models.CharField(max_length=30, choices=Organisation.Sector.choices)
    # From the organisation's own assessments, never typed (see services.criterion_scores).
    before_rating = models.IntegerField(null=True, blank=True)
    before_label = models.CharField(max_length=100, blank=True)
    before_period = models.CharField(max_length=7, blank=True)
    after_rating = models.IntegerField(null=True, blank=True)
    after_label = models.CharField(max_length=100, blank=True)
    after_period = models.CharField(max_length=7, blank=True)

    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.NETWORKS)
    anonymous = models.BooleanField(default=False)
    review_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdraw_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = CaseStudyQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name_plural = "case studies"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="assessments_casestudy_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
                name="assessments_casestudy_withdrawn_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class CaseStudyAttachment(models.Model):
    """A supporting file, checked as evidence uploads are and served only by a view that
    applies the case study's audience (and never to outsiders when it is anonymous)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "original_name"]

    def __str__(self):
        return self.original_name


class CaseStudyApproval(SignedRecord):
    """One lead's approval to publish, bound to the case study's content, audience, anonymity
    and review date. Any change voids it."""

    SIGNED_FIELDS = ("case_study_id",)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="approvals")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_study", "side"],
                condition=Q(voided_at__isnull=True),
                name="assessments_casestudyapproval_one_active_per_side",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} approval of {self.case_study}"

    def ledger_organisation(self):
        return self.case_study.organisation

    def current_subject(self):
        from .services import case_study_subject

        return case_study_subject(self.case_study)


class CaseStudyEvent(models.Model):
    """A case study's history: drafted, changed, approved, published, withdrawn."""

    class Kind(models.TextChoices):
        DRAFTED = "drafted", "Drafted"
        EDITED = "edited", "Changed"
        APPROVED = "approved", "Approved for publication"
        APPROVALS_VOIDED = "approvals_voided", "Approvals voided"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.case_study}"
