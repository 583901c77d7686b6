"""Summary rows written at sign-off, and the roll-ups read from them."""

import pytest
from django.db.models import Count

from assessments import services
from assessments.models import Response
from assessments.rollup import queries
from assessments.rollup.disclosure import suppress_partition
from assessments.rollup.models import AssessmentSummary, CriterionSummary
from partnership.networks import services as network_services
from tests.factories import OrganisationFactory

from .conftest import leads_of, make_member

pytestmark = pytest.mark.django_db

PERIOD = "2025/26"


def ratings_for(i):
    return [(0, 1, 2), (1, 2, 2), (2, 2, 2), (0, 0, 1), (1, 1, 2), (2, 1, 0)][i % 6]


@pytest.fixture
def members(network, officer, framework, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 2
    made = []
    for i in range(4):
        made.append(
            make_member(
                network,
                officer,
                framework,
                name=f"Trust {i}",
                ratings=ratings_for(i),
                staff=(2, 2, 2) if i == 0 else None,
                barrier="funding" if i % 2 else "staffing",
                detail=f"Reason from trust {i}",
                sharing="detail" if i == 0 else "summary",
            )
        )
    return made


def test_sign_off_writes_the_summary_and_reopening_removes_it(members):
    organisation, (management, staff) = members[0]
    summary = AssessmentSummary.objects.get(organisation=organisation)
    rows = {r.criterion_ref: r for r in summary.criteria.all()}
    assert rows["A1"].management_rating == 0 and rows["A1"].staff_rating == 2
    assert rows["A1"].agreed_rating is None  # the staff side disagreed
    assert rows["A1"].below_met and rows["A1"].divergent
    assert rows["B1"].agreed_rating == 2 and not rows["B1"].below_met
    assert summary.standards.count() == 2
    assessment = summary.assessment
    services.request_reopen(assessment.pk, user=management, reason="A mistake")
    services.confirm_reopen(assessment.pk, user=staff)
    assert not AssessmentSummary.objects.filter(organisation=organisation).exists()
    assert not CriterionSummary.objects.filter(organisation=organisation).exists()


def direct_counts(organisations, met=2):
    """The same figures counted straight from the responses."""
    responses = Response.objects.filter(
        assessment__organisation__in=organisations, not_applicable=False
    )
    below = {}
    for response in responses.select_related("criterion"):
        agreed = response.rating if response.is_agreed else None
        below.setdefault(response.criterion.ref, 0)
        below[response.criterion.ref] += agreed is None or agreed < met
    assessed = dict(
        responses.values_list("criterion__ref")
        .annotate(n=Count("pk"))
        .values_list("criterion__ref", "n")
    )
    return assessed, below


def test_gap_map_equals_a_direct_count_over_the_responses(network, members, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 1
    gaps = queries.gap_map(network, "iwl-test", PERIOD)
    assessed, below = direct_counts([org for org, _ in members])
    assert {r.ref: r.assessed.value for r in gaps.rows} == assessed
    assert {r.ref: r.below_met.value for r in gaps.rows} == below
    assert gaps.organisations == 4


def test_a_non_members_assessment_never_contributes(network, officer, framework, members):
    before = queries.gap_map(network, "iwl-test", PERIOD)
    make_member(network, officer, framework, name="Outside", ratings=(0, 0, 0), join_network=False)
    # Only one lead accepted: still not a member.
    half, (management, _) = make_member(
        network, officer, framework, name="Half", ratings=(0, 0, 0), join_network=False
    )
    membership = network_services.invite(network, half, user=officer)
    network_services.accept(membership.pk, user=management, sharing="detail")
    after = queries.gap_map(network, "iwl-test", PERIOD)
    assert [(r.assessed, r.below_met) for r in after.rows] == [
        (r.assessed, r.below_met) for r in before.rows
    ]
    assert after.organisations == 4


def test_leaving_hides_the_organisation_at_once(network, members):
    organisation, (management, _) = members[0]
    reasons = queries.gap_map(network, "iwl-test", PERIOD).rows[0].reasons
    assert [r.organisation for r in reasons] == ["Trust 0"]
    membership = organisation.networks.get(network=network)
    network_services.leave(membership.pk, user=management)
    gaps = queries.gap_map(network, "iwl-test", PERIOD)
    assert gaps.organisations == 3 and gaps.rows[0].reasons == []
    names = [r.organisation.name for r in queries.coverage(network, "iwl-test", PERIOD).rows]
    assert "Trust 0" not in names


def test_reasons_come_only_from_members_sharing_the_detail(network, members):
    rows = queries.gap_map(network, "iwl-test", PERIOD).rows
    texts = {reason.text for row in rows for reason in row.reasons}
    assert texts == {"Reason from trust 0"}


class TestSuppression:
    def test_a_total_below_the_threshold_hides_everything(self):
        total, cells = suppress_partition(4, {"a": 4, "b": 0}, minimum=5)
        assert total.suppressed and all(c.suppressed for c in cells.values())

    def test_at_the_threshold_the_total_shows(self):
        total, cells = suppress_partition(5, {"a": 5, "b": 0}, minimum=5)
        assert total.value == 5 and cells["a"].value == 5 and cells["b"].value == 0

    def test_a_cell_one_below_is_hidden_and_so_is_the_next_smallest(self):
        total, cells = suppress_partition(20, {"a": 4, "b": 6, "c": 10}, minimum=5)
        assert total.value == 20
        assert cells["a"].suppressed and cells["b"].suppressed  # secondary
        assert cells["c"].value == 10

    def test_a_cell_at_the_threshold_shows(self):
        _, cells = suppress_partition(20, {"a": 5, "b": 6, "c": 9}, minimum=5)
        assert [c.value for c in cells.values()] == [5, 6, 9]

    def test_small_hidden_cells_together_still_below_grow_the_hidden_set(self):
        _, cells = suppress_partition(30, {"a": 1, "b": 2, "c": 12, "d": 15}, minimum=5)
        assert cells["a"].suppressed and cells["b"].suppressed and cells["c"].suppressed
        assert cells["d"].value == 15

    def test_gap_map_applies_the_setting(self, network, members, settings):
        settings.ROLLUP_MIN_ORGANISATIONS = 5
        assert all(r.assessed.suppressed for r in queries.gap_map(network, "iwl-test", PERIOD).rows)
        settings.ROLLUP_MIN_ORGANISATIONS = 4
        rows = queries.gap_map(network, "iwl-test", PERIOD).rows
        assert all(r.assessed.value == 4 for r in rows)
        # B1: agreed levels 2, 2, 2 and 1: the single "1" is hidden, and with it a second cell.
        b1 = dict(rows[2].levels)
        assert b1["1: Partly"].suppressed
        assert sum(cell.suppressed for cell in b1.values()) >= 2


def test_coverage_lists_members_and_invited(network, officer, members):
    invited = OrganisationFactory(name="Invited Trust")
    leads_of(invited)
    network_services.invite(network, invited, user=officer)
    report = queries.coverage(network, "iwl-test", PERIOD)
    assert report.total.value == 4
    assert report.counts["signed_off"].value == 4
    assert [r.organisation.name for r in report.rows if r.invited] == ["Invited Trust"]


def test_query_counts_do_not_grow_with_the_organisations(
    network, officer, framework, members, django_assert_num_queries
):
    def run():
        queries.gap_map(network, "iwl-test", PERIOD)
        queries.coverage(network, "iwl-test", PERIOD)
        queries.stages(network, "iwl-test", PERIOD)
        queries.needs_help(network, "iwl-test", PERIOD)
        queries.benchmark(network, members[0][0], "iwl-test", PERIOD)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        run()
    # Coverage: the tally, the count of rows and a page of rows, whatever the members.
    with django_assert_num_queries(3):
        queries.coverage(network, "iwl-test", PERIOD, limit=2)
    for i in range(3):
        make_member(network, officer, framework, name=f"More {i}", ratings=(0, 1, 0))
    with django_assert_num_queries(len(small.captured_queries)):
        run()
    with django_assert_num_queries(3):
        queries.coverage(network, "iwl-test", PERIOD, limit=2)


def test_reasons_are_capped_per_criterion(network, officer, framework, members, monkeypatch):
    make_member(
        network, officer, framework, name="Another Detail", ratings=(0, 0, 0), sharing="detail",
        barrier="funding", detail="Another reason",
    )  # fmt: skip
    assert len(queries.gap_map(network, "iwl-test", PERIOD).rows[0].reasons) == 2
    monkeypatch.setattr(queries, "REASONS_SHOWN", 1)
    reasons = queries.gap_map(network, "iwl-test", PERIOD).rows[0].reasons
    assert [r.organisation for r in reasons] == ["Another Detail"]  # first by name
