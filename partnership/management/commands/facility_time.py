import json
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partnership.facility_time.models import EmployerInputs, validate_period
from partnership.facility_time.returns import build_return
from partnership.facility_time.services import Refused, save_employer_inputs

from .import_facility_time import find_organisation


class Command(BaseCommand):
    help = (
        "Print a period's facility time return (the four tables of the 2017 Regulations), "
        "setting the pay bill first when --pay-bill is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's ODS code")
        parser.add_argument("--period", required=True, help="The relevant period, like 2025/26")
        parser.add_argument("--pay-bill", help="The total pay bill in pounds (not thousands)")
        parser.add_argument(
            "--confirm-pay-bill",
            action="store_true",
            help="Accept a pay bill that makes facility time more than 5%% of it",
        )
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, organisation, period, pay_bill, confirm_pay_bill, **options):
        org = find_organisation(organisation)
        try:
            validate_period(period)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        if pay_bill is not None:
            try:
                amount = Decimal(pay_bill.replace(",", "").lstrip("£"))
                if not amount.is_finite() or amount.as_tuple().exponent < -2:
                    raise InvalidOperation
            except InvalidOperation:
                raise CommandError(
                    f"--pay-bill {pay_bill!r} is not an amount in pounds, like 95000000 or "
                    "95000000.00"
                ) from None
            if amount >= Decimal(10**14):
                raise CommandError("--pay-bill is too large")
            inputs = EmployerInputs.objects.filter(organisation=org, period=period).first()
            try:
                save_employer_inputs(
                    org,
                    period=period,
                    pay_bill=amount,
                    fte_employees=inputs.fte_employees if inputs else None,
                    confirmed=confirm_pay_bill,
                    user=None,
                )
            except Refused as refusal:
                raise CommandError(f"{refusal} (use --confirm-pay-bill if it is right)") from None
        report = build_return(org, period)
        if not report.officials:
            raise CommandError(f"{org.name} has no facility time records for {period}")
        self.stdout.write(json.dumps(report.as_json(), indent=2))
