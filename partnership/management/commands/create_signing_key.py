"""Create the signing key once (``make run`` calls this); an existing key is left alone."""

from django.core.management.base import BaseCommand

from partnership.signing import keys


class Command(BaseCommand):
    help = "Create the Ed25519 signing key in SIGNING_KEY_DIR if there is none yet."

    def handle(self, *args, **options):
        key_id, created = keys.create_key()
        where = keys.key_dir()
        if created:
            self.stdout.write(f"Created signing key {key_id} in {where}")
        else:
            self.stdout.write(f"Signing key {key_id} already in {where}")
