"""Coverage: each member's cycle status and the counts, checked against a direct reading of the
assessments and their sign-offs, one organisation at a time."""

import datetime
from collections import Counter

import pytest

from assessments import services
from assessments.demo_network import Answer, signed_off_cycle
from assessments.models import Assessment, Signature, SignOff
from assessments.rollup import queries
from assessments.rollup.queries import Coverage
from partnership.networks import services as network_services
from tests.factories import OrganisationFactory

from .conftest import join, leads_of, make_member, rated_framework

pytestmark = pytest.mark.django_db

PERIOD = "2025/26"
ANSWERS = {ref: Answer(rating=2) for ref in ("A1", "A2", "B1")}


def open_cycle(organisation, framework, leads, *, period=PERIOD):
    """Started, every criterion co-signed, nobody has signed off."""
    management, staff = leads
    assessment = services.start_assessment(
        organisation=organisation, framework=framework, period=period, title="IWL", user=management
    )
    for response in assessment.responses.all():
        services.save_response(
            response.pk,
            data={"rating": 2, "narrative": "In place"},
            expected_version=response.version,
            user=management,
        )
        services.submit_response(response.pk, user=management)
        services.staff_side_sign(
            response.pk, user=staff, decision=Signature.Decision.AGREED, comment=""
        )
    return assessment


def management_signs_off(assessment, management):
    services.sign_off(
        assessment.pk, user=management, side="management", joint_statement="Our account"
    )


def change_an_answer(assessment, leads):
    """Voids the sign-offs (and the criterion's signatures), then settles the criterion again."""
    management, staff = leads
    response = assessment.responses.order_by("criterion__ref").first()
    services.save_response(
        response.pk,
        data={"narrative": "Changed after signing off"},
        expected_version=response.version,
        user=management,
    )
    services.submit_response(response.pk, user=management)
    services.staff_side_sign(response.pk, user=staff, decision=Signature.Decision.AGREED)


def member(network, officer, name, **org):
    organisation = OrganisationFactory(name=name, **org)
    leads = leads_of(organisation)
    join(network, organisation, officer, leads)
    return organisation, leads


@pytest.fixture
def world(network, officer, framework, settings):
    settings.ROLLUP_MIN_ORGANISATIONS = 1
    make_member(network, officer, framework, name="Signed", ratings=(2, 2, 2), region="North")

    organisation, leads = member(network, officer, "One side", region="North")
    one_side = organisation, leads
    management_signs_off(open_cycle(organisation, framework, leads), leads[0])

    organisation, leads = member(network, officer, "Voided", region="South")
    assessment = open_cycle(organisation, framework, leads)
    management_signs_off(assessment, leads[0])
    change_an_answer(assessment, leads)

    # Two sign-offs by the same side, the first voided: signed off by one side.
    organisation, leads = member(network, officer, "Signed again", region="South")
    assessment = open_cycle(organisation, framework, leads)
    management_signs_off(assessment, leads[0])
    change_an_answer(assessment, leads)
    management_signs_off(assessment, leads[0])

    organisation, leads = member(network, officer, "Open", region="South", sector="primary_care")
    open_cycle(organisation, framework, leads)

    # Joined, nothing for this period: an older period's cycle and another framework's count
    # for nothing.
    organisation, leads = member(network, officer, "Not started", region="North")
    signed_off_cycle(
        organisation, framework, "2024/25", management=leads[0], staff=leads[1], answers=ANSWERS
    )
    other = rated_framework(slug="other-framework")
    management_signs_off(open_cycle(organisation, other, leads), leads[0])

    # Invited (one lead accepted), with a one-sided cycle: listed, never counted.
    invited = OrganisationFactory(name="Invited", region="North")
    leads = leads_of(invited)
    membership = network_services.invite(network, invited, user=officer)
    network_services.accept(membership.pk, user=leads[0], sharing="summary")
    management_signs_off(open_cycle(invited, framework, leads), leads[0])

    # Not a member at all, with a one-sided cycle.
    outsider = OrganisationFactory(name="Outsider", region="North")
    leads = leads_of(outsider)
    management_signs_off(open_cycle(outsider, framework, leads), leads[0])

    assert SignOff.objects.filter(voided_at__isnull=False).count() == 2
    return {"One side": one_side}


