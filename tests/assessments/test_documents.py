"""Documents rendered once on the task queue. On both backends (``task_backend``: the embedded
queue in the database, and RQ on the real Redis): a job runs and stores its document under its
content key, a second request serves it without rendering, a change renders anew, a failing
render shows what went wrong and can be retried, and two requests at once make one job."""

import io
import threading
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments import documents
from assessments.services import add_comment
from partnership.documents import services
from partnership.documents.models import Document
from tests.assessments import test_reports
from tests.assessments.test_reports import text_of

pytestmark = pytest.mark.django_db

# The report tests' assessments: a two-criterion one and the bundled IWL framework's.
iwl = test_reports.iwl
iwl_assessment = test_reports.iwl_assessment
small = test_reports.small

Kind = documents.Kind
Status = Document.Status


def board_url(assessment):
    return reverse("assessments:board_report_pdf", args=[assessment.pk])


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def renders(monkeypatch):
    """Every document laid out (by WeasyPrint or openpyxl), as its kind's name."""
    calls = []
    for key, spec in list(documents.KINDS.items()):

        def write(report, original=spec.write, name=spec.name):
            calls.append(name)
            return original(report)

        monkeypatch.setitem(documents.KINDS, key, replace(spec, write=write))
    return calls


class TestRenderedOnce:
    def test_a_job_renders_and_stores_the_document_under_its_content_key(
        self, task_backend, viewer_client, small, run_tasks, renders
    ):
        response = viewer_client.get(board_url(small))
        assert response.status_code == 202
        assert "Preparing your board report" in response.content.decode()
        document = Document.objects.get()
        assert (document.kind, document.status) == (Kind.BOARD, Status.QUEUED)
        assert document.key == documents.document_key(small, Kind.BOARD)
        assert document.task_id
        assert renders == []

        run_tasks()

        document.refresh_from_db()
        assert document.status == Status.READY
        assert document.stored_name == f"reports/{document.key[:2]}/{document.key}.pdf"
        assert default_storage.exists(document.stored_name)
        assert renders == ["board-report"]
        response = viewer_client.get(board_url(small))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"] == 'attachment; filename="Z9A-2025-26-board-report.pdf"'
        )
        assert "Board report" in text_of(content_of(response))

    def test_a_second_request_serves_the_stored_file_without_rendering(
        self, task_backend, viewer_client, hr_lead_client, small, run_tasks, renders
    ):
        viewer_client.get(board_url(small))
        run_tasks()
        first = content_of(viewer_client.get(board_url(small)))
        second = hr_lead_client.get(board_url(small))
        assert second.status_code == 200
        assert content_of(second) == first
        assert renders == ["board-report"]
        assert Document.objects.count() == 1

    def test_a_content_change_makes_a_new_key_and_renders_anew(
        self, task_backend, viewer_client, small, hr_lead, run_tasks, renders
    ):
        viewer_client.get(board_url(small))
        run_tasks()
        old = Document.objects.get()
        response = small.responses.order_by("criterion__ref").first()
        add_comment(response.pk, user=hr_lead, body="The policy was reviewed in March.")

        assert viewer_client.get(board_url(small)).status_code == 202
        run_tasks()
        assert renders == ["board-report", "board-report"]
        new = Document.objects.get()  # the older document and its file are gone
        assert new.key != old.key
        assert not default_storage.exists(old.stored_name)
        assert viewer_client.get(board_url(small)).status_code == 200

    def test_kinds_have_their_own_keys(self, small):
        keys = {documents.document_key(small, kind) for kind in documents.KINDS}
        assert len(keys) == len(documents.KINDS)

    def test_the_key_changes_with_the_templates(self, small, monkeypatch):
        before = documents.document_key(small, Kind.SCORED)
        monkeypatch.setattr(documents, "template_version", lambda: "another version")
        assert documents.document_key(small, Kind.SCORED) != before

    def test_the_action_plan_key_changes_overnight(self, small):
        import datetime

        today = datetime.date(2026, 3, 1)
        tomorrow = today + datetime.timedelta(days=1)
        assert documents.document_key(small, Kind.ACTIONS, today=today) != (
            documents.document_key(small, Kind.ACTIONS, today=tomorrow)
        )
        assert documents.document_key(small, Kind.SCORED, today=today) == (
            documents.document_key(small, Kind.SCORED, today=tomorrow)
        )

    def test_the_key_costs_the_same_queries_however_large_the_assessment(
        self, small, iwl_assessment, django_assert_num_queries
    ):
        for assessment in (small, iwl_assessment):
            with django_assert_num_queries(2):
                documents.document_key(assessment, Kind.BOARD)

    def test_the_stamp_reads_this_assessment_and_its_previous_one(
        self, organisation, hr_lead, staff_rep
    ):
        # The stamp's SQL is compiled once with stand-ins for the two ids: each call must read
        # its own assessments, with the same figures as the query built afresh.
        current = test_reports.populated(organisation, hr_lead, staff_rep, criteria=5)
        stamp = documents.content_stamp(current)
        assert set(stamp) == {str(current.pk), str(current.previous_id)}
        fresh = {
            str(row.pop("pk")): row
            for row in documents._stamp_queryset([current.pk, current.previous_id])
        }
        for pk, row in fresh.items():
            assert stamp[pk]["title"] == row["title"]
            for name, value in row.items():
                if name.endswith("_count") or name == "responses_versions":
                    assert stamp[pk][name] == value, name
        assert stamp[str(current.pk)]["responses_count"] == current.responses.count() == 5
        assert stamp[str(current.pk)]["sign_offs_count"] == 2

    def test_a_change_to_the_previous_assessment_makes_a_new_key(
        self, organisation, hr_lead, staff_rep
    ):
        current = test_reports.populated(organisation, hr_lead, staff_rep, criteria=5)
        before = documents.document_key(current, Kind.SCORED)
        earlier = current.previous.responses.order_by("criterion__ref").first()
        add_comment(earlier.pk, user=hr_lead, body="Looked at again for the trend.")
        assert documents.document_key(current, Kind.SCORED) != before

    def test_assessments_without_a_previous_one_have_keys_of_their_own(self, small, iwl_assessment):
        assert documents.content_stamp(small).keys() == {str(small.pk)}
        assert documents.document_key(small, Kind.SCORED) != (
            documents.document_key(iwl_assessment, Kind.SCORED)
        )

    def test_a_lost_stored_file_is_rendered_again(
        self, task_backend, viewer_client, small, run_tasks, renders
    ):
        viewer_client.get(board_url(small))
        run_tasks()
        document = Document.objects.get()
        default_storage.delete(document.stored_name)
        assert viewer_client.get(board_url(small)).status_code == 202
        run_tasks()
        assert viewer_client.get(board_url(small)).status_code == 200
        assert renders == ["board-report", "board-report"]

    def test_the_spreadsheet_goes_through_the_queue_too(
        self, task_backend, viewer_client, small, run_tasks
    ):
        url = reverse("assessments:export_xlsx", args=[small.pk])
        assert viewer_client.get(url).status_code == 202
        run_tasks()
        response = viewer_client.get(url)
        assert response["Content-Type"] == documents.XLSX
        sheet = load_workbook(io.BytesIO(content_of(response))).active
        assert sheet.max_row == 3  # a header and the two criteria


