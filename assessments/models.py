"""Frameworks (loaded from YAML data) and the assessments organisations make against them."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from partnership.models import Membership, Organisation, TimeStampedModel
from partnership.signing.models import SignedRecord


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
    survey = models.BooleanField(
        "usable for surveys",
        default=False,
        help_text="Organisations may run anonymous survey rounds of its statements.",
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


PERIOD_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


def validate_period(value):
    """A financial year such as 2026/27: four digits, a slash, and the next year's last two."""
    match = PERIOD_PATTERN.match(value or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValidationError(
            "Enter the period as a financial year, like 2026/27", code="invalid_period"
        )


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
    period = models.CharField(
        max_length=7, validators=[validate_period], help_text="For example 2026/27."
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_cycles",
        help_text="The assessment this one was started from.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "-period", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "framework", "period"],
                name="assessments_assessment_one_per_framework_period",
            ),
        ]
        indexes = [
            # A network's coverage: a framework's assessments for one period, by status, with
            # the organisation read from the index (rollup.queries._coverage_tally).
            models.Index(
                fields=["framework", "period", "status", "organisation"],
                name="assessments_assessment_cycle",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.period})"

    @property
    def is_locked(self):
        return self.status == self.Status.SIGNED_OFF


class Response(TimeStampedModel):
    """What the organisation says about one criterion in one assessment.

    ``version`` goes up by one on every save: a save must name the version it was based on,
    so that a second person's save over a newer version is refused, never silently lost.
    """

    class Status(models.TextChoices):
        TO_REVIEW = "to_review", "To review"
        REVIEWED = "reviewed", "Reviewed"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for staff-side review"
        AGREED = "agreed", "Agreed"
        AGREED_WITH_RESERVATIONS = "agreed_with_reservations", "Agreed with reservations"
        DISAGREED = "disagreed", "Disagreed"

    class Barrier(models.TextChoices):
        FUNDING = "funding", "Funding"
        STAFFING = "staffing", "Staffing or capacity"
        POLICY_NOT_AGREED = "policy_not_agreed", "Policy not yet agreed"
        NOT_PRIORITISED = "not_prioritised", "Not prioritised"
        AWAITING_NATIONAL_GUIDANCE = "awaiting_national_guidance", "Awaiting national guidance"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TO_REVIEW)
    rating = models.IntegerField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    not_applicable_reason = models.TextField(blank=True)
    narrative = models.TextField("evidence narrative", blank=True)
    barrier = models.CharField(
        "main reason it is not in place", max_length=40, choices=Barrier.choices, blank=True
    )
    barrier_detail = models.TextField("why it is not in place", blank=True)
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=30, choices=State.choices, default=State.DRAFT)
    staff_rating = models.IntegerField("staff side's rating", null=True, blank=True)
    criterion_text_changed = models.BooleanField(
        default=False,
        help_text="The criterion's wording changed since the assessment this was copied from.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["criterion__standard__position", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="assessments_response_one_per_criterion"
            ),
            models.CheckConstraint(
                condition=~models.Q(not_applicable=True, rating__isnull=False),
                name="assessments_response_not_applicable_has_no_rating",
            ),
        ]

    def __str__(self):
        return f"{self.criterion.ref} in {self.assessment}"

    @property
    def is_reviewed(self):
        return self.status == self.Status.REVIEWED

    @property
    def is_agreed(self):
        """Both sides have signed the same version (with or without reservations)."""
        return self.state in (self.State.AGREED, self.State.AGREED_WITH_RESERVATIONS)

    @property
    def is_settled(self):
        """Agreed, or the disagreement is on the record: ready for the joint sign-off."""
        return self.is_agreed or self.state == self.State.DISAGREED

    @property
    def ratings_differ(self):
        return self.staff_rating is not None and self.staff_rating != self.rating


class EvidenceFile(models.Model):
    """An uploaded file. Stored through Django's storage outside the static area and served
    only by a permission-checked view. A next cycle copies the row, not the file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="files")
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


class EvidenceLink(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="links")
    url = models.URLField("web address", max_length=2000)
    title = models.CharField(max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "title"]

    def __str__(self):
        return self.title


class ResponseChange(models.Model):
    """One entry in a response's history: who changed what, and when."""

    class Kind(models.TextChoices):
        EDITED = "edited", "Edited"
        FILE_ADDED = "file_added", "File added"
        FILE_REMOVED = "file_removed", "File removed"
        LINK_ADDED = "link_added", "Link added"
        LINK_REMOVED = "link_removed", "Link removed"
        CARRIED_FORWARD = "carried_forward", "Carried forward"
        STAFF_RATING = "staff_rating", "Staff side's rating"
        SIGNED = "signed", "Signed"
        SIGNATURES_VOIDED = "signatures_voided", "Signatures voided"
        COMMENTED = "commented", "Commented"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changes = models.JSONField(
        default=dict, help_text="Field name to [old, new] for edits; a description otherwise."
    )
    version = models.PositiveIntegerField(help_text="The response's version after this change.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.response}"


class Signature(SignedRecord):
    """One side's signature on one criterion: its decision and comment on exactly the version
    of the answer (and the criterion's wording) it saw, on the organisation's ledger."""

    SIGNED_FIELDS = ("assessment_id", "response_id", "decision", "comment", "response_version")

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for staff-side review"
        AGREED = "agreed", "Agreed"
        AGREED_WITH_RESERVATIONS = "agreed_with_reservations", "Agreed with reservations"
        DISAGREED = "disagreed", "Disagreed"

    NEEDS_COMMENT = (Decision.AGREED_WITH_RESERVATIONS, Decision.DISAGREED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="signatures")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="signatures")
    decision = models.CharField(max_length=30, choices=Decision.choices)
    comment = models.TextField(blank=True)
    response_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "side"],
                condition=models.Q(voided_at__isnull=True),
                name="assessments_signature_one_active_per_side",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    decision__in=["agreed_with_reservations", "disagreed"], comment=""
                ),
                name="assessments_signature_dissent_has_comment",
            ),
            models.CheckConstraint(
                condition=models.Q(side="management", decision="submitted")
                | models.Q(
                    side="staff_side",
                    decision__in=["agreed", "agreed_with_reservations", "disagreed"],
                ),
                name="assessments_signature_decision_fits_side",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} {self.get_decision_display().lower()} {self.response}"

    def ledger_organisation(self):
        return self.assessment.organisation

    def current_subject(self):
        from .signing import response_content

        return response_content(self.response, self.side)


