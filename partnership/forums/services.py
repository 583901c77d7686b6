"""Workflows of the forums: each change in one transaction, refusing with a reason
(``Refused``) and changing nothing when a rule says no.

Anything that changes what the joint chairs agreed (the minutes, a decision of the meeting)
voids their agreements on the ledger.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ..errors import Refused
from ..models import Membership
from ..signing import ledger
from .models import (
    AgendaItem,
    Attendance,
    Decision,
    Forum,
    ForumAction,
    ForumMember,
    Meeting,
    MinutesAgreement,
    minutes_subject,
)

Side = Membership.Side
SIDE_NAMES = {Side.MANAGEMENT: "management", Side.STAFF_SIDE: "staff side"}
HEALTH_WINDOW = timedelta(days=365)
MINUTES_AGREED_WITHIN = timedelta(days=30)


def _member_on_side(organisation, user, side) -> bool:
    return Membership.objects.filter(organisation=organisation, user=user, side=side).exists()


def _check_chairs(organisation, management_chair, staff_side_chair):
    if management_chair and staff_side_chair and management_chair == staff_side_chair:
        raise Refused("The joint chairs must be two people, one from each side")
    for chair, side in ((management_chair, Side.MANAGEMENT), (staff_side_chair, Side.STAFF_SIDE)):
        if chair and not _member_on_side(organisation, chair, side):
            raise Refused(
                f"{chair} cannot chair for the {SIDE_NAMES[side]}: they are not on that side "
                "in this organisation"
            )


@transaction.atomic
def save_forum(organisation, *, forum=None, management_chair=None, staff_side_chair=None, **fields):
    """Create a forum, or change its constitution. The chairs become members on their side."""
    _check_chairs(organisation, management_chair, staff_side_chair)
    if (
        Forum.objects.filter(organisation=organisation, name=fields["name"])
        .exclude(pk=forum.pk if forum else None)
        .exists()
    ):
        raise Refused("This organisation already has a forum with that name")
    if forum is None:
        forum = Forum(organisation=organisation)
    else:
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
    for name, value in fields.items():
        setattr(forum, name, value)
    forum.management_chair = management_chair
    forum.staff_side_chair = staff_side_chair
    forum.save()
    for chair, side in ((management_chair, Side.MANAGEMENT), (staff_side_chair, Side.STAFF_SIDE)):
        if chair:
            ForumMember.objects.get_or_create(forum=forum, user=chair, side=side)
    return forum


@transaction.atomic
def add_member(forum, *, user, side):
    if side not in Side.values:
        raise Refused("Choose the side the member sits on")
    if not _member_on_side(forum.organisation, user, side):
        raise Refused(f"{user} is not on the {SIDE_NAMES[side]} in this organisation")
    member, created = ForumMember.objects.get_or_create(forum=forum, user=user, side=side)
    if not created:
        raise Refused(f"{user} is already a member for the {SIDE_NAMES[side]}")
    return member


@transaction.atomic
def schedule_meeting(forum, *, starts_at, place, duration_minutes=120):
    return Meeting.objects.create(
        forum=forum, starts_at=starts_at, place=place, duration_minutes=duration_minutes
    )


@transaction.atomic
def add_agenda_item(meeting, *, title, lead_side, paper=None, paper_name="", link=(None, "")):
    """Add an item at the end of the agenda. ``paper`` is an already checked upload."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("pk").get()
    last = meeting.agenda_items.order_by("-position").values_list("position", flat=True).first()
    item = AgendaItem(
        meeting=meeting,
        position=(last or 0) + 1,
        title=title,
        lead_side=lead_side,
        paper_name=paper_name,
        link_type=link[0],
        link_id=link[1],
    )
    if paper is not None:
        item.paper.save(paper_storage_name(meeting, paper_name), paper, save=False)
    item.save()
    return item


def paper_storage_name(meeting, paper_name: str) -> str:
    extension = paper_name.rsplit(".", 1)[-1].lower() if "." in paper_name else "bin"
    return f"{meeting.forum.organisation.ods_code}/{secrets.token_hex(16)}.{extension}"


def carried_actions(meeting):
    """Actions raised before this meeting and still open when it started: on its agenda."""
    return (
        ForumAction.objects.filter(forum_id=meeting.forum_id, created_at__lt=meeting.starts_at)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=meeting.starts_at))
        .exclude(raised_at=meeting)
        .select_related("owner", "raised_at")
        .order_by("due_date", "created_at")
    )


