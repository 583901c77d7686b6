"""The pre-aggregated gap map counts stay equal to a direct count over the summary rows through
every transition that changes them: sign-off, reopening, joining, leaving, deletion."""

import pytest
from django.db.models import Count

from assessments import services
from assessments.rollup import counts, queries
from assessments.rollup.models import (
    NOT_AGREED_VALUE,
    AssessmentSummary,
    CriterionSummary,
    NetworkCriterionCount,
    NetworkSummaryCount,
)
from partnership.models import NetworkOrganisation
from partnership.networks import services as network_services

from .conftest import LEAD, STAFF_SIDE, make_member, network_person

pytestmark = pytest.mark.django_db

PERIOD = "2025/26"
KEY = ("framework_slug", "period", "criterion_ref", "agreed_rating", "barrier", "below_met")


def stored(network):
    return {
        (*(row[k] for k in KEY), row["divergent"]): row["organisations"]
        for row in NetworkCriterionCount.objects.filter(network=network).values()
    }, {
        (row["framework_slug"], row["period"]): row["organisations"]
        for row in NetworkSummaryCount.objects.filter(network=network).values()
    }


def direct(network):
    joined = NetworkOrganisation.objects.filter(
        network=network, status=NetworkOrganisation.Status.JOINED
    ).values("organisation_id")
    criteria = {
        (
            *(NOT_AGREED_VALUE if k == "agreed_rating" and row[k] is None else row[k] for k in KEY),
            row["divergent"],
        ): row["n"]
        for row in CriterionSummary.objects.filter(organisation_id__in=joined, not_applicable=False)
        .values(*KEY, "divergent")
        .annotate(n=Count("pk"))
    }
    summaries = {
        (row["framework_slug"], row["period"]): row["n"]
        for row in AssessmentSummary.objects.filter(organisation_id__in=joined)
        .values("framework_slug", "period")
        .annotate(n=Count("pk"))
    }
    return criteria, summaries


def assert_equal_to_a_direct_count(*networks):
    for network in networks:
        assert stored(network) == direct(network)


def test_counts_follow_every_transition(network, other_network, officer, framework, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 1
    first, (management, staff) = make_member(
        network, officer, framework, name="Trust A", ratings=(0, 1, 2), staff=(2, 1, 2)
    )
    # Signed off before joining: joining brings the summary in.
    second, second_leads = make_member(
        network, officer, framework, name="Trust B", ratings=(1, 1, 0), join_network=False
    )
    assert_equal_to_a_direct_count(network)
    membership = network_services.invite(network, second, user=officer)
    network_services.accept(membership.pk, user=second_leads[0], sharing="summary")
    assert stored(network)[1] == {("iwl-test", PERIOD): 1}  # one lead only: not joined yet
    network_services.accept(membership.pk, user=second_leads[1], sharing="summary")
    assert stored(network)[1] == {("iwl-test", PERIOD): 2}
    assert_equal_to_a_direct_count(network)
    # Another network's members count there only.
    other_officer = network_person(other_network, STAFF_SIDE, LEAD, "sw.officer@net.example")
    make_member(other_network, other_officer, framework, name="Trust C", ratings=(2, 2, 2))
    assert_equal_to_a_direct_count(network, other_network)
    # Reopening takes the assessment out; signing off again puts it back.
    assessment = AssessmentSummary.objects.get(organisation=first).assessment
    services.request_reopen(assessment.pk, user=management, reason="A mistake")
    services.confirm_reopen(assessment.pk, user=staff)
    assert stored(network)[1] == {("iwl-test", PERIOD): 1}
    assert_equal_to_a_direct_count(network, other_network)
    # Leaving takes all of the organisation's summaries out of that network only.
    network_services.leave(membership.pk, user=second_leads[0])
    assert stored(network) == ({}, {})
    assert_equal_to_a_direct_count(network, other_network)
    # A rebuild from scratch gives the same counts.
    before = stored(other_network)
    counts.rebuild()
    assert stored(other_network) == before


def test_deleting_a_joined_membership_subtracts_it(network, officer, framework):
    make_member(network, officer, framework, name="Trust A", ratings=(0, 1, 2))
    second, _ = make_member(network, officer, framework, name="Trust B", ratings=(0, 0, 1))
    NetworkOrganisation.objects.get(network=network, organisation=second).delete()
    assert stored(network)[1] == {("iwl-test", PERIOD): 1}
    assert_equal_to_a_direct_count(network)


def test_the_gap_map_reads_the_counts_and_filters_read_the_rows(
    network, officer, framework, settings, django_assert_num_queries
):
    settings.ROLLUP_MIN_ORGANISATIONS = 1
    for i, country in enumerate(("england", "england", "wales")):
        organisation, _ = make_member(
            network,
            officer,
            framework,
            name=f"Trust {i}",
            ratings=((0, 1, 2), (1, 1, 2), (2, 0, 0))[i],
            country=country,
        )
    whole = queries.gap_map(network, "iwl-test", PERIOD)
    # The unfiltered map is made from the counts: change them and the map follows.
    NetworkCriterionCount.objects.filter(network=network, criterion_ref="A1").update(
        organisations=0
    )
    assert whole.rows[0].assessed.value == 3
    assert queries.gap_map(network, "iwl-test", PERIOD).rows[0].assessed.value is None
    counts.rebuild()
    assert queries.gap_map(network, "iwl-test", PERIOD).rows == whole.rows
    # A filter that keeps everyone gives the same figures through the rows.
    everyone = queries.Filters(sector=organisation.sector)
    assert queries.gap_map(network, "iwl-test", PERIOD, everyone).rows == whole.rows
    wales = queries.gap_map(network, "iwl-test", PERIOD, queries.Filters(country="wales"))
    assert [r.assessed.value for r in wales.rows] == [1, 1, 1]
    assert wales.organisations == 1
    with django_assert_num_queries(6):
        queries.gap_map(network, "iwl-test", PERIOD)
    with django_assert_num_queries(6):
        queries.gap_map(network, "iwl-test", PERIOD, queries.Filters(country="wales"))
