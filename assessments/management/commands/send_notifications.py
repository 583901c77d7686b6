from django.core.management.base import BaseCommand

from assessments.notifications import send_due_notifications


class Command(BaseCommand):
    help = "Email waiting notifications: at most one message per person per assessment per day."

    def handle(self, *args, **options):
        sent = send_due_notifications()
        self.stdout.write(f"Sent {sent} email{'s' if sent != 1 else ''}.")
