"""The accessibility statement, the error pages, the success banner and the <time> tag."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse

from assessments.demo import seed_demo
from partnership.models import User

STATEMENT_URL = reverse("accessibility")


def test_the_statement_is_public_and_in_the_nhs_uk_format(client, db):
    page = client.get(STATEMENT_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Accessibility statement – IWL partnership self-assessment</title>" in html
    for heading in (
        "Using this service",
        "How accessible this service is",
        "Feedback and contact information",
        "Enforcement procedure",
        "Technical information about this service's accessibility",
        "Compliance status",
        "Non-accessible content",
        "How we tested this service",
        "Preparation of this accessibility statement",
    ):
        assert f">{heading}</h" in html, heading


@pytest.mark.parametrize("url", [reverse("login"), STATEMENT_URL])
def test_every_page_links_to_the_statement_from_the_footer(client, db, url):
    html = client.get(url).content.decode()
    footer = html[html.index("<footer") :]
    assert f'href="{STATEMENT_URL}">Accessibility statement</a>' in footer


def test_signed_in_pages_link_to_the_statement_too(hr_lead_client):
    html = hr_lead_client.get(reverse("assessments:home")).content.decode()
    assert f'href="{STATEMENT_URL}">Accessibility statement</a>' in html


def test_an_unknown_address_gets_the_service_s_own_404_page(hr_lead_client):
    page = hr_lead_client.get("/no-such-page/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "<title>Page not found – IWL partnership self-assessment</title>" in html
    assert '<main class="nhsuk-main-wrapper" id="maincontent">' in html


def test_a_read_only_member_gets_the_service_s_own_403_page(viewer_client):
    page = viewer_client.get(reverse("assessments:start"))
    assert page.status_code == 403
    assert "<title>You cannot do this – IWL" in page.content.decode()


def _render(source, **context):
    return Template("{% load dates %}" + source).render(Context(context))


@override_settings(TIME_ZONE="Europe/London")
def test_timestamp_is_valid_html_whole_seconds_in_local_time():
    moment = datetime.datetime(2026, 7, 1, 13, 5, 9, 123456, tzinfo=datetime.UTC)
    assert _render("{% timestamp moment %}", moment=moment) == (
        '<time datetime="2026-07-01T14:05:09+01:00">1 July 2026 at 14:05</time>'
    )
    assert _render("{{ moment|machine_datetime }}", moment=moment) == "2026-07-01T14:05:09+01:00"


def test_timestamp_of_nothing_is_nothing():
    assert _render("{% timestamp moment %}|{{ moment|machine_datetime }}", moment=None) == "|"


def test_timestamp_keeps_a_naive_time_as_it_is():
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5, 999999)
    assert _render("{{ moment|machine_datetime }}", moment=moment) == "2026-01-02T03:04:05"


def test_a_success_message_is_a_focusable_alert_banner():
    from django.contrib.messages import SUCCESS

    html = (
        Template("{% include 'components/messages.html' %}")
        .render(Context({"messages": [_Message("Saved", SUCCESS, "success")]}))
        .replace("\n", " ")
    )
    assert 'role="alert"' in html and 'tabindex="-1"' in html and "autofocus" in html
    assert 'data-module="nhsuk-notification-banner"' in html
    assert "nhsuk-notification-banner--success" in html and "Saved" in html


class _Message:
    def __init__(self, text, level, level_tag):
        self.text, self.level, self.level_tag = text, level, level_tag

    def __str__(self):
        return self.text


def test_every_demo_account_is_in_the_sign_ins_the_checks_crawl_as(settings, tmp_path, db):
    # tests/a11y crawls as each sign-in seed_demo returns (and prints): a demo account left out
    # of that list would never be checked.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    sign_ins = seed_demo()
    # Accounts nobody signs in as (forum members and case study authors) have no password.
    can_sign_in = {u.email for u in User.objects.all() if u.has_usable_password()}
    assert {s.email for s in sign_ins} == can_sign_in
    assert len(sign_ins) >= 6
    output = io.StringIO()
    settings.DEBUG = True
    call_command("seed_demo", stdout=output)
    for sign_in in sign_ins:
        assert sign_in.email in output.getvalue()
