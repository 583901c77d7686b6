"""Browser-test helpers: sign in through the real page, and check each page with axe."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

AXE_SOURCE = (
    Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
).read_text()


@pytest.fixture
def console_errors(page):
    """Collects console errors (CSP violations, failed scripts) so tests can assert none."""
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def sign_in(page, live_server, email, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def assert_accessible(page):
    """Runs axe-core in the page and fails on any WCAG 2.1 A/AA violation."""
    page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    violations = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]
    assert not violations, json.dumps(violations, indent=2)


def download_when_ready(page, link_name, document_name, *, timeout=90_000, link=None):
    """Follow a document link as a person does: the "preparing" page shows while a worker
    renders it, then its Download button appears (htmx polling) and downloads the file.
    ``link``: the link's locator, if not found by its name."""
    (link or page.get_by_role("link", name=link_name)).click()
    expect(page.get_by_role("heading", name=f"Preparing your {document_name}")).to_be_visible()
    button = page.get_by_test_id("document-download")
    button.wait_for(timeout=timeout)
    with page.expect_download() as info:
        button.click()
    return info.value


@pytest.fixture
def task_worker(transactional_db, live_server):
    """The embedded queue's own worker, in a thread beside the live server, running whenever a
    document waits. On an in-memory SQLite database it shares the live server's connection,
    as the live server's own threads do: SQLite's shared cache locks whole tables and fails
    rather than waits, so a second connection would make the test flaky."""
    import threading

    from django.db import connections

    from partnership.documents.models import Document
    from tests.conftest import embedded_worker

    main = connections["default"]
    shared = main if main.vendor == "sqlite" else None
    if shared is not None:
        shared.inc_thread_sharing()
    stop = threading.Event()

    def run():
        if shared is not None:
            connections["default"] = shared
        try:
            while not stop.wait(0.5):
                # Only a document starts it: the test's own set-up (seeding, emails queued on
                # commit) never races the worker.
                if Document.objects.filter(status=Document.Status.QUEUED).exists():
                    embedded_worker("e2e").run()
        finally:
            if shared is None:
                connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=120)
    if shared is not None:
        shared.dec_thread_sharing()