@transaction.atomic
def record_attendance(meeting, statuses: dict):
    """Record who came, as ``{forum member id: status}`` for every member, and the quorum of
    each side that follows from it, with the quorum the constitution sets today."""
    meeting = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    members = {str(m.pk): m for m in meeting.forum.members.all()}
    unknown = set(map(str, statuses)) - set(members)
    if unknown:
        raise Refused("Attendance was given for somebody who is not a member of this forum")
    if set(members) - set(map(str, statuses)):
        raise Refused("Give the attendance of every member of the forum")
    if any(status not in Attendance.Status.values for status in statuses.values()):
        raise Refused("Choose present, apologies or absent for every member")
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member=members[str(pk)], status=status)
        for pk, status in statuses.items()
    )
    present = dict.fromkeys(Side.values, 0)
    for pk, status in statuses.items():
        if status == Attendance.Status.PRESENT:
            present[members[str(pk)].side] += 1
    forum = meeting.forum
    meeting.management_present = present[Side.MANAGEMENT]
    meeting.staff_side_present = present[Side.STAFF_SIDE]
    meeting.management_quorum = forum.management_quorum
    meeting.staff_side_quorum = forum.staff_side_quorum
    meeting.attendance_recorded_at = timezone.now()
    meeting.save()
    return meeting


def _void_agreements(meeting, reason):
    ledger.void_all(
        MinutesAgreement.objects.filter(meeting=meeting, voided_at__isnull=True).select_related(
            "ledger_entry"
        ),
        reason,
    )
    Meeting.objects.filter(pk=meeting.pk).update(minutes_agreed_at=None)
    meeting.minutes_agreed_at = None


@transaction.atomic
def save_minutes(meeting, *, text, user, side, version):
    """Save the minutes as drafted by one side. ``version`` is the version the writer opened;
    an edit voids both chairs' agreements."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if version != meeting.minutes_version:
        raise Refused(
            "Somebody else changed the minutes since you opened them. Copy your text, reload "
            "the page and make your change again"
        )
    if text == meeting.minutes:
        return meeting
    meeting.minutes = text
    meeting.minutes_version += 1
    meeting.minutes_drafted_by = user
    meeting.minutes_drafted_side = side
    _void_agreements(meeting, "The minutes were changed")
    meeting.save()
    return meeting


@transaction.atomic
def add_decision(meeting, *, text, user):
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    decision = Decision.objects.create(meeting=meeting, text=text, recorded_by=user)
    _void_agreements(meeting, "A decision was added to the minutes")
    return decision


def chair_side(user, forum):
    """The side ``user`` chairs this forum for, or None."""
    for side in Side.values:
        if user.pk is not None and forum.chair_id_for(side) == user.pk:
            return side
    return None


@transaction.atomic
def agree_minutes(meeting, *, user, seen):
    """A joint chair agrees the minutes for their side, as they saw them (``seen``)."""
    meeting = (
        Meeting.objects.select_for_update().select_related("forum__organisation").get(pk=meeting.pk)
    )
    side = chair_side(user, meeting.forum)
    if side is None:
        raise Refused("Only the joint chairs of the forum agree its minutes")
    if not meeting.minutes.strip():
        raise Refused("There are no minutes to agree yet")
    if meeting.agreements.filter(side=side, voided_at__isnull=True).exists():
        raise Refused(f"The minutes are already agreed for the {SIDE_NAMES[side]}")
    record = ledger.sign(
        MinutesAgreement,
        organisation=meeting.forum.organisation,
        signer=user,
        side=side,
        subject=minutes_subject(meeting),
        seen=seen,
        meeting=meeting,
        version=meeting.minutes_version,
    )
    if meeting.agreements.filter(voided_at__isnull=True).count() == len(Side.values):
        meeting.minutes_agreed_at = record.created_at
        meeting.save(update_fields=["minutes_agreed_at"])
    return record


@transaction.atomic
def save_action(forum, *, action=None, description, owner, due_date, raised_at=None, link=None):
    """Add an action, or change one's description, owner, due date or link."""
    side = next(
        (s for s in Side.values if forum.members.filter(user=owner, side=s).exists()), None
    ) or next((s for s in Side.values if _member_on_side(forum.organisation, owner, s)), None)
    if side is None:
        raise Refused(f"{owner} is not a member of this organisation")
    if raised_at is not None and raised_at.forum_id != forum.pk:
        raise Refused("That meeting is not one of this forum's")
    if action is None:
        action = ForumAction(forum=forum, raised_at=raised_at)
    action.description = description
    action.owner = owner
    action.owner_side = side
    action.due_date = due_date
    if link is not None:
        action.link_type, action.link_id = link
    action.save()
    return action


