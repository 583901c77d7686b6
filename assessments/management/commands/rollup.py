"""Print a network's coverage or gap map, with the same figures and suppression as its pages.

python manage.py rollup --network SLUG --framework SLUG --period 2025/26 --kind gaps --format json
"""

import json

from django.core.management.base import BaseCommand, CommandError

from partnership.models import Network

from ...models import validate_period
from ...reports.exports import rows_csv
from ...rollup import presenters, queries


def coverage_json(report: queries.CoverageReport) -> list[dict]:
    return [
        {
            "organisation": row.organisation.name,
            "ods_code": row.organisation.ods_code,
            "membership": "invited" if row.invited else "joined",
            "status": None if row.invited else row.status,
            "overdue": row.overdue,
            "stage": row.stage,
            "management_percent": presenters.number(row.management_percent),
            "staff_percent": presenters.number(row.staff_percent),
            "agreed_percent": presenters.number(row.agreed_percent),
        }
        for row in report.rows
    ]


def gaps_json(gaps: queries.GapMap) -> list[dict]:
    return [
        {
            "criterion": row.ref,
            **({"mapped_from": row.mapped_from} if gaps.mapped else {}),
            "standard": row.standard,
            "statement": row.statement,
            "assessed": row.assessed.as_json(),
            "below_met": row.below_met.as_json(),
            "divergent": row.divergent.as_json(),
            "levels": {label: cell.as_json() for label, cell in row.levels},
            "barriers": {label: cell.as_json() for label, cell in row.barriers},
            "reasons": [
                {"organisation": r.organisation, "barrier": r.barrier, "text": r.text}
                for r in row.reasons
            ],
        }
        for row in gaps.rows
    ]


class Command(BaseCommand):
    help = "A network's coverage or gap map as JSON or CSV, with disclosure control applied."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="The network's slug")
        parser.add_argument("--framework", required=True, help="The framework's slug")
        parser.add_argument("--period", required=True, help="A financial year, like 2025/26")
        parser.add_argument("--kind", choices=("coverage", "gaps"), default="gaps")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument(
            "--in-terms-of",
            default="",
            metavar="SLUG",
            help="Show the gap map as another framework's criteria, through equivalent pairs",
        )

    def handle(self, *args, network, framework, period, kind, format, in_terms_of, **options):
        found = Network.objects.filter(slug=network).first()
        if found is None:
            raise CommandError(f"There is no network with the slug {network!r}")
        if queries.latest_framework(framework) is None:
            raise CommandError(f"There is no framework with the slug {framework!r}")
        if in_terms_of and queries.latest_framework(in_terms_of) is None:
            raise CommandError(f"There is no framework with the slug {in_terms_of!r}")
        if in_terms_of and kind != "gaps":
            raise CommandError("--in-terms-of applies to the gap map only (--kind gaps)")
        try:
            validate_period(period)
        except Exception as error:
            raise CommandError("Enter the period as a financial year, like 2025/26") from error
        if kind == "coverage":
            report = queries.coverage(found, framework, period)
            rows, data = presenters.coverage_rows(report), coverage_json(report)
        else:
            gaps = queries.gap_map(found, framework, period, in_terms_of=in_terms_of)
            rows, data = presenters.gap_rows(gaps), gaps_json(gaps)
        if format == "json":
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(rows_csv(rows).decode("utf-8-sig"), ending="")
