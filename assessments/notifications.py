"""Email to the side that must act, batched: at most one message per person per assessment
per day. Later notifications that day wait for the next run of ``send_notifications``.

The emails are sent by a task queue worker (assessments.tasks.send_notifications), queued when
the change that asks for them is committed."""

import contextvars
import logging
from contextlib import contextmanager
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from partnership.models import Membership
from partnership.text import one_line

from .models import Notification
from .signing import receipt_text

logger = logging.getLogger(__name__)
EDITOR_ROLES = (Membership.Role.LEAD, Membership.Role.CONTRIBUTOR)


# Inside ``held()``: the notifications made so far, whose sending is queued once at its end.
_held: contextvars.ContextVar[list | None] = contextvars.ContextVar("held", default=None)


@contextmanager
def held():
    """Bulk work (seeding the demo) queues one run of the emails when it ends, instead of one
    per change that notifies: the run sends everything due anyway."""
    token = _held.set([])
    try:
        yield
    finally:
        made = _held.get()
        _held.reset(token)
        if made:
            _send_soon()


def _notify(assessment, memberships, message):
    recipients = {m.user_id for m in memberships}
    Notification.objects.bulk_create(
        Notification(recipient_id=user_id, assessment=assessment, message=message)
        for user_id in sorted(recipients, key=str)
    )
    pending = _held.get()
    if pending is not None:
        pending.append(assessment.pk)
    else:
        transaction.on_commit(_send_soon)


def _send_soon():
    """Hand the emails to the task queue, so no web request waits for the mail server."""
    from .tasks import send_notifications

    try:
        send_notifications.enqueue()
    except Exception:  # the queue being down must never undo the work just saved
        logger.exception("Could not queue the notification emails: the daily run sends them")


def notify_side(assessment, side, message):
    """Tell a side's leads and contributors that they have something to do."""
    memberships = assessment.organisation.memberships.filter(side=side, role__in=EDITOR_ROLES)
    _notify(assessment, memberships, message)


def notify_leads(assessment, side, message):
    memberships = assessment.organisation.memberships.filter(side=side, role=Membership.Role.LEAD)
    _notify(assessment, memberships, message)


def send_receipt(assessment, sequence, digest):
    """Email both sides' leads the ledger's head at sign-off, straight away (never batched):
    the receipt each keeps, so that a rewritten history would disagree with what they hold."""
    emails = sorted(
        set(
            assessment.organisation.memberships.filter(role=Membership.Role.LEAD).values_list(
                "user__email", flat=True
            )
        )
    )
    transaction.on_commit(lambda: _send_receipt(assessment, emails, sequence, digest))


def _send_receipt(assessment, emails, sequence, digest):
    url = f"{settings.SITE_URL}{reverse('assessments:assessment', args=[assessment.pk])}"
    body = (
        f"Both leads have signed off {assessment.organisation.name}'s {assessment.title}.\n\n"
        "Your receipt (keep this email):\n"
        f"{receipt_text(sequence, digest)}\n\n"
        "The service keeps every signature in a chain, one link after another. The receipt is "
        "the latest link when you signed off. The board report shows the same receipt: if it "
        "ever shows a different one for this sign-off, the record has been changed, so tell "
        "the other lead and your administrator.\n\n"
        f"Open the assessment: {url}\n"
    )
    for email in emails:
        try:
            send_mail(f"IWL self-assessment signed off: {assessment.title}", body, None, [email])
        except Exception:  # an unreachable mail server must never undo the sign-off
            logger.exception("Could not email the sign-off receipt to %s", email)


def send_due_notifications(now=None) -> int:
    """Send one email per person and assessment for their unsent notifications, unless they
    already had one about that assessment today. Returns the number of emails sent."""
    now = now or timezone.now()
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    emailed_today = set(
        Notification.objects.filter(emailed_at__gte=today_start).values_list(
            "recipient_id", "assessment_id"
        )
    )
    pending = (
        Notification.objects.filter(emailed_at__isnull=True)
        .select_related("recipient", "assessment__organisation")
        .order_by("recipient_id", "assessment_id", "created_at")
    )
    sent = 0
    for (recipient_id, assessment_id), group in groupby(
        pending, key=lambda n: (n.recipient_id, n.assessment_id)
    ):
        if (recipient_id, assessment_id) in emailed_today:
            continue
        items = list(group)
        _send(items)
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
        sent += 1
    return sent


def _send(items):
    first = items[0]
    assessment = first.assessment
    url = f"{settings.SITE_URL}{reverse('assessments:assessment', args=[assessment.pk])}"
    lines = "\n".join(f"- {n.message}" for n in items)
    body = (
        f"Hello {first.recipient.get_short_name()},\n\n"
        f"{assessment.organisation.name}'s {assessment.title} needs your attention:\n\n"
        f"{lines}\n\nOpen the assessment: {url}\n\n"
        "You get at most one of these emails a day for each assessment.\n"
    )
    try:
        send_mail(
            one_line(f"IWL self-assessment: {assessment.title} needs your attention"),
            body,
            None,
            [first.recipient.email],
        )
    except Exception:  # an unreachable mail server must never undo the work just saved
        logger.exception("Could not email %s about %s", first.recipient.email, assessment.pk)
