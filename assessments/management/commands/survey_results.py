"""Print a closed survey round's results, suppressed exactly as on the results page.

manage.py survey_results --organisation Z9A --round ROUND_ID --format json
"""

import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments.surveys import exports
from assessments.surveys.models import SurveyRound
from assessments.surveys.results import RoundResults


class Command(BaseCommand):
    help = "Print a closed survey round's results as JSON or CSV (small groups suppressed)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's ODS code")
        parser.add_argument("--round", required=True, help="The survey round's id")
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args, organisation, round, format, **options):
        try:
            survey_round = SurveyRound.objects.select_related("organisation", "framework").get(
                pk=round, organisation__ods_code=organisation.strip().upper()
            )
        except (SurveyRound.DoesNotExist, ValidationError, ValueError) as error:
            raise CommandError(
                f"{organisation} has no survey round {round}: check the ODS code and the id"
            ) from error
        if not survey_round.is_closed:
            raise CommandError("The round is still open: results are given once it is closed")
        report = RoundResults(survey_round)
        if format == "csv":
            sys.stdout.flush()
            self.stdout.write(exports.results_csv(report).decode("utf-8-sig"), ending="")
        else:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
