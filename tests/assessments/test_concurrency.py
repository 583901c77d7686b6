"""A management edit racing a staff-side signature, on two real database connections.

Whatever the interleaving, a criterion is never "agreed" over two different versions.
PostgreSQL only: row locks (SELECT ... FOR UPDATE) are what make this hold, and SQLite
locks the whole database instead.
"""

import contextlib
import threading

import pytest
from django.db import connection, transaction

from assessments.models import Response, Signature
from assessments.services import (
    NotAllowed,
    save_response,
    staff_side_sign,
    start_assessment,
    submit_response,
)
from tests.assessments.test_services import BLANK, make_framework

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.fixture
def submitted(organisation, hr_lead):
    assessment = start_assessment(
        organisation=organisation,
        framework=make_framework(refs=("A1",)),
        period="2026/27",
        title="t",
        user=hr_lead,
    )
    response = assessment.responses.get()
    save_response(response.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
    submit_response(response.pk, user=hr_lead)
    return Response.objects.get(pk=response.pk)


def in_thread(target):
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def assert_never_agreed_over_two_versions(response_id):
    response = Response.objects.get(pk=response_id)
    active = Signature.objects.filter(response_id=response_id, voided_at__isnull=True)
    if response.is_agreed:
        versions = {s.response_version for s in active}
        assert versions == {response.version}, versions
        assert {s.side for s in active} == {"management", "staff_side"}
    return response


def read_first(response_id, read):
    """The response as the view's access helper reads it before the save, or None (the save
    reads it)."""
    return Response.objects.select_related("assessment").get(pk=response_id) if read else None


# Each race twice: the save reading the row itself, and the save building on the view's read.
both_ways = pytest.mark.parametrize("read", [False, True], ids=["service-read", "view-read"])


@both_ways
def test_edit_that_commits_first_makes_the_signature_refused(submitted, hr_lead, staff_rep, read):
    locked, finish = threading.Event(), threading.Event()
    outcome = []

    def management_edit():
        current = read_first(submitted.pk, read)
        with transaction.atomic():
            save_response(
                submitted.pk,
                data={**BLANK, "rating": 2, "narrative": "Edited"},
                expected_version=2,
                user=hr_lead,
                current=current,
            )
            locked.set()
            finish.wait(10)

    def staff_sign():
        locked.wait(10)
        try:
            staff_side_sign(submitted.pk, user=staff_rep, decision="agreed")
            outcome.append("signed")
        except NotAllowed:
            outcome.append("refused")

    threads = [in_thread(management_edit), in_thread(staff_sign)]
    locked.wait(10)
    finish.set()
    for thread in threads:
        thread.join(20)
    assert outcome == ["refused"]
    response = assert_never_agreed_over_two_versions(submitted.pk)
    assert response.state == Response.State.DRAFT


@both_ways
def test_signature_that_commits_first_is_voided_by_the_edit(submitted, hr_lead, staff_rep, read):
    locked, finish = threading.Event(), threading.Event()
    # Read before the staff side signs: the save then waits for their row lock and still voids.
    current = read_first(submitted.pk, read)

    def staff_sign():
        with transaction.atomic():
            staff_side_sign(submitted.pk, user=staff_rep, decision="agreed")
            locked.set()
            finish.wait(10)

    def management_edit():
        locked.wait(10)
        save_response(
            submitted.pk,
            data={**BLANK, "rating": 2, "narrative": "Edited"},
            expected_version=2,
            user=hr_lead,
            current=current,
        )

    threads = [in_thread(staff_sign), in_thread(management_edit)]
    locked.wait(10)
    finish.set()
    for thread in threads:
        thread.join(20)
    response = assert_never_agreed_over_two_versions(submitted.pk)
    assert response.state == Response.State.DRAFT
    assert not Signature.objects.filter(response=response, voided_at__isnull=True).exists()


def test_free_running_races_keep_the_invariant(organisation, hr_lead, staff_rep):
    for round_number in range(8):
        assessment = start_assessment(
            organisation=organisation,
            framework=make_framework(refs=("A1",), slug=f"race-{round_number}"),
            period="2026/27",
            title="t",
            user=hr_lead,
        )
        response = assessment.responses.get()
        save_response(response.pk, data={**BLANK, "rating": 2}, expected_version=1, user=hr_lead)
        submit_response(response.pk, user=hr_lead)
        start = threading.Barrier(2)

        def edit(response_id=response.pk, n=round_number, start=start):
            current = read_first(response_id, n % 2)  # every other round, as the view does
            start.wait(10)
            save_response(
                response_id,
                data={**BLANK, "rating": 2, "narrative": f"edit {n}"},
                expected_version=2,
                user=hr_lead,
                current=current,
            )

        def sign(response_id=response.pk, start=start):
            start.wait(10)
            with contextlib.suppress(NotAllowed):
                staff_side_sign(response_id, user=staff_rep, decision="agreed")

        threads = [in_thread(edit), in_thread(sign)]
        for thread in threads:
            thread.join(20)
        assert_never_agreed_over_two_versions(response.pk)
