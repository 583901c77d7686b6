from django.core.management.base import BaseCommand

from assessments.notifications import send_due_notifications
from assessments.tasks import send_notifications


class Command(BaseCommand):
    help = "Email waiting notifications: at most one message per person per assessment per day."

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
        sent = send_due_notifications()
        self.stdout.write(f"Sent {sent} email{'s' if sent != 1 else ''}.")
