"""Check an organisation's ledger: every entry's key signature, the chain, and every record."""

from django.core.management.base import BaseCommand, CommandError

from partnership.models import Organisation
from partnership.signing import ledger


class Command(BaseCommand):
    help = (
        "Verify an organisation's signatures and the chain of its ledger. Exits non-zero and "
        "names every break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's ODS code")

    def handle(self, *args, organisation, **options):
        try:
            org = Organisation.objects.get(ods_code=organisation.strip().upper())
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"No organisation with ODS code {organisation!r}") from exc
        breaks = ledger.verify_chain(org)
        sequence, digest = ledger.head(org)
        if breaks:
            for line in breaks:
                self.stderr.write(line)
            raise CommandError(
                f"The ledger of {org} has {len(breaks)} break{'s' if len(breaks) != 1 else ''}"
            )
        self.stdout.write(f"The ledger of {org} is intact: {sequence} entries, head {digest}")