class TestWaiting:
    def test_the_waiting_page_polls_with_htmx_and_refreshes_without_javascript(
        self, viewer_client, small
    ):
        html = viewer_client.get(board_url(small)).content.decode()
        document = Document.objects.get()
        status_url = reverse("documents:status", args=[document.pk])
        assert f'data-hx-get="{status_url}"' in html
        assert 'data-hx-trigger="every 2s"' in html
        assert f'<meta http-equiv="refresh" content="5; url={board_url(small)}">' in html
        assert "Waiting for a free worker" in html
        assert "(step 1 of 4)" in html

    def test_the_status_shows_progress_then_the_download(self, viewer_client, small, run_tasks):
        viewer_client.get(board_url(small))
        document = Document.objects.get()
        status_url = reverse("documents:status", args=[document.pk])
        Document.objects.filter(pk=document.pk).update(status=Status.RUNNING, step=1)
        fragment = viewer_client.get(status_url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        html = fragment.content.decode()
        assert "<html" not in html
        assert "Laying out the document" in html and "(step 3 of 4)" in html
        assert "data-hx-get" in html

        Document.objects.filter(pk=document.pk).update(status=Status.QUEUED, step=0)
        run_tasks()
        html = viewer_client.get(status_url, headers={"HX-Request": "true"}).content.decode()
        assert "Your board report is ready" in html
        assert f'href="{board_url(small)}"' in html
        assert "data-hx-get" not in html  # polling stops
        # Without htmx, the whole page.
        page = viewer_client.get(status_url).content.decode()
        assert "<html" in page and "Your board report is ready" in page

    def test_a_failing_render_shows_what_went_wrong_and_can_be_retried(
        self, task_backend, viewer_client, small, run_tasks, monkeypatch
    ):
        spec = documents.KINDS[Kind.BOARD]

        def broken(report):
            raise OSError("disk full")

        monkeypatch.setitem(documents.KINDS, Kind.BOARD, replace(spec, write=broken))
        viewer_client.get(board_url(small))
        run_tasks()
        document = Document.objects.get()
        assert document.status == Status.FAILED
        response = viewer_client.get(board_url(small))
        assert response.status_code == 503
        html = response.content.decode()
        assert "Your board report could not be prepared" in html
        assert "The document could not be saved to storage." in html
        assert "<title>Error: " in html
        retry = reverse("documents:retry", args=[document.pk])
        assert f'action="{retry}"' in html

        monkeypatch.setitem(documents.KINDS, Kind.BOARD, spec)
        response = viewer_client.post(retry)
        assert response.status_code == 302
        assert response["Location"] == board_url(small)
        document.refresh_from_db()
        assert (document.status, document.error) == (Status.QUEUED, "")
        # A second press while it waits queues nothing more.
        viewer_client.post(retry)
        run_tasks()
        document.refresh_from_db()
        assert (document.status, document.attempts) == (Status.READY, 2)
        assert viewer_client.get(board_url(small)).status_code == 200

    def test_a_job_that_stopped_moving_can_be_retried(self, viewer_client, small, run_tasks):
        viewer_client.get(board_url(small))
        document = Document.objects.get()
        long_ago = timezone.now() - documents.STALE_AFTER - timedelta(seconds=1)
        Document.objects.filter(pk=document.pk).update(status=Status.RUNNING, updated_at=long_ago)
        status_url = reverse("documents:status", args=[document.pk])
        html = viewer_client.get(status_url, headers={"HX-Request": "true"}).content.decode()
        assert "the worker preparing it stopped" in html
        assert "document-retry" in html
        viewer_client.post(reverse("documents:retry", args=[document.pk]))
        run_tasks()
        assert viewer_client.get(board_url(small)).status_code == 200

    def test_a_job_under_way_is_not_given_up(self, viewer_client, small):
        viewer_client.get(board_url(small))
        document = Document.objects.get()
        Document.objects.filter(pk=document.pk).update(status=Status.RUNNING)
        assert viewer_client.get(board_url(small)).status_code == 202
        document.refresh_from_db()
        assert document.status == Status.RUNNING

    def test_an_unreachable_queue_fails_the_document_with_a_message(
        self, viewer_client, small, monkeypatch
    ):
        from partnership.documents import tasks

        def down(*args, **kwargs):
            raise ConnectionError("queue down")

        monkeypatch.setattr(tasks, "render_document", SimpleNamespace(enqueue=down))
        response = viewer_client.get(board_url(small))
        assert response.status_code == 503
        assert "could not be reached" in response.content.decode()


class TestOneJob:
    def test_two_requests_for_the_same_content_make_one_job(
        self, task_backend, viewer_client, hr_lead_client, small, run_tasks, renders
    ):
        viewer_client.get(board_url(small))
        hr_lead_client.get(board_url(small))
        assert Document.objects.count() == 1
        run_tasks()
        assert renders == ["board-report"]

    def test_the_database_refuses_a_second_row_for_a_key(self, small):
        from django.db import IntegrityError, transaction

        subject = documents.subject_of(small)
        Document.objects.create(key="k" * 64, kind=Kind.BOARD, subject=subject)
        with pytest.raises(IntegrityError), transaction.atomic():
            Document.objects.create(key="k" * 64, kind=Kind.BOARD, subject=subject)

    def test_a_request_that_loses_the_race_joins_the_winners_job(self, small, monkeypatch):
        """The row appears between our look-up and our insert: the unique key refuses ours,
        and we wait for theirs."""
        key = documents.document_key(small, Kind.BOARD)
        subject = documents.subject_of(small)
        theirs = Document.objects.create(key=key, kind=Kind.BOARD, subject=subject)
        queued = []
        monkeypatch.setattr(services, "enqueue", queued.append)
        real_filter = Document.objects.filter

        class Missing:
            def first(self):
                return None

        monkeypatch.setattr(
            Document.objects,
            "filter",
            lambda *a, **kw: Missing() if kw == {"key": key} else real_filter(*a, **kw),
        )
        assert documents.request_document(small, Kind.BOARD) == theirs
        assert queued == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent connections")
def test_concurrent_requests_on_postgresql_make_one_job(small, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "enqueue", lambda document: queued.append(document.pk))
    barrier = threading.Barrier(2)
    found = []

    def ask():
        try:
            barrier.wait()
            found.append(documents.request_document(small, Kind.BOARD).pk)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1
    assert queued == found[:1]
    assert Document.objects.count() == 1
