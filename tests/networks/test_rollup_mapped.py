"""The network gap map in another framework's terms, through a small crosswalk's equivalent
pairs: figures, the mark on the page, CSV and Excel, the rollup command, and who may see it."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from assessments.crosswalks.models import Crosswalk, CrosswalkPair, Relation
from assessments.models import Criterion
from assessments.rollup import queries
from tests.assessments.test_services import make_framework
from tests.factories import UserFactory

from .conftest import STAFF_SIDE, VIEWER, make_member, network_person
from .test_rollup import direct_counts

pytestmark = pytest.mark.django_db

PERIOD = "2025/26"
TERMS = "staff-charter"


@pytest.fixture
def mapped(network, officer, framework, settings):
    """iwl-test A1 and A2 are both equivalent to the charter's X1, B1 only partly overlaps Y1
    (not counted), and X2 has no equivalent."""
    settings.ROLLUP_MIN_ORGANISATIONS = 1
    charter = make_framework(refs=("X1", "X2", "Y1"), slug=TERMS)
    crosswalk = Crosswalk.objects.create(
        from_framework=charter, to_framework=framework, content_hash="x"
    )
    ours = {c.ref: c for c in Criterion.objects.filter(framework=framework)}
    theirs = {c.ref: c for c in Criterion.objects.filter(framework=charter)}
    for position, (mine, other, relation) in enumerate(
        (("A1", "X1", Relation.EQUIVALENT), ("A2", "X1", Relation.EQUIVALENT)),
        start=1,
    ):
        CrosswalkPair.objects.create(
            crosswalk=crosswalk,
            from_criterion=theirs[other],
            to_criterion=ours[mine],
            relation=relation,
            position=position,
        )
    CrosswalkPair.objects.create(
        crosswalk=crosswalk,
        from_criterion=theirs["Y1"],
        to_criterion=ours["B1"],
        relation=Relation.PARTIAL,
        position=3,
    )
    organisations = [
        make_member(network, officer, framework, name=f"Trust {i}", ratings=ratings)[0]
        for i, ratings in enumerate(((0, 1, 2), (2, 2, 0), (1, 2, 2)))
    ]
    return charter, organisations


def test_figures_count_the_equivalent_criteria(network, mapped):
    charter, organisations = mapped
    gaps = queries.gap_map(network, "iwl-test", PERIOD, in_terms_of=TERMS)
    assert gaps.mapped and gaps.terms == charter
    rows = {row.ref: row for row in gaps.rows}
    assert list(rows) == ["X1", "X2", "Y1"]
    assessed, below = direct_counts(organisations)
    assert rows["X1"].assessed.value == assessed["A1"] + assessed["A2"] == 6
    assert rows["X1"].below_met.value == below["A1"] + below["A2"] == 3
    assert rows["X1"].mapped_from == ["A1", "A2"]
    for ref in ("X2", "Y1"):  # no equivalent: no figures
        assert rows[ref].mapped_from == [] and not rows[ref].assessed.value
    # Filtered maps (read from the rows, not the counts) map the same way.
    filtered = queries.gap_map(
        network,
        "iwl-test",
        PERIOD,
        queries.Filters(sector=organisations[0].sector),
        in_terms_of=TERMS,
    )
    assert [(r.ref, r.assessed, r.below_met) for r in filtered.rows] == [
        (r.ref, r.assessed, r.below_met) for r in gaps.rows
    ]
    # In its own terms nothing is mapped.
    own = queries.gap_map(network, "iwl-test", PERIOD, in_terms_of="iwl-test")
    assert not own.mapped and [r.ref for r in own.rows] == ["A1", "A2", "B1"]


def test_query_count_is_flat_as_organisations_join(
    network, officer, framework, mapped, django_assert_num_queries
):
    with django_assert_num_queries(9):
        queries.gap_map(network, "iwl-test", PERIOD, in_terms_of=TERMS)
    for i in range(3):
        make_member(network, officer, framework, name=f"More {i}", ratings=(0, 0, 0))
    with django_assert_num_queries(9):
        queries.gap_map(network, "iwl-test", PERIOD, in_terms_of=TERMS)


def test_the_page_and_files_are_marked_as_mapped(client, network, officer, mapped, download):
    client.force_login(officer)
    query = {"framework": "iwl-test", "period": PERIOD, "in_terms_of": TERMS}
    page = client.get(reverse("assessments:network_gaps", args=[network.slug]), query)
    assert page.status_code == 200
    assert b'data-testid="gap-mapped"' in page.content
    assert b'data-testid="gap-X1"' in page.content and b'data-testid="gap-A1"' not in page.content
    assert b"Mapped from A1, A2" in page.content
    plain = client.get(reverse("assessments:network_gaps", args=[network.slug]))
    assert b'data-testid="gap-mapped"' not in plain.content
    # Only the gap map offers the choice.
    coverage = client.get(reverse("assessments:network", args=[network.slug]))
    assert b'name="in_terms_of"' not in coverage.content
    assert b'name="in_terms_of"' in plain.content
    response = download(client, reverse("assessments:network_gaps_csv", args=[network.slug]), query)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    title = queries.latest_framework("iwl-test").title
    assert rows[0][:2] == [f"Mapped from {title} criteria", "Criterion"]
    assert rows[1][:2] == ["A1; A2", "X1"] and rows[1][4] == "6"
    response = download(
        client, reverse("assessments:network_gaps_xlsx", args=[network.slug]), query
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][:2] == ("A1; A2", "X1")


def test_an_unknown_framework_to_map_to_is_a_form_error(client, network, officer, mapped):
    client.force_login(officer)
    page = client.get(
        reverse("assessments:network_gaps", args=[network.slug]), {"in_terms_of": "nope"}
    )
    assert page.status_code == 400
    assert b'data-testid="gap-mapped"' not in page.content


@pytest.mark.parametrize("person", ["viewer", "other_network_lead", "outsider"])
def test_who_may_see_the_mapped_map(client, network, other_network, mapped, person, download):
    people = {
        "viewer": network_person(network, STAFF_SIDE, VIEWER, "viewer@net.example"),
        "other_network_lead": network_person(other_network, STAFF_SIDE, "lead", "o@net.example"),
        "outsider": UserFactory(),
    }
    client.force_login(people[person])
    query = {"in_terms_of": TERMS}
    for name in ("assessments:network_gaps", "assessments:network_gaps_csv"):
        response = download(client, reverse(name, args=[network.slug]), query)
        assert response.status_code == (200 if person == "viewer" else 404)


def test_the_command_maps_and_says_so(network, mapped, capsys):
    call_command(
        "rollup",
        "--network", network.slug, "--framework", "iwl-test", "--period", PERIOD,
        "--in-terms-of", TERMS,
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert [row["criterion"] for row in data] == ["X1", "X2", "Y1"]
    assert data[0]["mapped_from"] == ["A1", "A2"] and data[0]["assessed"] == 6


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--in-terms-of", "nope"], "no framework with the slug 'nope'"),
        (["--in-terms-of", TERMS, "--kind", "coverage"], "gap map only"),
    ],
)
def test_the_command_refuses_bad_mapping(network, mapped, extra, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "rollup", "--network", network.slug, "--framework", "iwl-test", "--period", PERIOD,
            *extra,
        )  # fmt: skip
