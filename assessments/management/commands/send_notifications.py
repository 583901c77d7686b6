from django.core.management.base import BaseCommand

from assessments.notifications import send_due_notifications
from assessments.surveys.services import close_due_rounds, send_due_survey_emails
from assessments.tasks import send_notifications


class Command(BaseCommand):
    help = (
        "Email waiting notifications (at most one message per person per assessment per day) "
        "and survey invitations and reminders (at most one per invitation per day); close "
        "surveys past their closing date."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Hand the batch to the task queue's workers instead of sending it here",
        )

    def handle(self, *args, queue=False, **options):
        if queue:
            result = send_notifications.enqueue()
            self.stdout.write(f"Queued the notification emails (task {result.id}).")
            return
        closed = close_due_rounds()
        if closed:
            self.stdout.write(f"Closed {closed} survey{'s' if closed != 1 else ''}.")
        sent = send_due_notifications() + send_due_survey_emails()
        self.stdout.write(f"Sent {sent} email{'s' if sent != 1 else ''}.")
