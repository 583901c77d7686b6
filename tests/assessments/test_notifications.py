"""Notification emails: the subject is one clean line whatever the assessment's title holds."""

import pytest
from django.core import mail

from assessments.models import Notification
from assessments.notifications import notify_side
from partnership.models import Membership
from partnership.text import one_line
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "title", ["IWL\r\nBcc: everyone@evil.example", "IWL\n2026/27", "IWL\x0b\x1b[31m\u2028 2026"]
)
def test_a_line_break_in_the_title_still_sends_a_clean_subject(
    organisation, hr_lead, staff_rep, title, django_capture_on_commit_callbacks, run_tasks
):
    assessment = AssessmentFactory(organisation=organisation, title=title)

    with django_capture_on_commit_callbacks(execute=True):
        notify_side(assessment, Membership.Side.STAFF_SIDE, "A1 was submitted for your review")
    run_tasks()  # the email goes out from the task queue

    assert [m.to for m in mail.outbox] == [[staff_rep.email]]
    subject = mail.outbox[0].subject
    assert subject.startswith("IWL self-assessment: IWL ")
    assert subject.endswith(" needs your attention")
    assert not any(char in subject for char in "\r\n\x0b\x1b")
    assert mail.outbox[0].message()["Bcc"] is None
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One\r\nTwo", "One Two"),
        ("  One \n\n\t Two  ", "One Two"),
        ("A\x00B\x85C", "A B C"),
        ("Plain", "Plain"),
    ],
)
def test_one_line(text, expected):
    assert one_line(text) == expected
