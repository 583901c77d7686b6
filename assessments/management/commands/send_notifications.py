from django.core.management.base import BaseCommand

from assessments.notifications import send_due_notifications
from assessments.surveys.services import close_due_rounds, send_due_survey_emails


class Command(BaseCommand):
    help = (
        "Email waiting notifications (at most one message per person per assessment per day) "
        "and survey invitations and reminders (at most one per invitation per day); close "
        "surveys past their closing date."
    )

    def handle(self, *args, **options):
        closed = close_due_rounds()
        if closed:
            self.stdout.write(f"Closed {closed} survey{'s' if closed != 1 else ''}.")
        sent = send_due_notifications() + send_due_survey_emails()
        self.stdout.write(f"Sent {sent} email{'s' if sent != 1 else ''}.")
