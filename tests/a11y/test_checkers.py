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

import pdfua
import pikepdf
import pytest
from django.test import override_settings

from assessments import demo
from assessments.demo import DEMO_PASSWORD, seed_demo
from assessments.models import Assessment
from assessments.reports.pdf import RENDERERS
from tests.a11y.crawl import (
    ANONYMOUS,
    RENDERED_BY_THE_TEST,
    Crawler,
    repeated_titles,
    summary,
    write_pages,
)

pytestmark = [pytest.mark.a11y, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
JAVA = shutil.which("java") or "/usr/bin/java"
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
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
        # Every kind of report of Northshire's two assessments (a signed-off one and one in
        # progress), as the batch command renders them.
        northshire = Assessment.objects.filter(organisation__ods_code="Z9A")
        for assessment in northshire.select_related("organisation", "framework"):
            for kind, render in sorted(RENDERERS.items()):
                crawl.pdfs[f"{kind} {assessment.period}"] = render(assessment)
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
    # Every printed demo sign-in (network, country boards and surveys included) and the
    # signed-out visitor reached pages of their own.
    assert {page.role for page in crawl.pages} == set(crawl.roles)
    assert ANONYMOUS in crawl.roles and len(crawl.roles) >= 7
    kinds = {page.kind for page in crawl.pages}
    for kind in (
        "login",
        "assessments:home",
        "assessments:criterion",
        "assessments:report",
        "assessments:board_report",
        "assessments:action_plan",
        "assessments:history",
        "assessments:network",
        "assessments:guide",
        "assessments:surveys",
        "casestudies:library",
        "forums:forum",
        "forums:meeting",
        "facility_time:return",
        "documents:waiting",  # a PDF being prepared on the task queue
    ):
        assert kind in kinds, kind
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
        if not content:
            continue  # not a PDF: reported by the test above
        path = folder / f"{number:02d}.pdf"
        path.write_bytes(content)
        reports[url] = (path, pdfua.validate(str(path)))
    return reports


def test_every_kind_of_pdf_the_site_links_to_is_checked_here(site, pdf_reports):
    crawl, _, _ = site
    # The assessment reports are rendered by the test (RENDERERS, as render_report does); every
    # other kind of PDF link the crawl found was downloaded, and must have been a PDF.
    assert crawl.pdf_links >= RENDERED_BY_THE_TEST, crawl.pdf_links
    assert len(RENDERERS) == len(RENDERED_BY_THE_TEST)
    downloaded = {name: content for name, content in crawl.pdfs.items() if ":" in name}
    assert set(downloaded) == crawl.pdf_links - RENDERED_BY_THE_TEST
    assert all(content.startswith(b"%PDF-") for content in downloaded.values()), [
        name for name, content in downloaded.items() if not content.startswith(b"%PDF-")
    ]
    rendered = [name for name in crawl.pdfs if ":" not in name]
    assert len(rendered) == len(RENDERERS) * 2  # Northshire's two assessments
    assert len(pdf_reports) == len(rendered) + len(downloaded)


def test_pdfua_finds_nothing_in_any_report(pdf_reports):
    problems = [
        f"{url}: {finding.rule_id} {finding.severity.name} {finding.message}"
        for url, (_, report) in pdf_reports.items()
        for finding in report.findings
    ]
    assert not problems, "\n".join(problems[:50]) + f"\n({len(problems)} findings)"


def test_every_report_is_tagged_titled_in_english_and_declares_pdf_ua(pdf_reports):
    for url, (path, _) in pdf_reports.items():
        with pikepdf.open(path) as pdf:
            assert pdf.Root.MarkInfo.Marked, url
            assert str(pdf.Root.Lang) == "en-GB", url
            assert pdf.Root.ViewerPreferences.DisplayDocTitle, url
            assert "/StructTreeRoot" in pdf.Root, url
            metadata = pdf.open_metadata()
            assert metadata.get("pdfuaid:part") == "1", url
            assert metadata.get("dc:title"), url
            assert str(pdf.docinfo.Title).strip(), url
            assert not _empty_headings(pdf.Root.StructTreeRoot), url


def _empty_headings(node) -> list:
    """Headings with no content (pdfua's own check, UA-14-001, cannot read WeasyPrint's
    structure tree: it reports the rule as skipped)."""
    found = []
    if isinstance(node, pikepdf.Dictionary):
        kids = node.get("/K")
        if str(node.get("/S", "")) in {f"/H{level}" for level in range(1, 7)} and not kids:
            found.append(node)
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids else []:
            found += _empty_headings(kid)
    return found


# What a person reads in each demo report of 2025/26, in order: pdftotext must give the same
# order (no hidden text mixed in, no columns run together).
READING_ORDER = {
    "scored 2025/26": [
        "Scored report",
        "Improving Working Lives self-assessment 2025/26",
        "HR4 HR policies are drawn up with staff side representatives, agreed with them, and "
        "reviewed together to a published timetable.",
        # The next criterion: HR4 read whole in the criteria table, not only in the gaps.
        "HR5 Line managers are trained and supported to apply HR policies fairly and consistently.",
        "Joint statement and sign-off",
        demo.STAFF_STATEMENT_2025[:60],
    ],
    "board 2025/26": [
        "Board report",
        "Improving Working Lives self-assessment 2025/26",
        "Scores by side",
        "Largest gaps",
        "HW2 Violence and aggression towards staff are not tolerated",
        demo.GAPS_2025["HW2"][1],
        "Joint statement and sign-off",
        demo.JOINT_STATEMENT_2025[:60],
    ],
    "actions 2025/26": [
        "Joint action plan",
        "Improving Working Lives self-assessment 2025/26",
        "HR4 HR policies are drawn up with staff side",
        demo.GAPS_2025["HR4"][1],
        demo.ACTIONS_2025[-1][1],  # the action for the last gap, in the gaps table
        demo.ACTIONS_2025[-1][4][0][1][:21],  # its progress note, in the actions table
        "Signed by Helen Roberts",
    ],
}


def _missing_in_order(text: str, phrases: list[str]) -> str | None:
    position = 0
    for phrase in phrases:
        found = text.find(phrase, position)
        if found < 0:
            return phrase
        position = found + len(phrase)
    return None


@pytest.mark.parametrize("name", sorted(READING_ORDER))
def test_pdftotext_reads_each_report_in_the_order_a_person_does(pdf_reports, name):
    path, _ = pdf_reports[name]
    result = subprocess.run(  # noqa: S603
        [PDFTOTEXT, str(path), "-"], capture_output=True, text=True, check=True
    )
    text = " ".join(result.stdout.split())
    missing = _missing_in_order(text, READING_ORDER[name])
    assert missing is None, f"{name}: {missing!r} is missing or out of order in:\n{text[:3000]}"


def test_summary(site, nu_messages, pdf_reports):
    crawl, _, _ = site
    findings = [f for _, report in pdf_reports.values() for f in report.findings]
    figures = summary(crawl, nu_messages, findings)
    print(figures)
    if os.environ.get("A11Y_SUMMARY"):
        Path(os.environ["A11Y_SUMMARY"]).write_text(figures)
