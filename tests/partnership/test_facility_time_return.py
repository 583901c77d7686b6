"""The four tables against hand-worked examples, every band boundary, and each validation."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership.facility_time import services
from partnership.facility_time.models import EmployerInputs, Representative, TimeRecord
from partnership.facility_time.returns import band_of, build_return, decimal_string

from .machinery import official

pytestmark = pytest.mark.django_db
PERIOD = "2025/26"


def _pay_bill(organisation, amount, confirmed=False):
    EmployerInputs.objects.update_or_create(
        organisation=organisation,
        period=PERIOD,
        defaults={"pay_bill": Decimal(amount), "pay_bill_confirmed": confirmed},
    )


@pytest.fixture
def worked_example(organisation):
    """Six officials of 1,500 working hours: 0, three on 150, 900 and 1,500 facility hours;
    285 of the paid hours on paid union activities, £20 an hour, a £95,000,000 pay bill."""
    official(organisation, "Ann", duties="0")
    official(organisation, "Bea", duties="150", fte="0.5")
    official(organisation, "Cal", duties="65", paid="85", fte="0.8")
    official(organisation, "Dee", duties="150")
    official(organisation, "Eve", duties="700", paid="200")
    official(organisation, "Fay", duties="1500")
    _pay_bill(organisation, "95000000")
    return build_return(organisation, PERIOD)


def test_the_worked_example(worked_example, django_assert_num_queries, organisation):
    report = worked_example
    # Table 1
    assert report.headcount == 6
    assert report.officials_fte == Decimal("5.3")
    # Table 2
    assert report.bands == {"0": 1, "1-50": 3, "51-99": 1, "100": 1}
    # Table 3: 2,850 paid hours at £20 is £57,000, 0.06% of £95m.
    assert report.paid_facility_time_hours == Decimal(2850)
    assert report.total_cost == Decimal(57000)
    assert report.percent_of_pay_bill == Decimal("0.06")
    # Table 4: 285 of 2,850.
    assert report.paid_activities_hours == Decimal(285)
    assert report.percent_paid_activities == Decimal(10)
    assert report.problems() == []
    assert report.as_json() == {
        "officials": 6,
        "officials_fte": "5.3000",
        "bands": {"0": 1, "1-50": 3, "51-99": 1, "100": 1},
        "total_cost": "57000.00",
        "pay_bill": "95000000.00",
        "percent_of_pay_bill": "0.0600",
        "paid_facility_time_hours": "2850.00",
        "paid_activities_hours": "285.00",
        "percent_paid_activities": "10.0000",
    }
    with django_assert_num_queries(4):
        build_return(organisation, PERIOD)


def test_unpaid_activities_count_for_the_band_but_not_the_cost(organisation):
    official(organisation, "Gil", duties="100", paid="50", unpaid="600", hourly_cost="30")
    official(organisation, "Hal", partnership="300", hourly_cost="10", working_hours="1000")
    _pay_bill(organisation, "1000000")
    report = build_return(organisation, PERIOD)
    assert report.bands == {"0": 0, "1-50": 2, "51-99": 0, "100": 0}
    # Gil: 150 paid hours x £30 = £4,500; Hal: 300 partnership hours x £10 = £3,000.
    assert report.total_cost == Decimal(7500)
    assert report.percent_of_pay_bill == Decimal("0.75")
    assert report.paid_facility_time_hours == Decimal(450)
    # 50 / 450 x 100, kept exact to 28 significant figures.
    assert report.percent_paid_activities == Decimal(50) * 100 / Decimal(450)
    assert report.as_json()["percent_paid_activities"] == "11.11111111111111111111111111"


@pytest.mark.parametrize(
    ("facility_hours", "band"),
    [
        ("0", "0"),  # 0%
        ("0.01", "1-50"),  # just above 0%
        ("750", "1-50"),  # exactly 50%
        ("750.01", "51-99"),  # just above 50%
        ("1485", "51-99"),  # 99%
        ("1499.99", "51-99"),  # just below 100%
        ("1500", "100"),  # 100%
    ],
)
def test_band_boundaries(organisation, facility_hours, band):
    assert band_of(Decimal(facility_hours), Decimal(1500)) == band
    official(organisation, "Ivy", duties=facility_hours)
    report = build_return(organisation, PERIOD)
    assert report.bands[band] == 1
    assert sum(report.bands.values()) == report.headcount == 1


def test_quarters_add_up_to_the_year(organisation):
    rep = Representative.objects.create(
        organisation=organisation, name="Jo", rep_type="ulr", union="RCN"
    )
    for quarter in (1, 2, 3, 4):
        TimeRecord.objects.create(
            representative=rep,
            period=PERIOD,
            quarter=quarter,
            fte=Decimal("0.6"),
            working_hours=Decimal(225),
            duties_hours=Decimal(60),
            paid_activities_hours=Decimal(1),
        )
    report = build_return(organisation, PERIOD)
    (only,) = report.officials
    assert (only.working_hours, only.facility_hours, only.fte) == (900, 244, Decimal("0.6"))
    assert report.bands["1-50"] == 1


def test_percentages_keep_four_decimal_places():
    assert decimal_string(Decimal("0.06")) == "0.0600"
    assert decimal_string(Decimal("12")) == "12.0000"
    assert decimal_string(Decimal("0.000012345")) == "0.000012345"
    assert decimal_string(Decimal("1E+2")) == "100.0000"


# --- Validation messages ----------------------------------------------------------------------


def test_hours_more_than_working_hours_is_refused(organisation):
    rep = Representative.objects.create(
        organisation=organisation, name="Kit", rep_type="tu_rep", union="GMB"
    )
    with pytest.raises(services.Refused) as refusal:
        services.save_time_record(
            rep,
            period=PERIOD,
            quarter=0,
            user=None,
            fte=Decimal(1),
            working_hours=Decimal(100),
            duties_hours=Decimal(60),
            paid_activities_hours=Decimal(41),
            unpaid_activities_hours=Decimal(0),
            partnership_hours=Decimal(0),
        )
    assert str(refusal.value) == (
        "Kit's facility time hours (101) are more than their working hours (100)"
    )
    assert not TimeRecord.objects.exists()


def test_fte_above_one_is_refused(organisation):
    rep = Representative.objects.create(
        organisation=organisation, name="Lou", rep_type="tu_rep", union="GMB"
    )
    with pytest.raises(services.Refused, match="Lou's FTE must be more than 0 and no more than 1"):
        services.save_time_record(
            rep,
            period=PERIOD,
            quarter=0,
            user=None,
            fte=Decimal("1.2"),
            working_hours=Decimal(100),
            duties_hours=Decimal(0),
            paid_activities_hours=Decimal(0),
            unpaid_activities_hours=Decimal(0),
            partnership_hours=Decimal(0),
        )


def test_stored_figures_that_break_the_rules_are_named_in_the_problems(organisation):
    official(organisation, "Max", fte="3", duties="10")  # the organisation's FTE by mistake
    official(organisation, "Ned", working_hours="100", duties="120", hourly_cost=None)
    problems = build_return(organisation, PERIOD).problems()
    assert "Max's FTE must be more than 0 and no more than 1" in problems
    assert "Ned's facility time hours (120.00) are more than their working hours (100.00)" in (
        problems
    )
    assert (
        "The officials' FTE (4.0000) is more than their number (2): enter each official's own "
        "FTE, not the organisation's"
    ) in problems
    assert "Enter the hourly cost of Ned" in problems
    assert "Enter the total pay bill in pounds" in problems


def test_a_pay_bill_in_thousands_is_refused_unless_confirmed(organisation, hr_lead):
    official(organisation, "Oz", duties="1500", hourly_cost="20")  # £30,000
    with pytest.raises(services.Refused) as refusal:
        services.save_employer_inputs(
            organisation,
            period=PERIOD,
            pay_bill=Decimal(95000),
            fte_employees=Decimal(2000),
            confirmed=False,
            user=hr_lead,
        )
    assert str(refusal.value) == (
        "With a pay bill of £95000.00, facility time would be 31.58% of it, more than 5%: check "
        "the pay bill is in pounds, not thousands of pounds, and confirm it if it is right"
    )
    assert not EmployerInputs.objects.exists()
    services.save_employer_inputs(
        organisation,
        period=PERIOD,
        pay_bill=Decimal(95000),
        fte_employees=Decimal(2000),
        confirmed=True,
        user=hr_lead,
    )
    report = build_return(organisation, PERIOD)
    assert report.pay_bill_confirmed and report.problems() == []


def test_signing_is_refused_while_there_are_problems_and_an_edit_voids(
    worked_example, organisation, hr_lead, staff_rep
):
    seen = None
    services.sign_return(organisation, period=PERIOD, user=hr_lead, side="management", seen=seen)
    services.sign_return(organisation, period=PERIOD, user=staff_rep, side="staff_side", seen=seen)
    with pytest.raises(services.Refused, match="already signed for the staff side"):
        services.sign_return(
            organisation, period=PERIOD, user=staff_rep, side="staff_side", seen=None
        )
    services.save_hourly_cost(
        Representative.objects.get(name="Ann"), period=PERIOD, hourly_cost=Decimal(21), user=None
    )
    assert organisation.facility_time_signatures.filter(voided_at__isnull=True).count() == 0
    TimeRecord.objects.filter(representative__name="Ann").update(duties_hours=2000)
    with pytest.raises(services.Refused, match="cannot be signed yet: Ann's facility time"):
        services.sign_return(
            organisation, period=PERIOD, user=hr_lead, side="management", seen=None
        )


# --- Import and the return command --------------------------------------------------------------

HEADER = (
    "name,union,rep_type,fte,working_hours,duties_hours,paid_activities_hours,"
    "unpaid_activities_hours,hourly_cost"
)


def _write(tmp_path, text):
    path = tmp_path / "reps.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_replaces_the_period_and_prints_the_return(organisation, tmp_path, capsys):
    official(organisation, "Old record", duties="10")
    path = _write(
        tmp_path,
        f"{HEADER},partnership_hours\n"
        "Ann,UNISON,tu_rep,1,1500,0,0,0,20,\n"
        "Bea,RCN,ulr,0.5,1500,50,50,0,20,0\n"
        "Cal,GMB,safety_rep,1,1500,900,0,0,20,0\n"
        "Dee,Unite,employee_director,1,1500,1000,0,0,20,500\n",
    )
    call_command("import_facility_time", "--organisation", "z9a", "--period", PERIOD, path)
    assert "Imported 4" in capsys.readouterr().out
    assert not TimeRecord.objects.filter(representative__name="Old record").exists()
    call_command(
        "facility_time",
        "--organisation",
        "Z9A",
        "--period",
        PERIOD,
        "--pay-bill",
        "95000000",
        "--format",
        "json",
    )
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "officials": 4,
        "officials_fte": "3.5000",
        "bands": {"0": 1, "1-50": 1, "51-99": 1, "100": 1},
        "total_cost": "50000.00",
        "pay_bill": "95000000.00",
        "percent_of_pay_bill": decimal_string(Decimal(50000) * 100 / Decimal(95000000)),
        "paid_facility_time_hours": "2500.00",
        "paid_activities_hours": "50.00",
        "percent_paid_activities": "2.0000",
    }
    assert data["percent_of_pay_bill"].startswith("0.052631578")


def test_import_is_all_or_nothing_with_reasons_line_by_line(organisation, tmp_path):
    official(organisation, "Kept", duties="10")
    path = _write(
        tmp_path,
        f"{HEADER}\n"
        "Ann,UNISON,tu_rep,1,1500,0,0,0,20\n"
        "Bea,RCN,steward,1.5,1500,100,50,0,twenty\n"
        "Cal,GMB,safety_rep,1,100,90,20,0,20\n"
        "ann,UNISON,tu_rep,1,1500,0,0,0,20\n"
        ",,tu_rep,1,1500,-1,0,0,20\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("import_facility_time", "--organisation", "Z9A", "--period", PERIOD, path)
    message = str(error.value)
    assert "nothing was changed" in message
    assert "line 2:" not in message
    assert (
        "line 3: rep_type 'steward' is not one of tu_rep, ulr, safety_rep, employee_director; "
        "hourly_cost 'twenty' is not a number"
    ) in message
    assert "line 4: Cal's facility time hours (110) are more than their working hours (100)" in (
        message
    )
    assert "line 5: ann is also on line 2" in message
    assert "line 6: name is empty; union is empty; duties_hours cannot be negative" in message
    assert list(TimeRecord.objects.values_list("representative__name", flat=True)) == ["Kept"]
    assert not Representative.objects.filter(name="Ann").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,union\nAnn,UNISON\n", "line 1: missing column(s): rep_type, fte"),
        (f"{HEADER},colour\n", "line 1: unknown column(s): colour"),
        (f"{HEADER}\n", "the file has no representatives"),
        (f"{HEADER}\nAnn,UNISON,tu_rep,1,1500,0,0,0,20,extra\n", "line 2: more values"),
        (f"{HEADER}\nAnn,UNISON,tu_rep,0.12345,1500,0,0,0,20\n", "more than 4 decimal places"),
        (f"{HEADER}\nAnn,UNISON,tu_rep,1,1500,0,0,0,NaN\n", "'NaN' is not a number"),
    ],
)
def test_import_refuses_bad_files(organisation, tmp_path, text, expected):
    with pytest.raises(CommandError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        call_command(
            "import_facility_time",
            "--organisation",
            "Z9A",
            "--period",
            PERIOD,
            _write(tmp_path, text),
        )
    assert not TimeRecord.objects.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--organisation", "NOPE", "--period", PERIOD], "No organisation has the ODS code NOPE"),
        (["--organisation", "Z9A", "--period", "2025"], "like 2025/26"),
        (["--organisation", "Z9A", "--period", "2025/27"], "like 2025/26"),
        (["--organisation", "Z9A", "--period", PERIOD], "no facility time records"),
    ],
)
def test_return_command_errors(organisation, args, expected):
    with pytest.raises(CommandError, match=expected):
        call_command("facility_time", *args)


def test_return_command_refuses_an_implausible_pay_bill(organisation):
    official(organisation, "Oz", duties="1500", hourly_cost="20")
    with pytest.raises(CommandError, match="not thousands of pounds"):
        call_command(
            "facility_time", "--organisation", "Z9A", "--period", PERIOD, "--pay-bill", "95000"
        )
    with pytest.raises(CommandError, match="is not an amount in pounds"):
        call_command(
            "facility_time", "--organisation", "Z9A", "--period", PERIOD, "--pay-bill", "lots"
        )
    assert not EmployerInputs.objects.exists()
    call_command(
        "facility_time",
        "--organisation",
        "Z9A",
        "--period",
        PERIOD,
        "--pay-bill",
        "95000",
        "--confirm-pay-bill",
    )
    assert EmployerInputs.objects.get().pay_bill_confirmed


def test_import_command_reports_an_unreadable_file(organisation, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_facility_time",
            "--organisation",
            "Z9A",
            "--period",
            PERIOD,
            str(tmp_path / "missing.csv"),
        )
    path = tmp_path / "latin.csv"
    path.write_bytes(b"name\n\xff\xfe\xfa")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_facility_time", "--organisation", "Z9A", "--period", PERIOD, str(path))


# --- Any file: rows or reasons, never a crash -------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(["", "1", "0.5", "-1", "1500", "1e9", "NaN", "Infinity", "tu_rep", "x,y", '"']),
    st.text(max_size=8),
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(CELLS, min_size=8, max_size=10), max_size=4))
def test_any_file_gives_rows_or_reasons(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    try:
        parsed = services.parse_import(buffer.getvalue())
    except services.ImportRefused as refusal:
        assert refusal.errors and all(isinstance(e, str) and e for e in refusal.errors)
    else:
        for row in parsed:
            assert 0 < row["fte"] <= 1
            assert row["working_hours"] > 0
            assert sum(row[c] for c in services.HOUR_FIELDS) <= row["working_hours"]


def test_year_and_quarters_are_not_mixed(organisation):
    rep = Representative.objects.create(
        organisation=organisation, name="Pat", rep_type="tu_rep", union="GMB"
    )
    hours = {
        "fte": Decimal(1),
        "working_hours": Decimal(375),
        "duties_hours": Decimal(10),
        "paid_activities_hours": Decimal(0),
        "unpaid_activities_hours": Decimal(0),
        "partnership_hours": Decimal(0),
    }
    services.save_time_record(rep, period=PERIOD, quarter=1, user=None, **hours)
    with pytest.raises(services.Refused, match="Pat already has time by quarter for 2025/26"):
        services.save_time_record(rep, period=PERIOD, quarter=0, user=None, **hours)
    services.save_time_record(rep, period=PERIOD, quarter=2, user=None, **hours)
    assert build_return(organisation, PERIOD).officials[0].working_hours == 750
    other = Representative.objects.create(
        organisation=organisation, name="Quin", rep_type="tu_rep", union="GMB"
    )
    services.save_time_record(other, period=PERIOD, quarter=0, user=None, **hours)
    with pytest.raises(services.Refused, match="Quin already has time for the whole of 2025/26"):
        services.save_time_record(other, period=PERIOD, quarter=3, user=None, **hours)


def test_hourly_cost_from_employment_costs():
    assert services.hourly_cost_from(Decimal("45000"), Decimal("1950")) == Decimal("23.0769")
    with pytest.raises(services.Refused, match="Working hours must be more than 0"):
        services.hourly_cost_from(Decimal("45000"), Decimal(0))


@pytest.mark.parametrize(
    "argv",
    [
        ["facility_time", "--organisation", "NOPE", "--period", PERIOD],
        ["import_facility_time", "--organisation", "Z9A", "--period", PERIOD, "/nonexistent.csv"],
    ],
)
def test_commands_exit_non_zero_with_a_message_and_no_traceback(argv, organisation, capsys):
    # As from the shell: manage.py's entry point, which turns a CommandError into a message.
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", *argv])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("CommandError: ")
