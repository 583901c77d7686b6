import datetime

import pytest

from partnership.forums import services
from partnership.forums.models import ForumAction, MinutesAgreement, minutes_subject
from partnership.signing import ledger
from tests.factories import OrganisationFactory

from .machinery import MANAGEMENT, STAFF_SIDE, all_present, forum_with_members, meeting_of, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum(organisation, hr_lead, staff_rep):
    return forum_with_members(organisation, hr_lead, staff_rep)


def test_chairs_join_the_forum_on_their_side(forum, hr_lead, staff_rep):
    sides = {(m.user_id, m.side) for m in forum.members.all()}
    assert (hr_lead.pk, MANAGEMENT) in sides
    assert (staff_rep.pk, STAFF_SIDE) in sides
    assert forum.members.count() == 6


def test_a_chair_must_be_on_the_side_they_chair(organisation, hr_lead, staff_rep):
    with pytest.raises(services.Refused, match="not on that side"):
        services.save_forum(
            organisation,
            name="Learning forum",
            kind="learning",
            meetings_per_year=4,
            management_quorum=1,
            staff_side_quorum=1,
            management_chair=staff_rep,
            staff_side_chair=None,
        )


def test_one_person_cannot_chair_for_both_sides(organisation, hr_lead):
    with pytest.raises(services.Refused, match="two people"):
        services.save_forum(
            organisation,
            name="Learning forum",
            kind="learning",
            meetings_per_year=4,
            management_quorum=1,
            staff_side_quorum=1,
            management_chair=hr_lead,
            staff_side_chair=hr_lead,
        )


def test_members_must_be_on_that_side_of_the_organisation(forum, organisation, other_organisation):
    stranger = member(other_organisation, STAFF_SIDE)
    with pytest.raises(services.Refused, match="not on the staff side"):
        services.add_member(forum, user=stranger, side=STAFF_SIDE)
    manager = member(organisation, MANAGEMENT)
    with pytest.raises(services.Refused, match="not on the staff side"):
        services.add_member(forum, user=manager, side=STAFF_SIDE)


def test_quorum_is_computed_and_recorded_per_side(forum):
    meeting = meeting_of(forum)
    staff = list(forum.members.filter(side=STAFF_SIDE))
    meeting = services.record_attendance(
        meeting, all_present(meeting, **{str(staff[0].pk): "apologies", str(staff[1].pk): "absent"})
    )
    assert (meeting.management_present, meeting.staff_side_present) == (3, 1)
    assert meeting.quorate_management and not meeting.quorate_staff_side
    assert not meeting.quorate
    # A later change of the constitution does not rewrite what was recorded.
    forum.staff_side_quorum = 1
    forum.save()
    meeting.refresh_from_db()
    assert not meeting.quorate_staff_side
    assert meeting.attendance.count() == 6


def test_attendance_must_cover_every_member_and_no_one_else(forum):
    meeting = meeting_of(forum)
    statuses = all_present(meeting)
    statuses.popitem()
    with pytest.raises(services.Refused, match="every member"):
        services.record_attendance(meeting, statuses)
    with pytest.raises(services.Refused, match="not a member"):
        services.record_attendance(meeting, {**all_present(meeting), "nobody": "present"})
    with pytest.raises(services.Refused, match="present, apologies or absent"):
        first = next(iter(all_present(meeting)))
        services.record_attendance(meeting, all_present(meeting, **{first: "maybe"}))
    meeting.refresh_from_db()
    assert not meeting.attendance_recorded
    assert meeting.attendance.count() == 0


def _draft(meeting, user, text="Minutes of the meeting"):
    return services.save_minutes(
        meeting, text=text, user=user, side=STAFF_SIDE, version=meeting.minutes_version
    )


def test_minutes_are_agreed_by_both_joint_chairs(forum, hr_lead, staff_rep):
    meeting = _draft(meeting_of(forum), staff_rep)
    seen = ledger.digest_of(minutes_subject(meeting))
    services.agree_minutes(meeting, user=hr_lead, seen=seen)
    meeting.refresh_from_db()
    assert meeting.minutes_agreed_at is None
    record = services.agree_minutes(meeting, user=staff_rep, seen=seen)
    meeting.refresh_from_db()
    assert meeting.minutes_agreed_at == record.created_at
    assert {a.side for a in meeting.agreements.all()} == {MANAGEMENT, STAFF_SIDE}
    assert ledger.verify(record).status == "verified"


def test_only_joint_chairs_agree_and_only_once(forum, hr_lead, organisation):
    meeting = meeting_of(forum)
    with pytest.raises(services.Refused, match="no minutes"):
        services.agree_minutes(meeting, user=hr_lead, seen=None)
    meeting = _draft(meeting, hr_lead)
    other = forum.members.filter(side=MANAGEMENT).exclude(user=hr_lead).first().user
    with pytest.raises(services.Refused, match="Only the joint chairs"):
        services.agree_minutes(meeting, user=other, seen=None)
    services.agree_minutes(meeting, user=hr_lead, seen=None)
    with pytest.raises(services.Refused, match="already agreed"):
        services.agree_minutes(meeting, user=hr_lead, seen=None)


