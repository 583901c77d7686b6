"""Crawl the site as a person would: sign in as each demo role and follow links.

Each page kind (Django URL pattern name and the names of its query parameters) is visited once
per role, so a new page is checked as soon as some page links to it, and a long list of
criteria costs one visit, not hundreds. Only GET links are followed; forms are submitted
empty, after the crawl, so that their error pages are checked too without changing what the
crawl saw (an empty form that succeeds is not followed).
"""

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404, resolve

from tests.conftest import run_queued_tasks
from tests.e2e.conftest import AXE_SOURCE, sign_in

ANONYMOUS = "anonymous"
# Not ours to check (Django's admin), not pages (static files), or ending the session.
SKIPPED_PREFIXES = ("/admin/", "/static/")
SKIPPED_VIEWS = {"logout"}
# Where to go after signing in: the same page whatever its value.
IGNORED_PARAMETERS = {"next"}
# Pages that refuse (404 for outsiders, 403 for read-only members) are one page whatever was
# asked for, and say so in their title.
REFUSALS = {403, 404, 405}
# axe's default run: every WCAG A/AA rule and the best practices (landmark-unique,
# heading-order), not the experimental ones.
AXE_RUN = "async () => await axe.run(document, {resultTypes: ['violations']})"


# The assessment reports (render_report --kind) are rendered by the test for every demo
# assessment instead. Every other PDF the crawl finds is downloaded: prepared on the task queue,
# it answers "preparing" (202) first, and the crawl runs the queue, then downloads it.
RENDERED_BY_THE_TEST = {
    "assessments:report_pdf",
    "assessments:board_report_pdf",
    "assessments:action_plan_pdf",
}


@dataclass
class Page:
    role: str
    kind: str
    url: str
    status: int
    html: str
    violations: list = field(default_factory=list)
    title: str = ""
    same_as: str = ""  # the url of the page of the same structure axe ran on, if not this one


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # every role signed in and crawled
    pdf_links: set[str] = field(default_factory=set)  # kinds of link to a PDF
    pdfs: dict[str, bytes] = field(default_factory=dict)  # name -> document, filled by the test
    other_downloads: set[str] = field(default_factory=set)
    seconds: float = 0.0
    axe_runs: int = 0


# Attributes whose values decide what axe finds (styles, roles, semantics). Every other value
# (ids of rows, links, tokens, labels' wording) only counts as present or empty.
STRUCTURAL_ATTRIBUTES = {"class", "role", "type", "scope", "lang", "method", "rel", "hidden"}


class _Skeleton(HTMLParser):
    """A page's structure without its words: tags, structural attributes, and whether each
    other attribute and each run of text is empty. Two pages with the same skeleton differ only
    in wording and ids, which axe's rules (names present, contrast by class, heading order,
    landmarks, labels, ARIA) judge the same way, so axe runs on one of them."""

    def __init__(self):
        super().__init__()
        self.digest = hashlib.sha256()

    def handle_starttag(self, tag, attrs):
        parts = [tag]
        for name, value in sorted(attrs, key=lambda item: item[0]):
            shown = value if name in STRUCTURAL_ATTRIBUTES else ("v" if value else "")
            parts.append(f"{name}={shown}")
        self.digest.update(("<" + " ".join(parts) + ">").encode())

    def handle_endtag(self, tag):
        self.digest.update(f"</{tag}>".encode())

    def handle_data(self, data):
        if data.strip():
            self.digest.update(b"T")


def skeleton(html: str) -> str:
    parser = _Skeleton()
    parser.feed(html)
    parser.close()
    return parser.digest.hexdigest()


