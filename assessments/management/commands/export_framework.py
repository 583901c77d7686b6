from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.frameworks import export_framework
from assessments.models import Framework


class Command(BaseCommand):
    help = "Write a loaded framework version as YAML that load_framework reads back unchanged."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("version")
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args, slug, version, output, **options):
        framework = Framework.objects.filter(slug=slug, version=version).first()
        if framework is None:
            versions = list(
                Framework.objects.filter(slug=slug)
                .order_by("version")
                .values_list("version", flat=True)
            )
            loaded = (
                f"loaded versions of {slug}: {', '.join(versions)}"
                if versions
                else f"no version of {slug} is loaded"
            )
            raise CommandError(f"No framework {slug} version {version} is loaded ({loaded}).")
        text = export_framework(framework)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {slug} version {version} to {output}")
        else:
            self.stdout.write(text, ending="")
