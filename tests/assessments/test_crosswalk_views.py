"""The pages built on crosswalks: next cycle onto another framework, the carry-over report and
its CSV, and the four-country guide with its PDF; each with its permission cases."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from assessments.crosswalks import guide as guide_module
from assessments.crosswalks.loader import load_crosswalk_files
from assessments.models import Assessment
from assessments.services import save_response, start_assessment, start_next_cycle
from tests.assessments.test_services import BLANK, make_framework

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-0000-0000-000000000000"


def crosswalk(tmp_path, old, new, pairs, unmapped=""):
    path = tmp_path / f"{old.slug}-{new.slug}.yaml"
    path.write_text(
        f'from: {{framework: {old.slug}, version: "{old.version}"}}\n'
        f'to: {{framework: {new.slug}, version: "{new.version}"}}\n'
        f"description: Test.\npairs:\n"
        + "".join(f"  - {{from: {a}, to: {b}, relation: {r}}}\n" for a, b, r in pairs)
        + unmapped
    )
    load_crosswalk_files([path])


@pytest.fixture
def frameworks(tmp_path):
    old = make_framework(refs=("A1", "A2", "B1"), slug="iwl", version="1")
    new = make_framework(refs=("X1", "X2", "X3"), slug="country", version="1")
    crosswalk(
        tmp_path,
        old,
        new,
        [("A1", "X1", "equivalent"), ("A2", "X2", "partial")],
        "unmapped:\n  - {framework: to, ref: X3, reason: Only asked for here.}\n",
    )
    return old, new


@pytest.fixture
def previous(frameworks, organisation, hr_lead):
    assessment = start_assessment(
        organisation=organisation,
        framework=frameworks[0],
        period="2025/26",
        title="IWL 2025/26",
        user=hr_lead,
    )
    for response in assessment.responses.all():
        save_response(
            response.pk,
            data={**BLANK, "rating": 2, "narrative": "In place"},
            expected_version=1,
            user=hr_lead,
        )
    return assessment


@pytest.fixture
def carried(previous, frameworks, hr_lead):
    return start_next_cycle(
        previous, framework=frameworks[1], period="2026/27", title="Country 2026/27", user=hr_lead
    )


# --- Next cycle onto another framework -------------------------------------------------------


def test_the_next_cycle_offers_the_crosswalked_framework_and_not_unrelated_ones(
    hr_lead_client, previous
):
    make_framework(refs=("Z1",), slug="unrelated")
    form = hr_lead_client.get(reverse("assessments:next_cycle", args=[previous.pk])).context["form"]
    assert {f.slug for f in form.fields["framework"].queryset} == {"iwl", "country"}


def test_moving_to_another_framework_carries_through_the_crosswalk(
    hr_lead_client, previous, frameworks
):
    response = hr_lead_client.post(
        reverse("assessments:next_cycle", args=[previous.pk]),
        {"period": "2026/27", "title": "Country 2026/27", "framework": frameworks[1].pk},
    )
    new = Assessment.objects.get(period="2026/27")
    assert response.status_code == 302
    got = {r.criterion.ref: r for r in new.responses.select_related("criterion")}
    assert (got["X1"].rating, got["X1"].narrative) == (2, "In place")
    assert (got["X2"].rating, got["X2"].narrative) == (
        None,
        "Partly covered by A2 in 2025/26: review.",
    )
    assert (got["X3"].rating, got["X3"].narrative) == (None, "")


def test_an_unrelated_framework_is_refused(hr_lead_client, previous):
    unrelated = make_framework(refs=("Z1",), slug="unrelated")
    response = hr_lead_client.post(
        reverse("assessments:next_cycle", args=[previous.pk]),
        {"period": "2026/27", "title": "Next", "framework": unrelated.pk},
    )
    assert response.status_code == 400
    assert "Select a framework version from the list" in response.content.decode()
    assert Assessment.objects.count() == 1


# --- The carry-over report -------------------------------------------------------------------


def report_url(assessment, csv=False):
    return reverse(
        "assessments:carry_over_csv" if csv else "assessments:carry_over", args=[assessment.pk]
    )


@pytest.mark.parametrize("client_fixture", ["hr_lead_client", "staff_rep_client", "viewer_client"])
def test_members_read_the_carry_over_report(request, client_fixture, carried):
    client = request.getfixturevalue(client_fixture)
    response = client.get(report_url(carried))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Carry-over report: Country 2026/27" in page
    rows = {
        ref: page.split(f'data-testid="carried-{ref}"')[1].split("</tr>")[0]
        for ref in ("X1", "X2", "X3")
    }
    assert "To review" in rows["X1"] and "Rating, narrative, reason, files and links" in rows["X1"]
    assert "A1 in 2025/26 (equivalent)" in rows["X1"]
    assert (
        "Files and links only" in rows["X2"] and "A2 in 2025/26 (partly overlapping)" in rows["X2"]
    )
    assert "No counterpart: Only asked for here." in rows["X3"]


def test_the_overview_links_to_the_carry_over_report(hr_lead_client, carried, previous):
    assert (
        report_url(carried)
        in hr_lead_client.get(reverse("assessments:assessment", args=[carried.pk])).content.decode()
    )
    assert (
        report_url(previous)
        not in hr_lead_client.get(
            reverse("assessments:assessment", args=[previous.pk])
        ).content.decode()
    )


def test_the_carry_over_csv_lists_every_criterion(viewer_client, carried):
    response = viewer_client.get(report_url(carried, csv=True))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Z9A-2026-27-carry-over.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Standard,Ref,Criterion,Status,Carried,From,No counterpart because"
    assert [line.split(",")[1] for line in lines[1:]] == ["X1", "X2", "X3"]
    assert "A2 in 2025/26 (partly overlapping): 0 files, 0 links" in lines[2]
    assert lines[3].endswith("Only asked for here.")


@pytest.mark.parametrize("csv", [False, True])
def test_outsiders_get_404(outsider_client, carried, csv):
    assert outsider_client.get(report_url(carried, csv)).status_code == 404


@pytest.mark.parametrize("name", ["assessments:carry_over", "assessments:carry_over_csv"])
def test_unknown_ids_get_404(hr_lead_client, name):
    assert hr_lead_client.get(reverse(name, args=[UNKNOWN])).status_code == 404


@pytest.mark.parametrize("csv", [False, True])
def test_anonymous_visitors_sign_in_for_the_report(client, carried, csv):
    assert client.get(report_url(carried, csv)).status_code == 302


def test_the_report_refuses_changes(hr_lead_client, carried):
    assert hr_lead_client.post(report_url(carried)).status_code == 405


def test_the_report_query_count_stays_flat(hr_lead_client, organisation, hr_lead, tmp_path):
    counts = []
    for size in (2, 20):
        old = make_framework(refs=tuple(f"A{i}" for i in range(size)), slug=f"o{size}")
        new = make_framework(refs=tuple(f"X{i}" for i in range(size)), slug=f"n{size}")
        crosswalk(tmp_path, old, new, [(f"A{i}", f"X{i}", "partial") for i in range(size)])
        previous = start_assessment(
            organisation=organisation, framework=old, period="2025/26", title="t", user=hr_lead
        )
        nxt = start_next_cycle(previous, framework=new, period="2026/27", title="n", user=hr_lead)
        with CaptureQueriesContext(connection) as ctx:
            assert hr_lead_client.get(report_url(nxt)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- The four-country guide ------------------------------------------------------------------


@pytest.fixture
def guide_frameworks(tmp_path):
    base = make_framework(refs=("HR1", "HR2", "SI1"), slug="iwl-framework-2009", version="2009.1")
    scotland = make_framework(refs=("SG1", "SG2"), slug="staff-governance-standard")
    wales = make_framework(refs=("W1",), slug="wales-partnership-and-wellbeing")
    crosswalk(tmp_path, base, scotland, [("HR1", "SG1", "equivalent"), ("HR2", "SG2", "partial")])
    # Loaded the other way round: the guide reads crosswalks in both directions.
    crosswalk(tmp_path, wales, base, [("W1", "HR1", "equivalent")])
    for framework, title in ((scotland, "Staff Governance"), (wales, "Wales partnership")):
        framework.title = title
        framework.save()
    return base


def row(page, ref):
    return page.split(f'data-testid="guide-{ref}"')[1].split("</tr>")[0]


@pytest.mark.parametrize("client_fixture", ["hr_lead_client", "viewer_client", "outsider_client"])
def test_every_signed_in_user_reads_the_guide(request, client_fixture, guide_frameworks):
    client = request.getfixturevalue(client_fixture)
    response = client.get(reverse("assessments:guide"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "SG1" in row(page, "HR1") and "W1" in row(page, "HR1")
    assert "SG2" not in row(page, "HR2")  # partial pairs are not equivalents
    assert "Northern Ireland: its framework (ni-working-lives) is not loaded" in " ".join(
        page.split()
    )
    assert 'data-testid="case-studies-' not in page


def test_the_guide_shows_case_studies_per_area(hr_lead_client, guide_frameworks, monkeypatch):
    study = {"title": "Self-rostering on two wards", "organisation": "Z9A", "url": "/cases/1/"}
    monkeypatch.setattr(
        guide_module,
        "case_studies_by_area",
        lambda framework, user: {s.pk: [study] for s in framework.standards.all() if s.ref == "H"},
    )
    page = hr_lead_client.get(reverse("assessments:guide")).content.decode()
    assert 'data-testid="case-studies-H"' in page and "Self-rostering on two wards" in page
    assert 'data-testid="case-studies-S"' not in page


def test_the_guide_query_count_is_fixed(hr_lead_client, guide_frameworks):
    hr_lead_client.get(reverse("assessments:guide"))  # warm the session and user
    with CaptureQueriesContext(connection) as first:
        hr_lead_client.get(reverse("assessments:guide"))
    make_framework(refs=("HR7", "HR8", "TD1", "TD2"), slug="more")
    with CaptureQueriesContext(connection) as second:
        hr_lead_client.get(reverse("assessments:guide"))
    assert len(first.captured_queries) == len(second.captured_queries)


def test_the_guide_pdf(viewer_client, guide_frameworks, download):
    response = download(viewer_client, reverse("assessments:guide_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Four-country guide" in text and "SG1" in text and "W1" in text


def test_the_guide_without_its_framework_says_so(hr_lead_client):
    page = hr_lead_client.get(reverse("assessments:guide")).content.decode()
    assert "The guide needs the IWL 2009 edition (iwl-framework-2009) to be loaded" in page


def test_anonymous_visitors_sign_in_for_the_guide(client, guide_frameworks):
    assert client.get(reverse("assessments:guide")).status_code == 302
    assert client.get(reverse("assessments:guide_pdf")).status_code == 302


def test_the_frameworks_page_links_to_the_guide(viewer_client):
    page = viewer_client.get(reverse("assessments:frameworks")).content.decode()
    assert f'href="{reverse("assessments:guide")}"' in page


def test_a_framework_page_lists_its_crosswalks_both_ways(viewer_client, frameworks):
    old, new = frameworks
    for framework, other in ((old, new), (new, old)):
        page = viewer_client.get(reverse("assessments:framework", args=[framework.pk]))
        listed = page.content.decode().split('data-testid="crosswalks"')[1].split("</ul>")[0]
        assert reverse("assessments:framework", args=[other.pk]) in listed
        assert "2 pairs of criteria" in listed