@transaction.atomic
def set_action_status(action, status):
    action = ForumAction.objects.select_for_update().get(pk=action.pk)
    if status not in ForumAction.Status.values:
        raise Refused("Choose one of the statuses listed")
    action.status = status
    if status in ForumAction.CLOSED:
        action.closed_at = action.closed_at or timezone.now()
    else:
        action.closed_at = None
    action.save()
    return action


def new_feed_token(forum) -> str:
    """A fresh secret for the calendar subscription link; any older link stops working."""
    token = secrets.token_urlsafe(32)
    Forum.objects.filter(pk=forum.pk).update(feed_token=token)
    forum.feed_token = token
    return token


def revoke_feed(forum) -> None:
    Forum.objects.filter(pk=forum.pk).update(feed_token="")
    forum.feed_token = ""


# --- Machinery health -------------------------------------------------------------------------


@dataclass(frozen=True)
class ForumHealth:
    forum: Forum
    planned: int
    held: int
    quorate: int
    minutes_agreed_in_time: int
    overdue_actions: int

    @staticmethod
    def _share(part, whole):
        return None if not whole else Decimal(part) / Decimal(whole)

    @property
    def quorate_share(self):
        return self._share(self.quorate, self.held)

    @property
    def minutes_agreed_share(self):
        return self._share(self.minutes_agreed_in_time, self.held)

    @property
    def held_against_planned(self):
        return f"{self.held} of {self.planned}"

    def as_dict(self):
        return {
            "forum": str(self.forum.pk),
            "name": self.forum.name,
            "planned": self.planned,
            "held": self.held,
            "quorate": self.quorate,
            "minutes_agreed_within_30_days": self.minutes_agreed_in_time,
            "overdue_actions": self.overdue_actions,
        }


def forum_health(forums, *, now=None) -> list[ForumHealth]:
    """Each forum's machinery over the last 12 months, in two queries however many forums:
    meetings held (attendance recorded) against planned, how many were quorate on both sides,
    how many had minutes agreed by both chairs within 30 days, and actions now overdue."""
    now = now or timezone.now()
    forums = list(forums)
    ids = [f.pk for f in forums]
    held = Q(
        starts_at__gt=now - HEALTH_WINDOW,
        starts_at__lte=now,
        attendance_recorded_at__isnull=False,
    )
    meetings = {
        row["forum_id"]: row
        for row in Meeting.objects.filter(held, forum_id__in=ids)
        .values("forum_id")
        .annotate(
            held=Count("pk"),
            quorate=Count(
                "pk",
                filter=Q(
                    management_present__gte=F("management_quorum"),
                    staff_side_present__gte=F("staff_side_quorum"),
                ),
            ),
            agreed=Count(
                "pk",
                filter=Q(minutes_agreed_at__lte=F("starts_at") + MINUTES_AGREED_WITHIN),
            ),
        )
        .order_by()
    }
    overdue = dict(
        ForumAction.objects.filter(
            forum_id__in=ids, closed_at__isnull=True, due_date__lt=timezone.localdate(now)
        )
        .values("forum_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("forum_id", "n")
    )
    result = []
    for forum in forums:
        row = meetings.get(forum.pk, {})
        result.append(
            ForumHealth(
                forum=forum,
                planned=forum.meetings_per_year,
                held=row.get("held", 0),
                quorate=row.get("quorate", 0),
                minutes_agreed_in_time=row.get("agreed", 0),
                overdue_actions=overdue.get(forum.pk, 0),
            )
        )
    return result


def health_by_organisation(organisation_ids, *, now=None) -> dict:
    """``{organisation id: [ForumHealth, ...]}``: for a network's roll-up, in three queries."""
    forums = Forum.objects.filter(organisation_id__in=list(organisation_ids)).order_by("name")
    result = {pk: [] for pk in organisation_ids}
    for health in forum_health(forums, now=now):
        result.setdefault(health.forum.organisation_id, []).append(health)
    return result
