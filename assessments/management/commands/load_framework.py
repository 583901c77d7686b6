from django.core.management.base import BaseCommand, CommandError

from assessments.frameworks import FrameworkError, load_framework_files
from assessments.frameworks.loader import plural


class Command(BaseCommand):
    help = (
        "Load framework YAML files (docs/framework-format.md). Every file is checked first; "
        "any error means nothing is loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Framework YAML files.")

    def handle(self, *args, files, **options):
        try:
            results = load_framework_files(files)
        except FrameworkError as error:
            for message in error.errors:
                self.stderr.write(message)
            errors = plural(len(error.errors), "error")
            raise CommandError(f"{errors} in the framework files: nothing was loaded.") from error
        for result in results:
            style = self.style.SUCCESS if result.created else self.style.NOTICE
            self.stdout.write(style(result.message))