class _Links(HTMLParser):
    """The hrefs of links and the (action, hidden fields) of POST forms in a page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.forms = [], []
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = (attrs.get("action") or "", {})
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs.get("type") == "hidden":
            self._form[1][attrs.get("name") or ""] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _kind(path: str, query: str) -> str | None:
    if path.startswith(SKIPPED_PREFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name in SKIPPED_VIEWS:
        return None
    names = sorted(
        {name for name, _ in parse_qsl(query, keep_blank_values=True)} - IGNORED_PARAMETERS
    )
    return match.view_name + (f"?{'&'.join(names)}" if names else "")


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    return " ".join(found.group(1).split()) if found else ""


class Crawler:
    def __init__(self, browser, live_server):
        self.browser = browser
        self.live_server = live_server
        self.base_url = live_server.url
        self.crawl = Crawl()
        self._forms: list[tuple[str, str, str, dict]] = []  # (role, page url, action, hidden)
        self._static: dict[str, tuple] = {}  # url -> (status, headers, body)
        self._checked: dict[tuple[int, str], Page] = {}  # (status, skeleton) -> page axe ran on
        self._waiting_checked = False

    def run(self, roles: list[tuple[str, str | None]], password: str) -> Crawl:
        started = time.monotonic()
        contexts = {}
        for role, email in roles:
            self.crawl.roles.append(role)
            context = self.browser.new_context()
            context.route(f"{self.base_url}/static/**", self._serve_static)
            page = context.new_page()
            if email:
                sign_in(page, self.live_server, email, password)
                page.wait_for_url(f"{self.base_url}/")
            contexts[role] = (context, page)
            self._crawl_role(role, context, page, "/" if email else "/accounts/login/")
        for role, (context, page) in contexts.items():
            self._submit_forms_empty(role, context, page)
            context.close()
        self.crawl.seconds = time.monotonic() - started
        return self.crawl

    def _serve_static(self, route):
        """Static files are fetched from the live server once for the whole crawl: every page
        loads the same stylesheet and scripts, and the live server is single-threaded."""
        url = route.request.url
        if url not in self._static:
            response = route.fetch()
            self._static[url] = (response.status, response.headers, response.body())
        status, headers, body = self._static[url]
        route.fulfill(status=status, headers=headers, body=body)

    def _crawl_role(self, role, context, page, start):
        seen, queue = set(), [urljoin(self.base_url, start)]
        while queue:
            url = queue.pop(0)
            parts = urlsplit(url)
            kind = _kind(parts.path, parts.query)
            if kind is None:
                continue
            if kind in seen:
                continue
            seen.add(kind)
            if parts.path.endswith(".pdf"):
                self.crawl.pdf_links.add(kind)
                if kind not in RENDERED_BY_THE_TEST:
                    # Downloaded once, as the first role that finds it, for the PDF checks.
                    download = context.request.get(url)
                    if download.status == 202:
                        download = self._when_ready(role, context, page, url, download)
                    content_type = download.headers.get("content-type", "")
                    self.crawl.pdfs[kind] = (
                        download.body() if content_type.startswith("application/pdf") else b""
                    )
                continue
            response = context.request.get(url, max_redirects=5)
            if not response.headers.get("content-type", "").startswith("text/html"):
                self.crawl.other_downloads.add(kind)
                continue
            final_kind = _kind(urlsplit(response.url).path, urlsplit(response.url).query)
            if response.url != url and final_kind in seen:
                continue  # a redirect to a page kind already checked
            if final_kind:
                seen.add(final_kind)
            html = response.text()
            self._check_in_browser(
                page, Page(role, final_kind or kind, response.url, response.status, html), response
            )
            links = _Links()
            links.feed(html)
            for href in links.hrefs:
                target = urljoin(response.url, href.split("#")[0])
                if target.startswith(self.base_url + "/"):
                    queue.append(target)
            for action, hidden in links.forms:
                self._forms.append((role, response.url, urljoin(response.url, action), hidden))

    def _when_ready(self, role, context, page, url, waiting):
        """A document prepared on the task queue: its waiting page is checked (once: every
        kind shows the same page), a worker renders the document here, and the same address
        then gives it."""
        if not self._waiting_checked:
            self._waiting_checked = True
            record = Page(role, "documents:waiting", url, waiting.status, waiting.text())
            self._check_in_browser(page, record, waiting)
        run_queued_tasks()
        return context.request.get(url)

    def _check_in_browser(self, page, record: Page, response):
        """Shows the HTML the crawler fetched in chromium (scripts and styles as served) and
        runs axe on it, unless a page of the same structure has been checked already (then its
        findings stand for this one too). Every page still goes to the Nu Html Checker."""
        record.title = _title(record.html)
        self.crawl.pages.append(record)
        shape = (record.status, skeleton(record.html))
        if shape in self._checked:
            record.violations = self._checked[shape].violations
            record.same_as = self._checked[shape].url
            return
        self._checked[shape] = record
        self.crawl.axe_runs += 1
        page.route(record.url, lambda route: route.fulfill(response=response))
        try:
            page.goto(record.url)
        finally:
            page.unroute(record.url)
        page.evaluate(AXE_SOURCE)
        result = page.evaluate(AXE_RUN)
        record.violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [n["target"] for n in v["nodes"]][:3],
            }
            for v in result["violations"]
        ]

    def _submit_forms_empty(self, role, context, page):
        seen = set()
        for form_role, page_url, action, hidden in self._forms:
            parts = urlsplit(action)
            kind = _kind(parts.path, parts.query)
            if form_role != role or kind is None or kind in seen:
                continue
            seen.add(kind)
            response = context.request.post(
                action, form=hidden, max_redirects=0, headers={"Referer": page_url}
            )
            succeeded = 300 <= response.status < 400  # an empty form that was accepted
            is_html = response.headers.get("content-type", "").startswith("text/html")
            if is_html and not succeeded:
                record = Page(role, f"{kind} (empty)", action, response.status, response.text())
                self._check_in_browser(page, record, response)


def write_pages(pages: list[Page], folder: Path) -> dict[str, Page]:
    """Saves each page's HTML for the Nu Html Checker; returns the pages by file path."""
    folder.mkdir(parents=True, exist_ok=True)
    by_file = {}
    for number, page in enumerate(pages):
        name = re.sub(r"[^a-z0-9]+", "-", f"{number:04d} {page.role} {page.kind}".lower())
        path = folder / f"{name}.html"
        path.write_text(page.html)
        by_file[str(path.resolve())] = page
    return by_file


