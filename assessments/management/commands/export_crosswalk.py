from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.crosswalks.export import export_crosswalk
from assessments.models import Crosswalk


class Command(BaseCommand):
    help = "Write a loaded crosswalk as YAML that load_crosswalk reads back unchanged."

    def add_arguments(self, parser):
        parser.add_argument("from_slug", metavar="FROM_SLUG")
        parser.add_argument("from_version", metavar="FROM_VERSION")
        parser.add_argument("to_slug", metavar="TO_SLUG")
        parser.add_argument("to_version", metavar="TO_VERSION")
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args, from_slug, from_version, to_slug, to_version, output, **options):
        crosswalk = (
            Crosswalk.objects.select_related("from_framework", "to_framework")
            .filter(
                from_framework__slug=from_slug,
                from_framework__version=from_version,
                to_framework__slug=to_slug,
                to_framework__version=to_version,
            )
            .first()
        )
        name = f"{from_slug} {from_version} to {to_slug} {to_version}"
        if crosswalk is None:
            raise CommandError(f"No crosswalk {name} is loaded.")
        text = export_crosswalk(crosswalk)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote the crosswalk {name} to {output}")
        else:
            self.stdout.write(text, ending="")
