"""Demo data for the partnership machinery: Northshire's JNCC over the last year (one meeting
inquorate on the staff side, the latest minutes awaiting the staff-side chair, actions carried
forward) and its 2025/26 facility time return, signed by both leads. Safe to run again: it does
nothing once the organisation has a forum."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..facility_time import services as facility_time
from ..facility_time.models import EmployerInputs, Representative, RepresentativeCost, TimeRecord
from ..models import Membership, User
from . import links, services
from .models import ForumAction, Meeting

Side = Membership.Side
MEMBERS = {
    Side.MANAGEMENT: [
        ("jncc.director.ops", "Priya Shah"),
        ("jncc.finance", "Martin Cole"),
        ("jncc.nursing", "Ruth Adeyemi"),
    ],
    Side.STAFF_SIDE: [
        ("jncc.unison", "Dan Murphy"),
        ("jncc.rcn", "Aisha Khan"),
        ("jncc.unite", "Lee Grant"),
    ],
}
# Days before today of each meeting of the last year, and the agenda of each.
MEETINGS = [
    (330, ["Terms of reference review", "Workforce report", "Staff survey results"]),
    (270, ["Flexible working policy", "Workforce report"]),
    (210, ["Sickness absence policy", "Facility time agreement"]),
    (150, ["Car parking charges", "Workforce report"]),
    (90, ["IWL self-assessment 2025/26", "Rota policy"]),
    (20, ["Annual leave policy", "Workforce report", "Joint action plan progress"]),
]
INQUORATE = 150  # the staff side could not make the quorum at this one
AWAITING = 20  # these minutes wait for the staff-side chair
OFFICIALS = [
    # name, union, type, FTE, working hours, duties, paid activities, unpaid activities
    ("Sam Patel", "UNISON", "tu_rep", "1", "1500", "1200", "300", "0"),
    ("Dan Murphy", "UNISON", "tu_rep", "1", "1500", "100", "50", "0"),
    ("Aisha Khan", "RCN", "tu_rep", "0.8", "1200", "90", "30", "20"),
    ("Lee Grant", "Unite", "safety_rep", "1", "1500", "120", "0", "0"),
    ("Jo Bell", "UNISON", "ulr", "0.6", "900", "0", "0", "0"),
    ("Kate Osei", "GMB", "tu_rep", "1", "1500", "800", "100", "0"),
]


def _member(organisation, side, local_part, full_name):
    email = f"{local_part}@{organisation.ods_code.lower()}.example"
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(
        user=user,
        organisation=organisation,
        side=side,
        defaults={"role": Membership.Role.CONTRIBUTOR},
    )
    return user


@transaction.atomic
def seed_machinery(organisation, hr_lead, staff_rep, *, today=None):
    if organisation.forums.exists():
        return
    now = timezone.now()
    today = today or timezone.localdate()
    forum = services.save_forum(
        organisation,
        name="Joint negotiating and consultative committee",
        kind="jncc",
        meetings_per_year=6,
        management_quorum=3,
        staff_side_quorum=3,
        management_chair=hr_lead,
        staff_side_chair=staff_rep,
    )
    people = {side: [] for side in Side.values}
    for side, members in MEMBERS.items():
        for local_part, full_name in members:
            user = _member(organisation, side, local_part, full_name)
            services.add_member(forum, user=user, side=side)
            people[side].append(user)
    services.new_feed_token(forum)
    assessment_link = next(
        (value for value, label in links.choices_for(organisation) if "assessment:" in value),
        "",
    )
    meetings = {}
    for days_ago, agenda in MEETINGS:
        starts = (now - datetime.timedelta(days=days_ago)).replace(
            hour=14, minute=0, second=0, microsecond=0
        )
        meeting = services.schedule_meeting(forum, starts_at=starts, place="Board room, Trust HQ")
        for n, title in enumerate(agenda):
            link = (None, "")
            if title.startswith("IWL self-assessment") and assessment_link:
                link = links.resolve(organisation, assessment_link)
            services.add_agenda_item(
                meeting,
                title=title,
                lead_side=Side.MANAGEMENT if n % 2 == 0 else Side.STAFF_SIDE,
                link=link,
            )
        absent = {}
        if days_ago == INQUORATE:
            staff_members = forum.members.filter(side=Side.STAFF_SIDE).exclude(user=staff_rep)
            for member, status in zip(staff_members, ("apologies", "absent"), strict=False):
                absent[str(member.pk)] = status
        statuses = {str(m.pk): "present" for m in forum.members.all()}
        statuses.update(absent)
        services.record_attendance(meeting, statuses)
        meetings[days_ago] = meeting
    # The next meeting, planned.
    services.schedule_meeting(
        forum,
        starts_at=(now + datetime.timedelta(days=40)).replace(hour=14, minute=0, second=0),
        place="Board room, Trust HQ",
    )
    _seed_minutes_and_actions(forum, meetings, hr_lead, staff_rep, people, today)
    _seed_facility_time(organisation, hr_lead, staff_rep)


def _seed_minutes_and_actions(forum, meetings, hr_lead, staff_rep, people, today):
    for days_ago, meeting in meetings.items():
        quorate = days_ago != INQUORATE
        text = (
            f"Present: see attendance. The meeting discussed {meeting.agenda_items.first()}."
            if quorate
            else "The staff side was not quorate: items were discussed but no decisions taken; "
            "the meeting is to be reconvened."
        )
        meeting = services.save_minutes(
            meeting, text=text, user=hr_lead, side=Side.MANAGEMENT, version=0
        )
        if quorate:
            services.add_decision(
                meeting,
                text=f"Agreed: {meeting.agenda_items.first()} goes forward as discussed.",
                user=staff_rep,
            )
        services.agree_minutes(meeting, user=hr_lead, seen=None)
        if days_ago != AWAITING:
            services.agree_minutes(meeting, user=staff_rep, seen=None)
            # The ledger holds when the demo signed; the demo's story has the chairs agree each
            # set of minutes two weeks after the meeting.
            Meeting.objects.filter(pk=meeting.pk).update(
                minutes_agreed_at=meeting.starts_at + datetime.timedelta(days=14)
            )
    actions = [
        (
            270,
            "Publish the flexible working policy on the intranet",
            people[Side.MANAGEMENT][0],
            240,
            True,
        ),
        (
            150,
            "Reconvene the car parking discussion with a quorate staff side",
            staff_rep,
            120,
            False,
        ),
        (
            90,
            "Share the self-assessment gaps with each staff-side branch",
            people[Side.STAFF_SIDE][0],
            -30,
            False,
        ),
    ]
    for raised_days_ago, description, owner, due_days_ago, done in actions:
        meeting = meetings[raised_days_ago]
        action = services.save_action(
            forum,
            description=description,
            owner=owner,
            due_date=today - datetime.timedelta(days=due_days_ago),
            raised_at=meeting,
        )
        ForumAction.objects.filter(pk=action.pk).update(
            created_at=meeting.starts_at + datetime.timedelta(hours=3)
        )
        if done:
            services.set_action_status(action, ForumAction.Status.DONE)
            ForumAction.objects.filter(pk=action.pk).update(
                closed_at=meeting.starts_at + datetime.timedelta(days=30)
            )


def _seed_facility_time(organisation, hr_lead, staff_rep, period="2025/26"):
    for name, union, rep_type, fte, working, duties, paid, unpaid in OFFICIALS:
        rep, _ = Representative.objects.get_or_create(
            organisation=organisation,
            name=name,
            defaults={"union": union, "rep_type": rep_type},
        )
        if name == staff_rep.get_full_name():
            Representative.objects.filter(pk=rep.pk).update(user=staff_rep)
        TimeRecord.objects.create(
            representative=rep,
            period=period,
            fte=Decimal(fte),
            working_hours=Decimal(working),
            duties_hours=Decimal(duties),
            paid_activities_hours=Decimal(paid),
            unpaid_activities_hours=Decimal(unpaid),
            entered_by=staff_rep,
        )
        RepresentativeCost.objects.create(
            representative=rep, period=period, hourly_cost=Decimal("21.50"), entered_by=hr_lead
        )
    EmployerInputs.objects.create(
        organisation=organisation,
        period=period,
        pay_bill=Decimal("95000000.00"),
        fte_employees=Decimal("2400.00"),
        entered_by=hr_lead,
    )
    for user, side in ((hr_lead, Side.MANAGEMENT), (staff_rep, Side.STAFF_SIDE)):
        facility_time.sign_return(organisation, period=period, user=user, side=side, seen=None)
