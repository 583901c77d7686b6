"""Builders for forum and facility time tests."""

import datetime
from decimal import Decimal

from django.utils import timezone

from partnership.facility_time.models import Representative, RepresentativeCost, TimeRecord
from partnership.forums import services
from partnership.models import Membership
from tests.factories import MembershipFactory, UserFactory

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE


def member(organisation, side, role=Membership.Role.CONTRIBUTOR, email=None):
    user = UserFactory(**({"email": email} if email else {}))
    MembershipFactory(user=user, organisation=organisation, side=side, role=role)
    return user


def forum_with_members(organisation, management_chair, staff_side_chair, *, extra=2, quorum=2):
    """A JNCC chaired by the two given people, with ``extra`` more members on each side."""
    forum = services.save_forum(
        organisation,
        name="Joint negotiating and consultative committee",
        kind="jncc",
        meetings_per_year=6,
        management_quorum=quorum,
        staff_side_quorum=quorum,
        management_chair=management_chair,
        staff_side_chair=staff_side_chair,
    )
    for side in (MANAGEMENT, STAFF_SIDE):
        for _ in range(extra):
            services.add_member(forum, user=member(organisation, side), side=side)
    return forum


def meeting_of(forum, *, days_ago=10, place="Board room"):
    return services.schedule_meeting(
        forum, starts_at=timezone.now() - datetime.timedelta(days=days_ago), place=place
    )


def all_present(meeting, **overrides):
    """Attendance with everybody present except ``{member id: status}`` overrides."""
    statuses = {str(m.pk): "present" for m in meeting.forum.members.all()}
    statuses.update({str(k): v for k, v in overrides.items()})
    return statuses


def official(
    organisation,
    name,
    *,
    period="2025/26",
    fte="1",
    working_hours="1500",
    duties="0",
    paid="0",
    unpaid="0",
    partnership="0",
    hourly_cost="20",
    rep_type=Representative.Type.TU_REP,
):
    rep = Representative.objects.create(
        organisation=organisation, name=name, rep_type=rep_type, union="UNISON"
    )
    TimeRecord.objects.create(
        representative=rep,
        period=period,
        fte=Decimal(fte),
        working_hours=Decimal(working_hours),
        duties_hours=Decimal(duties),
        paid_activities_hours=Decimal(paid),
        unpaid_activities_hours=Decimal(unpaid),
        partnership_hours=Decimal(partnership),
    )
    if hourly_cost is not None:
        RepresentativeCost.objects.create(
            representative=rep, period=period, hourly_cost=Decimal(hourly_cost)
        )
    return rep
