"""python manage.py rollup: the same figures and suppression as the pages."""

import json

import pytest
from django.core.management import CommandError, call_command

from .conftest import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(network, officer, framework, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 2
    make_member(
        network,
        officer,
        framework,
        name="One",
        ratings=(0, 1, 2),
        sharing="detail",
        detail="No money",
    )
    make_member(network, officer, framework, name="Two", ratings=(0, 2, 2))


def run(*args, capsys):
    call_command("rollup", *args)
    return capsys.readouterr().out


def test_gaps_as_json(data, capsys):
    out = run(
        "--network",
        "ney",
        "--framework",
        "iwl-test",
        "--period",
        "2025/26",
        "--kind",
        "gaps",
        "--format",
        "json",
        capsys=capsys,
    )
    rows = {row["criterion"]: row for row in json.loads(out)}
    assert rows["A1"]["assessed"] == 2 and rows["A1"]["below_met"] == 2
    assert rows["A2"]["below_met"] == "*"  # one organisation: suppressed, and its partner too
    assert [r["text"] for r in rows["A1"]["reasons"]] == ["No money"]


def test_coverage_as_csv(data, capsys):
    out = run(
        "--network",
        "ney",
        "--framework",
        "iwl-test",
        "--period",
        "2025/26",
        "--kind",
        "coverage",
        "--format",
        "csv",
        capsys=capsys,
    )
    lines = out.splitlines()
    assert lines[0].startswith("Organisation,ODS code")
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["One", "Two"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("--network", "nope", "--framework", "iwl-test", "--period", "2025/26"), "no network"),
        (("--network", "ney", "--framework", "nope", "--period", "2025/26"), "no framework"),
        (("--network", "ney", "--framework", "iwl-test", "--period", "2025"), "financial year"),
    ],
)
def test_bad_arguments_are_clear(data, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("rollup", *args)
