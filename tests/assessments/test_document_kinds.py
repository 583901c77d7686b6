"""Every kind of document registered with partnership.documents, through its own download
address: the first request answers "preparing" (202), a worker renders it, the second serves
the file, a third serves it again without rendering, a change to what it shows makes a new key,
and the download and the waiting page's status refuse exactly as the pages around them do."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Framework
from assessments.services import add_comment
from partnership.documents import registry
from partnership.documents.models import Document
from partnership.facility_time.models import EmployerInputs
from partnership.forums import services as forum_services
from tests.assessments import (
    case_study_helpers,
    survey_helpers,
    test_case_study_views,
    test_crosswalk_views,
    test_reports,
    test_survey_views,
)
from tests.networks import conftest as network_fixtures
from tests.networks import test_network_views
from tests.networks.conftest import make_member
from tests.partnership import test_machinery_views

pytestmark = pytest.mark.django_db

# The fixtures of the tests of each download, under names of their own here.
small = test_reports.small
network = network_fixtures.network
other_network = network_fixtures.other_network
officer = network_fixtures.officer
framework = network_fixtures.framework
network_world = test_network_views.world
gap = case_study_helpers.gap
case_study = case_study_helpers.case_study
anonymous = test_case_study_views.anonymous
guide_frameworks = test_crosswalk_views.guide_frameworks
survey_framework_fixture = survey_helpers.survey_framework_fixture
open_survey = test_survey_views.open_survey
closed_survey = test_survey_views.closed_survey
people = test_machinery_views.people
forum_world = test_machinery_views.world

ANONYMOUS = None


@dataclass
class Scenario:
    member: object  # who asks
    url: str
    change: Callable[[], None]  # changes what the document shows
    refused: list = field(default_factory=list)  # (user or ANONYMOUS, status of the download)


def _assessment_kind(request, name):
    assessment = request.getfixturevalue("small")
    hr_lead = request.getfixturevalue("hr_lead")
    url_name = {
        "scored": "report_pdf",
        "board": "board_report_pdf",
        "actions": "action_plan_pdf",
        "responses_xlsx": "export_xlsx",
        "actions_xlsx": "action_plan_xlsx",
    }[name]
    response = assessment.responses.order_by("criterion__ref").first()
    return Scenario(
        member=request.getfixturevalue("viewer"),
        url=reverse(f"assessments:{url_name}", args=[assessment.pk]),
        change=lambda: add_comment(response.pk, user=hr_lead, body="Reviewed again."),
        refused=[(request.getfixturevalue("outsider"), 404)],
    )


def _network_kind(request, name):
    world = request.getfixturevalue("network_world")
    net = request.getfixturevalue("network")
    people = world["people"]
    url_name = {
        "network-audit": "network_audit_pdf",
        "network-coverage-csv": "network_coverage_csv",
        "network-coverage-xlsx": "network_coverage_xlsx",
        "network-gaps-csv": "network_gaps_csv",
        "network-gaps-xlsx": "network_gaps_xlsx",
    }[name]

    def change():
        make_member(
            net,
            request.getfixturevalue("officer"),
            request.getfixturevalue("framework"),
            name="Third Trust",
            ratings=(0, 0, 2),
        )

    return Scenario(
        member=people["viewer_management"],
        url=reverse(f"assessments:{url_name}", args=[net.slug]),
        change=change,
        refused=[(people[who], 404) for who in ("outsider", "other_network_lead", "org_lead")],
    )


def _case_study(request, name):
    draft = request.getfixturevalue("case_study")

    def change():
        draft.title = "Rotas agreed with both sides"
        draft.save()

    return Scenario(
        member=request.getfixturevalue("viewer"),
        url=reverse("casestudies:pdf", args=[draft.pk]),
        change=change,
        refused=[(request.getfixturevalue("outsider"), 404), (ANONYMOUS, 302)],
    )


def _case_studies(request, name):
    published = request.getfixturevalue("anonymous")

    def change():
        published.title = "Rotas agreed with both sides"
        published.save()

    return Scenario(
        member=request.getfixturevalue("outsider"),  # the library is for everyone signed in
        url=reverse("casestudies:collection_pdf"),
        change=change,
        refused=[(ANONYMOUS, 302)],
    )


def _guide(request, name):
    request.getfixturevalue("guide_frameworks")

    def change():
        Framework.objects.filter(slug="staff-governance-standard").update(
            title="Staff Governance Standard, fifth edition"
        )

    return Scenario(
        member=request.getfixturevalue("viewer"),
        url=reverse("assessments:guide_pdf"),
        change=change,
        refused=[(ANONYMOUS, 302)],
    )


def _survey(request, name):
    survey_round = request.getfixturevalue("closed_survey")
    organisation = request.getfixturevalue("organisation")

    def change():
        organisation.name = "Northshire Community Health NHS Trust"
        organisation.save()

    return Scenario(
        member=request.getfixturevalue("viewer"),
        url=reverse("assessments:survey_results_pdf", args=[survey_round.pk]),
        change=change,
        refused=[(request.getfixturevalue("outsider"), 404)],
    )


def _forum(request, name):
    world = request.getfixturevalue("forum_world")
    meeting = world["meeting"]
    staff_rep = request.getfixturevalue("staff_rep")

    def change():
        if name == "forum-agenda":
            forum_services.add_agenda_item(meeting, title="Car parking", lead_side="staff_side")
        else:
            meeting.refresh_from_db()
            forum_services.save_minutes(
                meeting,
                text="Minutes as agreed",
                user=staff_rep,
                side="staff_side",
                version=meeting.minutes_version,
            )

    part = name.removeprefix("forum-")
    return Scenario(
        member=request.getfixturevalue("viewer"),
        url=reverse(f"forums:{part}_pdf", args=[meeting.pk]),
        change=change,
        refused=[(request.getfixturevalue("outsider"), 404)],
    )


def _facility_time(request, name):
    request.getfixturevalue("forum_world")
    organisation = request.getfixturevalue("organisation")

    def change():
        EmployerInputs.objects.filter(organisation=organisation).update(pay_bill=2 * 10**7)

    return Scenario(
        member=request.getfixturevalue("viewer"),
        url=reverse("facility_time:pdf", args=[organisation.pk, "2025-26"]),
        change=change,
        refused=[(request.getfixturevalue("outsider"), 404)],
    )


SCENARIOS = {
    **dict.fromkeys(
        ("scored", "board", "actions", "responses_xlsx", "actions_xlsx"), _assessment_kind
    ),
    **dict.fromkeys(
        (
            "network-audit",
            "network-coverage-csv",
            "network-coverage-xlsx",
            "network-gaps-csv",
            "network-gaps-xlsx",
        ),
        _network_kind,
    ),
    "case-study": _case_study,
    "case-studies": _case_studies,
    "four-country-guide": _guide,
    "survey-results": _survey,
    "forum-agenda": _forum,
    "forum-minutes": _forum,
    "facility-time-return": _facility_time,
}


def test_every_registered_kind_is_tested_here():
    assert set(SCENARIOS) == set(registry.KINDS)


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_kind_is_rendered_once_on_the_queue(request, name, run_tasks, monkeypatch):
    scenario = SCENARIOS[name](request, name)
    kind = registry.get(name)
    writes = []

    def write(material, original=kind.write):
        writes.append(name)
        return original(material)

    monkeypatch.setitem(registry.KINDS, name, replace(kind, write=write))
    client = _client(scenario.member)

    first = client.get(scenario.url)
    assert first.status_code == 202
    assert f"Preparing your {kind.label}" in first.content.decode()
    document = Document.objects.get(kind=name)
    assert writes == []

    run_tasks()
    second = client.get(scenario.url)
    assert second.status_code == 200
    assert second["Content-Type"] == kind.content_type
    assert second["Content-Disposition"].endswith(f'.{kind.extension}"')
    body = _content(second)
    assert body
    if kind.content_type == registry.PDF:
        assert body.startswith(b"%PDF-")

    third = client.get(scenario.url)
    assert third.status_code == 200
    assert _content(third) == body
    assert writes == [name]  # rendered once

    scenario.change()
    assert client.get(scenario.url).status_code == 202
    newer = Document.objects.exclude(key=document.key).get(kind=name)
    run_tasks()
    assert client.get(scenario.url).status_code == 200
    assert writes == [name, name]
    assert not Document.objects.filter(pk=document.pk).exists()  # replaced, file and all
    document = newer

    status_url = reverse("documents:status", args=[document.pk])
    retry_url = reverse("documents:retry", args=[document.pk])
    assert client.get(status_url).status_code == 200
    for user, status in scenario.refused:
        refused = _client(user)
        assert refused.get(scenario.url).status_code == status
        # The waiting page's status and "try again" refuse as the download does.
        assert refused.get(status_url).status_code == status
        assert refused.post(retry_url).status_code == status
