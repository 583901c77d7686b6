from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnership.facility_time.services import ImportRefused, import_time_records
from partnership.models import Organisation


class Command(BaseCommand):
    help = (
        "Replace a period's facility time records with a CSV file from an HR system, all or "
        "nothing. Header: name,union,rep_type,fte,working_hours,duties_hours,"
        "paid_activities_hours,unpaid_activities_hours,hourly_cost (partnership_hours optional)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's ODS code")
        parser.add_argument("--period", required=True, help="The relevant period, like 2025/26")
        parser.add_argument("file", help="The CSV file")

    def handle(self, *args, organisation, period, file, **options):
        org = find_organisation(organisation)
        try:
            text = Path(file).read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text: save it as CSV UTF-8") from None
        try:
            count = import_time_records(org, period, text)
        except ImportRefused as refusal:
            raise CommandError(
                "The file was not imported; nothing was changed:\n" + "\n".join(refusal.errors)
            ) from None
        self.stdout.write(f"Imported {count} representatives' time for {org.name}, {period}")


def find_organisation(ods_code):
    try:
        return Organisation.objects.get(ods_code=ods_code.strip().upper())
    except Organisation.DoesNotExist:
        raise CommandError(f"No organisation has the ODS code {ods_code}") from None
