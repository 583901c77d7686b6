import pytest

from partnership.facility_time.presenters import ReturnPresenter
from partnership.forums import services
from partnership.forums.demo import seed_machinery
from partnership.forums.models import Meeting
from partnership.signing import ledger

pytestmark = pytest.mark.django_db


def test_demo_jncc_year_and_signed_facility_time_return(organisation, hr_lead, staff_rep):
    seed_machinery(organisation, hr_lead, staff_rep)
    seed_machinery(organisation, hr_lead, staff_rep)  # a second run changes nothing
    (forum,) = organisation.forums.all()
    held = list(forum.meetings.filter(attendance_recorded_at__isnull=False))
    assert len(held) == 6
    inquorate = [m for m in held if not m.quorate]
    assert len(inquorate) == 1
    assert inquorate[0].quorate_management and not inquorate[0].quorate_staff_side
    awaiting = [m for m in held if m.minutes_agreed_at is None]
    assert len(awaiting) == 1
    assert awaiting[0].agreements.filter(voided_at__isnull=True).count() == 1
    upcoming = forum.meetings.get(attendance_recorded_at__isnull=True)
    carried = list(services.carried_actions(upcoming))
    assert len(carried) == 2
    (health,) = services.forum_health([forum])
    assert (health.held, health.planned, health.quorate, health.minutes_agreed_in_time) == (
        6,
        6,
        5,
        5,
    )
    assert health.overdue_actions == 1
    page = ReturnPresenter.build(organisation, "2025/26")
    assert page.signed_by_both
    assert page.report.problems() == []
    assert page.report.bands == {"0": 1, "1-50": 3, "51-99": 1, "100": 1}
    assert page.report.as_json()["total_cost"] == "59985.00"
    assert all(v.status == "verified" for _, v in page.signatures)
    assert ledger.verify_chain(organisation) == []
    assert Meeting.objects.filter(forum=forum).count() == 7
