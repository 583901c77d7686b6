"""Failed sign-ins racing each other, on real database connections: each is counted, and no
more passwords are checked than the limit allows. PostgreSQL only: SQLite in tests is one
in-memory database that threads cannot share."""

import threading

import pytest
from django.db import connection
from django.test import RequestFactory

from partnership.forms import SignInForm
from partnership.models import ThrottleEntry
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections"),
]

ATTEMPTS = 12


def race(target, count):
    start = threading.Barrier(count)

    def run():
        try:
            start.wait(10)
            target()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


def attempt_from(email, client="10.0.0.1"):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=client)
    form = SignInForm(request, data={"username": email, "password": "wrong-password"})
    assert not form.is_valid()
    return form


@pytest.fixture
def checked(monkeypatch):
    """The addresses whose passwords were checked (all of them wrong)."""
    addresses = []

    def wrong_password(request=None, **credentials):
        addresses.append(credentials["username"])

    monkeypatch.setattr("django.contrib.auth.forms.authenticate", wrong_password)
    return addresses


def test_failures_at_once_are_each_counted_and_checked_no_more_than_the_limit(settings, checked):
    settings.LOGIN_FAILURE_LIMIT = 5
    UserFactory(email="hr.lead@z9a.example")

    race(lambda: attempt_from("hr.lead@z9a.example"), ATTEMPTS)

    # Attempts refused in the crowd are not counted; every password checked is a failure.
    assert len(checked) <= settings.LOGIN_FAILURE_LIMIT
    assert ThrottleEntry.objects.filter(failed=True).count() == len(checked)
    assert not ThrottleEntry.objects.filter(failed=False).exists()
    # One at a time, the rest of the allowance is used up, and not one password more.
    for _ in range(ATTEMPTS):
        attempt_from("hr.lead@z9a.example")
    assert len(checked) == settings.LOGIN_FAILURE_LIMIT
    assert attempt_from("hr.lead@z9a.example").throttled


def test_look_alike_failures_at_once_count_against_one_address(settings, checked):
    settings.LOGIN_FAILURE_LIMIT = 4
    spellings = iter(["STAFF.REP@z9a.example", "\u017ftaff.rep@z9a.example"] * ATTEMPTS)
    lock = threading.Lock()

    def attempt():
        with lock:
            email = next(spellings)
        attempt_from(email)

    race(attempt, ATTEMPTS)
    for _ in range(ATTEMPTS):
        attempt()

    assert len(checked) == settings.LOGIN_FAILURE_LIMIT
    assert ThrottleEntry.objects.values("address").distinct().count() == 1
    assert attempt_from("staff.rep@z9a.example").throttled