class Comment(models.Model):
    """The thread between the two sides about one criterion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=20, choices=Membership.Side.choices)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Comment by {self.author} on {self.response}"


class SignOff(SignedRecord):
    """A lead's signature on the joint statement that closes an assessment: the statements,
    every criterion's state and signatures, and the frozen scores, stage and action plan."""

    SIGNED_FIELDS = ("assessment_id", "joint_statement", "side_statement")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="sign_offs")
    joint_statement = models.TextField()
    side_statement = models.TextField(
        blank=True, help_text="This side's own statement, for example the staff side's view."
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "side"],
                condition=models.Q(voided_at__isnull=True),
                name="assessments_signoff_one_active_per_side",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} sign-off of {self.assessment}"

    def ledger_organisation(self):
        return self.assessment.organisation

    def current_subject(self):
        from .signing import assessment_content

        return assessment_content(self.assessment, self.joint_statement)


class AssessmentSnapshot(models.Model):
    """What the leads signed off, frozen: the scoring inputs and results (scores, stage and
    why, each standard's figures) and the action plan as they stood. Written in the sign-off
    transaction, removed when the sign-offs are voided. A signed-off assessment's scores,
    stage and reports come from here (``assessments.snapshots``), never recomputed from rows
    that can still change; the sign-offs sign it, so altering it breaks their verification."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="snapshot", primary_key=True
    )
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Signed-off snapshot of {self.assessment}"


class AssessmentEvent(models.Model):
    """The assessment-level history: sign-offs, reopening requests and reopenings."""

    class Kind(models.TextChoices):
        SIGNED_OFF_BY = "signed_off_by", "Signed off by one lead"
        SIGNED_OFF = "signed_off", "Jointly signed off"
        REOPEN_REQUESTED = "reopen_requested", "Reopening requested"
        REOPEN_WITHDRAWN = "reopen_withdrawn", "Reopening request withdrawn"
        REOPENED = "reopened", "Reopened"
        PLAN_SIGNED = "plan_signed", "Action plan signed"
        PLAN_SIGNATURES_VOIDED = "plan_signatures_voided", "Action plan signatures voided"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.assessment}"


class Notification(models.Model):
    """Something a person must act on, emailed in at most one message per assessment per day."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["recipient", "assessment", "emailed_at"])]

    def __str__(self):
        return self.message


class ActionPlan(TimeStampedModel):
    """The joint action plan of one assessment: what both sides will do about its gaps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="action_plan"
    )

    def __str__(self):
        return f"Action plan for {self.assessment}"


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(plan__assessment__organisation__in=Organisation.objects.visible_to(user))


class Action(TimeStampedModel):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        BLOCKED = "blocked", "Blocked"

    OPEN = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    responses = models.ManyToManyField(
        Response, related_name="actions", help_text="The criteria this action addresses."
    )
    management_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    staff_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    target_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        help_text="The same action in the previous cycle's plan.",
    )

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["target_date", "created_at"]

    def __str__(self):
        return self.description[:80]

    @property
    def is_open(self):
        return self.status in self.OPEN


class ActionUpdate(models.Model):
    """A dated entry in an action's progress log, by either side."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=20, choices=Membership.Side.choices)
    text = models.TextField()
    status = models.CharField(
        "status after this update", max_length=20, choices=Action.Status.choices
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Update on {self.action}"


class PlanSignature(SignedRecord):
    """A lead's signature on the whole action plan's commitments, on the ledger."""

    SIGNED_FIELDS = ("plan_id",)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="signatures")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "side"],
                condition=models.Q(voided_at__isnull=True),
                name="assessments_plansignature_one_active_per_side",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} signature on {self.plan}"

    def ledger_organisation(self):
        return self.plan.assessment.organisation

    def current_subject(self):
        from .signing import plan_content

        return plan_content(self.plan)


# Crosswalks live in their own package; importing them here registers their models.
# Case studies live in their own package; importing them here registers them with the app.
from .casestudies.models import (  # noqa: E402, F401
    CaseStudy,
    CaseStudyApproval,
    CaseStudyAttachment,
    CaseStudyEvent,
)
from .crosswalks.models import (  # noqa: E402, F401
    CarryOver,
    Crosswalk,
    CrosswalkPair,
    CrosswalkUnmapped,
)

# The roll-up summary rows live in their own package; importing them here registers them.
from .rollup.models import (  # noqa: E402, F401
    AssessmentSummary,
    CriterionSummary,
    NetworkCriterionCount,
    NetworkSummaryCount,
    StandardSummary,
)

# Survey rounds live in their own package; importing them here registers their models.
from .surveys.models import (  # noqa: E402, F401
    SurveyAnswer,
    SurveyEmail,
    SurveyInvitation,
    SurveyRound,
    SurveyScore,
)
