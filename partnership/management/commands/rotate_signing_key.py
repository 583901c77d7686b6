"""Rotate the signing key.

New signatures use the new key from the next process start (restart every web and task
worker after running this). The old public key stays in SIGNING_KEY_DIR/public/, so everything
signed before the rotation still verifies; never delete a public key while records signed with
it exist. The old private key is overwritten: keep an offline copy only if your policy says so.
"""

from django.core.management.base import BaseCommand

from partnership.signing import keys


class Command(BaseCommand):
    help = (
        "Replace the signing key with a new one, keeping the old public key for verification. "
        "Restart every web and task worker afterwards."
    )

    def handle(self, *args, **options):
        key_id, old = keys.rotate_key()
        if old:
            self.stdout.write(f"Rotated the signing key: {old} -> {key_id}")
            self.stdout.write(f"{old}'s public key stays in {keys.key_dir() / keys.PUBLIC_DIR}")
        else:
            self.stdout.write(f"Created signing key {key_id}")
        self.stdout.write("Restart every web and task worker so they sign with the new key.")
