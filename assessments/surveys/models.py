"""Survey rounds of a framework marked ``survey: true``, the people invited, and their answers.

Anonymity is a property of the tables, not of the pages: an answer holds only its round and
side and the scores; nothing in it (no invitation, no user, no time) points at who gave it.
Answers and scores have random ids, so their ids say nothing about the order they came in, and
closing a round rewrites the round's invitations and answers (see services.close_round) so that
neither the database's own row bookkeeping nor the order of the rows links the two.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from partnership.models import Membership, Network, Organisation, TimeStampedModel

from ..models import Criterion, Framework, validate_period


class SurveyRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(organisation__in=Organisation.objects.visible_to(user))


class SurveyRound(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="survey_rounds"
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="survey_rounds")
    period = models.CharField(
        max_length=7, validators=[validate_period], help_text="For example 2026/27."
    )
    title = models.CharField(max_length=200)
    closes_on = models.DateField(help_text="The last day on which answers are taken.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    network = models.ForeignKey(
        Network,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_rounds",
        help_text="The network whose lead opened this round for all its members at once.",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = SurveyRoundQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "-closes_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "framework"],
                condition=models.Q(status="open"),
                name="assessments_surveyround_one_open_per_framework",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="assessments_surveyround_closed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.organisation.name}, {self.period})"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED

    def accepts_answers(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and today <= self.closes_on


class SurveyInvitation(models.Model):
    """One person asked to answer on one side. Only marked used: never linked to the answer.

    The emailed link carries the invitation's id signed with the site's key (see
    ``surveys.links``), so nothing secret is stored here and nobody can make up a link.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    side = models.CharField(max_length=20, choices=Membership.Side.choices)
    email = models.EmailField()
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["side", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "email"], name="assessments_surveyinvitation_once_per_round"
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_side_display()}) for {self.round}"


class SurveyAnswer(models.Model):
    """One person's answer, with nothing that says who: the round, the side, the scores."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="answers")
    side = models.CharField(max_length=20, choices=Membership.Side.choices)

    class Meta:
        ordering = ["side", "id"]

    def __str__(self):
        return f"A {self.get_side_display().lower()} answer to {self.round}"


class SurveyScore(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answer = models.ForeignKey(SurveyAnswer, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.IntegerField()

    class Meta:
        ordering = ["answer", "criterion__standard__position", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "criterion"], name="assessments_surveyscore_one_per_statement"
            ),
        ]

    def __str__(self):
        return f"{self.criterion.ref}: {self.value}"


class SurveyEmail(models.Model):
    """An invitation or reminder waiting to be emailed, sent in batches by send_notifications
    (at most one email per invitation per day). Deleted when the round closes."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        REMINDER = "reminder", "Reminder"

    invitation = models.ForeignKey(
        SurveyInvitation, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.invitation.email}"
