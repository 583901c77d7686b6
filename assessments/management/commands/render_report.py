"""Write a report's PDF to a file, for batch board packs.

    manage.py render_report --organisation Z9A --framework iwl-standard-2000 \
        --period 2025/26 --kind board --output Z9A-2025-26-board-report.pdf

``--kind`` is ``scored``, ``board`` or ``actions`` (the joint action plan), the keys of
``assessments.reports.pdf.RENDERERS``.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments.models import Assessment, Framework, validate_period
from assessments.reports.pdf import RENDERERS
from partnership.models import Organisation


class Command(BaseCommand):
    help = (
        "Render an assessment's scored report, board report or joint action plan (--kind "
        "actions) as a PDF file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's ODS code")
        parser.add_argument("--framework", required=True, help="The framework's slug")
        parser.add_argument("--period", required=True, help="The period, such as 2025/26")
        parser.add_argument("--kind", required=True, choices=sorted(RENDERERS))
        parser.add_argument("--output", required=True, help="The PDF file to write")

    def handle(self, *args, organisation, framework, period, kind, output, **options):
        assessment = self.find_assessment(organisation, framework, period)
        content = RENDERERS[kind](assessment)
        path = Path(output)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Could not write {path}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"Wrote the {kind} report of {assessment.organisation.name} "
            f"({assessment.framework.slug} version {assessment.framework.version}, "
            f"{assessment.period}) to {path} ({len(content):,} bytes)"
        )

    def find_assessment(self, ods_code, slug, period) -> Assessment:
        ods_code = ods_code.strip().upper()
        org = Organisation.objects.filter(ods_code=ods_code).first()
        if org is None:
            raise CommandError(f"No organisation has the ODS code {ods_code}")
        if not Framework.objects.filter(slug=slug).exists():
            known = ", ".join(sorted(set(Framework.objects.values_list("slug", flat=True))))
            raise CommandError(f"No framework has the slug {slug} (known: {known or 'none'})")
        try:
            validate_period(period)
        except ValidationError as exc:
            raise CommandError(f"{period!r} is not a period: {exc.messages[0]}") from exc
        candidates = list(
            Assessment.objects.filter(organisation=org, framework__slug=slug, period=period)
            .select_related("framework", "organisation")
            .order_by("-framework__publication_date", "-framework__created_at")
        )
        if not candidates:
            periods = sorted(
                set(
                    Assessment.objects.filter(organisation=org, framework__slug=slug).values_list(
                        "period", flat=True
                    )
                )
            )
            listed = ", ".join(periods) if periods else "none"
            raise CommandError(
                f"{org.name} ({ods_code}) has no {slug} assessment for {period} "
                f"(periods on record: {listed})"
            )
        chosen = candidates[0]
        if len(candidates) > 1:
            versions = ", ".join(c.framework.version for c in candidates)
            self.stderr.write(
                f"{org.name} has {len(candidates)} {slug} assessments for {period} "
                f"(versions {versions}): using the newest version, {chosen.framework.version}"
            )
        return chosen
