from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from assessments import notifications
from assessments.demo import DEMO_PASSWORD, seed_demo

QUIET_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = "Create the fictional demo trusts, people and assessments (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (never on a real service: the demo password is public).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it only runs with "
                "DEBUG on. Use --force if you really mean to run it here."
            )
        # The demo's sign-offs email their receipts to fictional leads; printed by the console
        # backend they would bury the sign-ins below. Its notifications are sent by one run of
        # the task queue, not one run per change.
        with override_settings(MAILERS=QUIET_MAILERS), notifications.held():
            sign_ins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in with:"))
        width = max(len(s.email) for s in sign_ins)
        for s in sign_ins:
            self.stdout.write(f"  {s.email.ljust(width)}  {s.organisation}, {s.description}")
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
