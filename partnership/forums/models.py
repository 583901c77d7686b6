"""Forums both sides run: their constitution, meetings, attendance and quorum per side, minutes
agreed by both joint chairs, the decisions log and the actions log.

Agenda items and actions may point at something of the organisation's in the upper layer (an
assessment, an action of a joint action plan) through a generic relation, so this package never
imports ``assessments``; ``links.py`` checks the target belongs to the same organisation.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from ..models import Membership, Organisation, TimeStampedModel
from ..signing.models import SignedRecord

Side = Membership.Side


class Forum(TimeStampedModel):
    class Kind(models.TextChoices):
        JNCC = "jncc", "Joint negotiating and consultative committee"
        LNC = "lnc", "Local negotiating committee"
        PARTNERSHIP_FORUM = "partnership_forum", "Local or area partnership forum"
        HEALTH_AND_SAFETY = "health_and_safety", "Health and safety committee"
        LEARNING = "learning", "Learning forum"
        OTHER = "other", "Another forum"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="forums")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    meetings_per_year = models.PositiveSmallIntegerField(
        help_text="How many meetings the constitution plans in a year."
    )
    management_quorum = models.PositiveSmallIntegerField(
        help_text="How many management members must be present."
    )
    staff_side_quorum = models.PositiveSmallIntegerField(
        help_text="How many staff-side members must be present."
    )
    management_chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff_side_chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The secret in the calendar subscription link; empty when there is none (or it was revoked).
    feed_token = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="partnership_forum_name_once"
            ),
            models.CheckConstraint(
                condition=models.Q(meetings_per_year__gte=1, meetings_per_year__lte=52),
                name="partnership_forum_meetings_per_year_range",
            ),
        ]

    def __str__(self):
        return self.name

    def quorum_for(self, side) -> int:
        return self.management_quorum if side == Side.MANAGEMENT else self.staff_side_quorum

    def chair_id_for(self, side):
        return self.management_chair_id if side == Side.MANAGEMENT else self.staff_side_chair_id


class ForumMember(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=20, choices=Side.choices)

    class Meta:
        ordering = ["side", "user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "user", "side"], name="partnership_forummember_once_per_side"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_side_display()})"


class Meeting(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=120)
    place = models.CharField(max_length=200)
    # Recorded from the attendance when it is saved, with the quorum the constitution then set,
    # so a later change of the rules does not rewrite history.
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    management_present = models.PositiveSmallIntegerField(default=0)
    staff_side_present = models.PositiveSmallIntegerField(default=0)
    management_quorum = models.PositiveSmallIntegerField(default=0)
    staff_side_quorum = models.PositiveSmallIntegerField(default=0)
    minutes = models.TextField(blank=True)
    minutes_version = models.PositiveIntegerField(default=0)
    minutes_drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_drafted_side = models.CharField(max_length=20, choices=Side.choices, blank=True)
    minutes_agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["forum", "starts_at"], name="partnership_meeting_when")]

    def __str__(self):
        return f"{self.forum} on {self.starts_at:%d %B %Y}"

    @property
    def attendance_recorded(self):
        return self.attendance_recorded_at is not None

    @property
    def quorate_management(self):
        return self.attendance_recorded and self.management_present >= self.management_quorum

    @property
    def quorate_staff_side(self):
        return self.attendance_recorded and self.staff_side_present >= self.staff_side_quorum

    @property
    def quorate(self):
        return self.quorate_management and self.quorate_staff_side


class LinkMixin(models.Model):
    """An optional link to one of the organisation's things in another app."""

    link_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    link_id = models.CharField(max_length=64, blank=True)
    link = GenericForeignKey("link_type", "link_id")

    class Meta:
        abstract = True


class AgendaItem(LinkMixin, TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    lead_side = models.CharField(max_length=20, choices=Side.choices)
    paper = models.FileField(upload_to="forum-papers/", blank=True)
    paper_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"], name="partnership_agendaitem_one_per_position"
            ),
        ]

    def __str__(self):
        return self.title


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(ForumMember, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=20, choices=Status.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], name="partnership_attendance_once_per_member"
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.get_status_display()}"


class Decision(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["meeting__starts_at", "created_at"]


class ForumAction(LinkMixin, TimeStampedModel):
    """An action of the forum. Never deleted: closing it is a status."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped by agreement"

    CLOSED = (Status.DONE, Status.DROPPED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="actions")
    raised_at = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="actions_raised", null=True, blank=True
    )
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner_side = models.CharField(max_length=20, choices=Side.choices)
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["done", "dropped"], closed_at__isnull=False)
                    | (~models.Q(status__in=["done", "dropped"]) & models.Q(closed_at__isnull=True))
                ),
                name="partnership_forumaction_closed_has_date",
            ),
        ]

    def __str__(self):
        return self.description[:80]

    @property
    def is_closed(self):
        return self.status in self.CLOSED


class MinutesAgreement(SignedRecord):
    """A joint chair agreeing the minutes of a meeting, bound to their text and decisions."""

    SIGNED_FIELDS = ("meeting_id", "version")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "side"],
                condition=models.Q(voided_at__isnull=True),
                name="partnership_minutesagreement_one_active_per_side",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} agreement to the minutes of {self.meeting}"

    def ledger_organisation(self):
        return self.meeting.forum.organisation

    def current_subject(self):
        return minutes_subject(self.meeting)


def minutes_subject(meeting: Meeting) -> dict:
    """What the joint chairs agree: the minutes as written, with the meeting's decisions."""
    return {
        "forum": str(meeting.forum_id),
        "meeting": str(meeting.pk),
        "starts_at": meeting.starts_at.isoformat(),
        "version": meeting.minutes_version,
        "minutes": meeting.minutes,
        "decisions": [
            {"id": str(d.pk), "text": d.text}
            for d in sorted(meeting.decisions.all(), key=lambda d: (d.created_at, str(d.pk)))
        ],
    }
