"""Every page kind, as every demo role, through checkers nobody here wrote.

The demo is seeded into the live server's database and crawled (tests/a11y/crawl.py); then the
Nu Html Checker reads every saved page in one run, axe-core has run in chromium on each page,
and every report PDF the crawl found goes through the ``pdfua`` checker and ``pdftotext``.
Run alone with ``pytest -m a11y``; set A11Y_SUMMARY to a file name to keep the figures.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pdfua
import pytest
from django.test import override_settings

from assessments.demo import DEMO_PASSWORD, seed_demo
from assessments.models import Assessment
from assessments.reports.pdf import RENDERERS
from tests.a11y.crawl import ANONYMOUS, Crawler, repeated_titles, summary, write_pages

pytestmark = [pytest.mark.a11y, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
JAVA = shutil.which("java") or "/usr/bin/java"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ALLOWED = json.loads((Path(__file__).with_name("axe_allowlist.json")).read_text())["allowed"]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, live_server, browser, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with django_db_blocker.unblock(), override_settings(STORAGES=storages):
        # The printed demo sign-ins are the roles: a person added to the demo is crawled too.
        roles = [(ANONYMOUS, None)] + [(s.email, s.email) for s in seed_demo()]
        crawl = Crawler(browser, live_server).run(roles, DEMO_PASSWORD)
        # The crawl downloads the PDFs of the first assessment it meets; render every kind of
        # every demo assessment as well, as the batch command does.
        for assessment in Assessment.objects.select_related("organisation", "framework"):
            for kind, render in sorted(RENDERERS.items()):
                crawl.pdfs[f"{kind} {assessment.period} {assessment.pk}"] = render(assessment)
    folder = tmp_path_factory.mktemp("pages")
    return crawl, write_pages(crawl.pages, folder), folder


@pytest.fixture(scope="module")
def nu_messages(site):
    _, by_file, folder = site
    result = subprocess.run(  # noqa: S603
        [JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *sorted(by_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr)["messages"]
    assert len({m["url"] for m in messages if m["type"] == "non-document-error"}) == 0, messages
    # The checker names each file "file:/path".
    return [{**m, "path": m["url"].removeprefix("file:")} for m in messages if m["type"] == "error"]


def test_crawl_reaches_every_role_and_the_main_page_kinds(site):
    crawl, _, _ = site
    roles = {page.role for page in crawl.pages}
    assert ANONYMOUS in roles and len(roles) >= 7
    kinds = {page.kind for page in crawl.pages}
    for kind in (
        "login",
        "assessments:home",
        "assessments:criterion",
        "assessments:report",
        "assessments:board_report",
        "assessments:action_plan",
        "assessments:history",
    ):
        assert kind in kinds
    assert any(kind.endswith("(empty)") for kind in kinds), "no form error page was checked"
    assert all(page.status < 500 for page in crawl.pages)


def test_nu_html_checker_finds_no_errors(site, nu_messages):
    _, by_file, _ = site
    problems = [
        f"{by_file[m['path']].role} {by_file[m['path']].kind} line {m.get('lastLine')}: {m['message']}"
        for m in nu_messages
    ]
    assert not problems, "\n".join(problems[:50]) + f"\n({len(problems)} errors)"


def test_axe_finds_no_serious_violations_and_only_allowed_moderate_ones(site):
    crawl, _, _ = site
    problems = [
        f"{page.role} {page.kind}: {v['id']} ({v['impact']}) {v['help']} {v['targets']}"
        for page in crawl.pages
        for v in page.violations
        if v["impact"] in BLOCKING_IMPACTS or v["id"] not in ALLOWED
    ]
    assert not problems, "\n".join(problems[:50]) + f"\n({len(problems)} violations)"


def test_page_titles_say_what_is_on_the_page(site):
    crawl, _, _ = site
    repeated = repeated_titles(crawl.pages)
    assert not repeated, repeated


@pytest.fixture(scope="module")
def pdf_reports(site, tmp_path_factory):
    """Each report PDF the crawl found, saved, with the pdfua checker's findings."""
    crawl, _, _ = site
    folder = tmp_path_factory.mktemp("pdfs")
    reports = {}
    for number, (url, content) in enumerate(sorted(crawl.pdfs.items())):
        path = folder / f"{number:02d}.pdf"
        path.write_bytes(content)
        reports[url] = (path, pdfua.validate(str(path)))
    return reports


def test_the_crawl_found_every_kind_of_report_pdf(pdf_reports):
    names = {urlsplit(url).path.rsplit("/", 1)[-1] for url in pdf_reports if "://" in url}
    assert {"report.pdf", "board-report.pdf", "action-plan.pdf"} <= names


def test_pdfua_finds_nothing_in_any_report(pdf_reports):
    problems = [
        f"{url}: {finding.rule_id} {finding.severity.name} {finding.message}"
        for url, (_, report) in pdf_reports.items()
        for finding in report.findings
    ]
    assert not problems, "\n".join(problems[:50]) + f"\n({len(problems)} findings)"


def test_summary(site, nu_messages, pdf_reports):
    crawl, _, _ = site
    findings = [f for _, report in pdf_reports.values() for f in report.findings]
    figures = summary(crawl, nu_messages, findings)
    print(figures)
    if os.environ.get("A11Y_SUMMARY"):
        Path(os.environ["A11Y_SUMMARY"]).write_text(figures)