def direct_status(organisation, slug=None, period=PERIOD):
    """An organisation's status read straight from its assessment and active sign-offs."""
    assessment = Assessment.objects.filter(
        organisation=organisation, framework__slug=slug or "iwl-test", period=period
    ).first()
    if assessment is None:
        return Coverage.NOT_STARTED
    if assessment.status == Assessment.Status.SIGNED_OFF:
        return Coverage.SIGNED_OFF
    active = assessment.sign_offs.filter(voided_at__isnull=True).count()
    return Coverage.ONE_SIDED if active else Coverage.IN_PROGRESS


def check_against_a_direct_reading(report):
    joined = [row for row in report.rows if not row.invited]
    assert {row.organisation.name: row.status for row in joined} == {
        row.organisation.name: direct_status(row.organisation) for row in joined
    }
    counted = Counter(row.status for row in joined)
    assert {
        status: cell.value for status, cell in report.counts.items() if status != "overdue"
    } == {
        status: counted[status]
        for status in (
            Coverage.NOT_STARTED,
            Coverage.IN_PROGRESS,
            Coverage.ONE_SIDED,
            Coverage.SIGNED_OFF,
        )
    }
    assert report.total.value == len(joined)


def test_every_status_equals_a_direct_reading(network, world):
    report = queries.coverage(network, "iwl-test", PERIOD, today=datetime.date(2026, 1, 1))
    check_against_a_direct_reading(report)
    statuses = {row.organisation.name: row.status for row in report.rows}
    assert statuses == {
        "Signed": Coverage.SIGNED_OFF,
        "One side": Coverage.ONE_SIDED,
        "Voided": Coverage.IN_PROGRESS,
        "Signed again": Coverage.ONE_SIDED,
        "Open": Coverage.IN_PROGRESS,
        "Not started": Coverage.NOT_STARTED,
        "Invited": Coverage.NOT_STARTED,
    }
    assert report.invited == 1
    assert report.counts[Coverage.OVERDUE].value == 0
    assert not any(row.overdue for row in report.rows)


def test_after_the_period_everything_not_signed_off_is_overdue(network, world):
    report = queries.coverage(network, "iwl-test", PERIOD, today=datetime.date(2026, 4, 1))
    assert report.counts[Coverage.OVERDUE].value == 5
    assert {row.organisation.name for row in report.rows if row.overdue} == {
        "One side", "Voided", "Signed again", "Open", "Not started",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        (queries.Filters(region="North"), {"Signed", "One side", "Not started"}),
        (queries.Filters(region="South"), {"Voided", "Signed again", "Open"}),
        (queries.Filters(sector="primary_care"), {"Open"}),
    ],
)
def test_filters_count_only_the_members_they_keep(network, world, filters, names):
    report = queries.coverage(network, "iwl-test", PERIOD, filters)
    assert {row.organisation.name for row in report.rows if not row.invited} == names
    check_against_a_direct_reading(report)


def test_a_page_of_rows_keeps_every_count(network, world):
    report = queries.coverage(network, "iwl-test", PERIOD, limit=2)
    assert len(report.rows) == 2 and report.more == 5
    assert report.total.value == 6
    assert report.counts[Coverage.ONE_SIDED].value == 2


def test_a_second_version_signed_off_decides(network, world):
    """Two versions of the framework started for one period: a signed-off one wins, in the
    rows and in the counts, and the organisation is counted once."""
    organisation, leads = world["One side"]
    newer = rated_framework(version="2")
    signed_off_cycle(
        organisation, newer, PERIOD, management=leads[0], staff=leads[1], answers=ANSWERS
    )
    report = queries.coverage(network, "iwl-test", PERIOD)
    statuses = {row.organisation.name: row.status for row in report.rows}
    assert statuses["One side"] == Coverage.SIGNED_OFF
    assert report.total.value == 6
    assert report.counts[Coverage.SIGNED_OFF].value == 2
    assert report.counts[Coverage.ONE_SIDED].value == 1
