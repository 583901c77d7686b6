from django.core.management.base import BaseCommand, CommandError

from assessments.crosswalks.loader import CrosswalkError, load_crosswalk_files
from assessments.frameworks.loader import plural


class Command(BaseCommand):
    help = (
        "Load crosswalk YAML files (docs/framework-format.md, Crosswalks) after the frameworks "
        "they map. Every file is checked first; any error means nothing is loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Crosswalk YAML files.")

    def handle(self, *args, files, **options):
        try:
            results = load_crosswalk_files(files)
        except CrosswalkError as error:
            for message in error.errors:
                self.stderr.write(message)
            errors = plural(len(error.errors), "error")
            raise CommandError(f"{errors} in the crosswalk files: nothing was loaded.") from error
        for result in results:
            style = self.style.NOTICE if result.status == "unchanged" else self.style.SUCCESS
            self.stdout.write(style(result.message))
