"""Twenty people saving criteria at the same moment on a file SQLite database, as under
``make run``. Run by test_sqlite_concurrency.py in its own process (the test suite's SQLite
database lives in memory, which threads cannot share): ``python -m
tests.assessments.sqlite_saves DB_PATH``. Prints one JSON line: each save's HTTP status and
what landed."""

import json
import os
import sys
import threading

SAVES = 20


def main(db_path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "iwl.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from assessments.services import start_assessment
    from partnership.models import Membership
    from tests.assessments.test_checklist_views import build_framework, form_data
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    setup_test_environment()
    call_command("migrate", verbosity=0)
    organisation = OrganisationFactory(ods_code="Z9A")
    people = [UserFactory() for _ in range(SAVES)]
    for person in people:
        MembershipFactory(
            user=person,
            organisation=organisation,
            side=Membership.Side.MANAGEMENT,
            role=Membership.Role.CONTRIBUTOR,
        )
    assessment = start_assessment(
        organisation=organisation,
        framework=build_framework(standards=4, criteria_per_standard=5),
        period="2026/27",
        title="Our IWL",
        user=people[0],
    )
    responses = list(assessment.responses.order_by("pk"))
    clients = []
    for person in people:
        client = Client(raise_request_exception=False)
        client.force_login(person)
        clients.append(client)
    connection.close()

    statuses = [None] * SAVES
    start = threading.Barrier(SAVES)

    def save(n):
        response = responses[n]
        url = reverse("assessments:criterion", args=[assessment.pk, response.pk])
        data = form_data(response, rating=2, narrative=f"Saved by person {n}")
        try:
            start.wait(30)
            statuses[n] = clients[n].post(url, data).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(SAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    landed = {
        str(r.pk): [r.version, r.narrative]
        for r in assessment.responses.filter(pk__in=[r.pk for r in responses])
    }
    expected = {str(r.pk): [2, f"Saved by person {n}"] for n, r in enumerate(responses)}
    journal = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    print(
        json.dumps(
            {
                "statuses": statuses,
                "lost": sorted(
                    set(expected) - {pk for pk, value in landed.items() if value == expected[pk]}
                ),
                "journal_mode": journal,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