def test_agreeing_what_changed_since_it_was_shown_signs_nothing(forum, hr_lead, staff_rep):
    meeting = _draft(meeting_of(forum), staff_rep)
    seen = ledger.digest_of(minutes_subject(meeting))
    meeting = _draft(meeting, staff_rep, "Changed minutes")
    with pytest.raises(ledger.ContentChanged):
        services.agree_minutes(meeting, user=hr_lead, seen=seen)
    assert MinutesAgreement.objects.count() == 0


def test_an_edit_or_a_new_decision_voids_the_agreement(forum, hr_lead, staff_rep):
    meeting = _draft(meeting_of(forum), staff_rep)
    services.agree_minutes(meeting, user=hr_lead, seen=None)
    services.agree_minutes(meeting, user=staff_rep, seen=None)
    meeting = _draft(meeting, staff_rep, "Corrected minutes")
    assert meeting.minutes_agreed_at is None
    assert meeting.agreements.filter(voided_at__isnull=True).count() == 0
    assert {a.void_reason for a in meeting.agreements.all()} == {"The minutes were changed"}
    services.agree_minutes(meeting, user=hr_lead, seen=None)
    services.add_decision(meeting, text="Adopt the new rota policy", user=staff_rep)
    assert meeting.agreements.filter(voided_at__isnull=True).count() == 0
    assert ledger.verify_chain(forum.organisation) == []


def test_a_stale_minutes_edit_is_refused(forum, staff_rep, hr_lead):
    meeting = meeting_of(forum)
    opened = meeting.minutes_version
    _draft(meeting, staff_rep, "First")
    with pytest.raises(services.Refused, match="changed the minutes"):
        services.save_minutes(meeting, text="Second", user=hr_lead, side=MANAGEMENT, version=opened)


def test_open_actions_are_carried_until_closed(forum, hr_lead):
    first = meeting_of(forum, days_ago=60)
    second = meeting_of(forum, days_ago=30)
    third = meeting_of(forum, days_ago=-7)  # the next meeting
    action = services.save_action(
        forum,
        description="Review the rota policy",
        owner=hr_lead,
        due_date=datetime.date.today(),
        raised_at=first,
    )
    ForumAction.objects.filter(pk=action.pk).update(
        created_at=first.starts_at + datetime.timedelta(hours=1)
    )
    assert list(services.carried_actions(first)) == []
    assert list(services.carried_actions(second)) == [action]
    services.set_action_status(action, ForumAction.Status.DONE)
    action.refresh_from_db()
    assert action.closed_at is not None
    assert list(services.carried_actions(second)) == [action]  # it was open then
    assert list(services.carried_actions(third)) == []
    services.set_action_status(action, ForumAction.Status.IN_PROGRESS)
    action.refresh_from_db()
    assert action.closed_at is None
    assert list(services.carried_actions(third)) == [action]


def test_action_owner_must_belong_to_the_organisation(forum, outsider):
    with pytest.raises(services.Refused, match="not a member"):
        services.save_action(forum, description="x", owner=outsider, due_date=datetime.date.today())


def test_health_over_twelve_months(forum, hr_lead, staff_rep, django_assert_num_queries):
    staff = list(forum.members.filter(side=STAFF_SIDE).exclude(user=staff_rep))
    quorate = meeting_of(forum, days_ago=100)
    services.record_attendance(quorate, all_present(quorate))
    _draft(quorate, staff_rep)
    services.agree_minutes(quorate, user=hr_lead, seen=None)
    services.agree_minutes(quorate, user=staff_rep, seen=None)
    inquorate = meeting_of(forum, days_ago=50)
    services.record_attendance(
        inquorate,
        all_present(inquorate, **{str(staff[0].pk): "absent", str(staff[1].pk): "absent"}),
    )
    meeting_of(forum, days_ago=400)  # outside the window
    meeting_of(forum, days_ago=-10)  # not held yet
    services.save_action(
        forum, description="Late", owner=hr_lead, due_date=datetime.date(2020, 1, 1)
    )
    # Minutes agreed late do not count: the quorate meeting's were agreed "now", 100 days on.
    with django_assert_num_queries(2):
        (health,) = services.forum_health([forum])
    assert (health.planned, health.held, health.quorate) == (6, 2, 1)
    assert health.minutes_agreed_in_time == 0
    assert health.overdue_actions == 1
    assert str(health.quorate_share) == "0.5"
    from partnership.forums.models import Meeting

    Meeting.objects.filter(pk=quorate.pk).update(
        minutes_agreed_at=quorate.starts_at + datetime.timedelta(days=30)
    )
    (health,) = services.forum_health([forum])
    assert health.minutes_agreed_in_time == 1


def test_health_roll_up_queries_stay_flat(forum, organisation, django_assert_num_queries):
    others = []
    for _ in range(3):
        other = OrganisationFactory()
        chair_m, chair_s = member(other, MANAGEMENT), member(other, STAFF_SIDE)
        forum_with_members(other, chair_m, chair_s, extra=0)
        others.append(other.pk)
    with django_assert_num_queries(3):
        result = services.health_by_organisation([organisation.pk, *others])
    assert [len(v) for v in result.values()] == [1, 1, 1, 1]