def repeated_titles(pages: list[Page]) -> dict:
    """Titles one role sees on more than one kind of page (a form's error page counts as its
    page's kind)."""
    kinds_by_title = {}
    for page in pages:
        kind = f"refused {page.status}" if page.status in REFUSALS else page.kind.split(" ")[0]
        kinds_by_title.setdefault((page.role, page.title), set()).add(kind)
    return {title: kinds for title, kinds in kinds_by_title.items() if len(kinds) > 1}


def summary(crawl: Crawl, nu_messages: list[dict], pdf_findings: list) -> str:
    """The figures docs/accessibility.md records, as one JSON line."""
    by_impact = {}
    for page in crawl.pages:
        for violation in page.violations:
            by_impact[violation["impact"]] = by_impact.get(violation["impact"], 0) + 1
    by_severity = {}
    for finding in pdf_findings:
        by_severity[finding.severity.name] = by_severity.get(finding.severity.name, 0) + 1
    return json.dumps(
        {
            "pages": len(crawl.pages),
            "axe_runs": crawl.axe_runs,
            "roles": len({p.role for p in crawl.pages}),
            "page_kinds": len({p.kind for p in crawl.pages}),
            "nu_errors": len(nu_messages),
            "nu_pages_with_errors": len({m["path"] for m in nu_messages}),
            "axe_violations_by_impact": by_impact,
            "axe_pages_with_violations": sum(1 for p in crawl.pages if p.violations),
            "repeated_titles": len(repeated_titles(crawl.pages)),
            "pdfs": len(crawl.pdfs),
            "pdfua_findings_by_severity": by_severity,
            "crawl_seconds": round(crawl.seconds, 1),
        }
    )
