"""Evidence files and links on a criterion: upload, download, remove, and who may do what."""

import hashlib
import logging
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.evidence import EvidenceLinkForm, EvidenceUploadForm
from assessments.models import EvidenceFile, EvidenceLink, Response, ResponseChange
from tests.assessments.test_file_types import PDF, PNG, ooxml
from tests.factories import AssessmentFactory, CriterionFactory

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIXED_ERROR = (
    "The selected file must be a PDF, Word, Excel, PowerPoint, CSV, text, PNG or JPEG file"
)


# media_root (tests/conftest.py): stored files go to a temporary folder.


def stored_files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


@pytest.fixture
def assessment(organisation):
    return AssessmentFactory(organisation=organisation, title="IWL 2026/27")


@pytest.fixture
def checklist_response(assessment):
    criterion = CriterionFactory(
        standard__framework=assessment.framework,
        ref="FW1",
        statement="Staff can ask for flexible working from their first day.",
    )
    return Response.objects.create(assessment=assessment, criterion=criterion)


@pytest.fixture
def contributor_client(client, contributor):
    client.force_login(contributor)
    return client


def criterion_url(response):
    return reverse("assessments:criterion", args=[response.assessment_id, response.pk])


def upload_url(response):
    return reverse("assessments:upload_file", args=[response.pk])


def post_file(client, response, name="Flexible working policy.pdf", content=PDF):
    return client.post(upload_url(response), {"evidence-file": SimpleUploadedFile(name, content)})


def messages_of(http_response):
    return [str(m) for m in get_messages(http_response.wsgi_request)]


def make_file(response, user, media_root, name="policy.pdf", content=PDF):
    relative = f"evidence/Z9A/{name}-stored.pdf"
    path = Path(media_root) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return EvidenceFile.objects.create(
        response=response,
        file=relative,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )


# Uploading


@pytest.mark.smoke
def test_an_editor_uploads_a_file(hr_lead_client, hr_lead, checklist_response, media_root):
    content = ooxml("docx")
    page = post_file(hr_lead_client, checklist_response, "Secret plan.docx", content)

    assert page.status_code == 302
    assert page.url == criterion_url(checklist_response)
    assert messages_of(page) == ["Added Secret plan.docx"]
    evidence = EvidenceFile.objects.get()
    assert evidence.response == checklist_response
    assert evidence.original_name == "Secret plan.docx"
    assert evidence.content_type == DOCX_TYPE
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.uploaded_by == hr_lead
    # Stored under MEDIA_ROOT/evidence/<ODS code>/<uuid4>.<ext>, nothing of the user's name.
    folder, code, stored = evidence.file.name.split("/")
    assert (folder, code) == ("evidence", "Z9A")
    assert stored.endswith(".docx")
    assert len(stored) == len("00000000-0000-0000-0000-000000000000.docx")
    assert "Secret" not in evidence.file.name and "plan" not in evidence.file.name
    assert stored_files(media_root) == [Path(media_root) / evidence.file.name]
    assert (Path(media_root) / evidence.file.name).read_bytes() == content
    change = ResponseChange.objects.get(response=checklist_response)
    assert change.kind == ResponseChange.Kind.FILE_ADDED
    assert change.user == hr_lead
    assert change.changes == {"description": "Secret plan.docx"}


def test_stored_files_are_not_readable_by_other_local_users(
    hr_lead_client, checklist_response, media_root
):
    post_file(hr_lead_client, checklist_response)
    (path,) = stored_files(media_root)
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_contributor_on_the_management_side_may_upload(contributor_client, checklist_response):
    assert post_file(contributor_client, checklist_response).status_code == 302
    assert EvidenceFile.objects.count() == 1


def test_evidence_is_kept_outside_the_static_files(settings):
    from iwl.settings import base

    media = Path(base.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    static_places = [
        Path(base.STATIC_ROOT),
        *(Path(d if isinstance(d, str | Path) else d[1]) for d in base.STATICFILES_DIRS),
    ]
    for place in static_places:
        assert not media.is_relative_to(place.resolve())
        assert not place.resolve().is_relative_to(media)


@pytest.mark.parametrize("client_fixture", ["viewer_client", "staff_rep_client"])
def test_readers_may_not_upload(request, client_fixture, checklist_response, media_root):
    client = request.getfixturevalue(client_fixture)
    assert post_file(client, checklist_response).status_code == 403
    assert not EvidenceFile.objects.exists()
    assert stored_files(media_root) == []


def test_another_organisation_gets_404_on_upload(outsider_client, checklist_response, media_root):
    assert post_file(outsider_client, checklist_response).status_code == 404
    assert stored_files(media_root) == []


def test_upload_to_an_unknown_response_is_404(hr_lead_client, checklist_response):
    url = reverse("assessments:upload_file", args=["00000000-0000-0000-0000-000000000000"])
    page = hr_lead_client.post(url, {"evidence-file": SimpleUploadedFile("a.pdf", PDF)})
    assert page.status_code == 404


def test_upload_needs_sign_in(client, checklist_response, media_root):
    page = post_file(client, checklist_response)
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))
    assert stored_files(media_root) == []


def test_upload_is_post_only(hr_lead_client, checklist_response):
    assert hr_lead_client.get(upload_url(checklist_response)).status_code == 405


def test_upload_still_checks_the_csrf_token(hr_lead, checklist_response, media_root):
    # The view installs its size limit before the CSRF check reads the body (csrf_exempt
    # outside, csrf_protect inside): the check must still happen.
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr_lead)
    assert post_file(client, checklist_response).status_code == 403
    assert not EvidenceFile.objects.exists()
    assert stored_files(media_root) == []


def test_upload_to_a_signed_off_assessment_is_refused(
    hr_lead_client, checklist_response, assessment, media_root
):
    assessment.status = "signed_off"
    assessment.save()
    assert post_file(hr_lead_client, checklist_response).status_code == 403
    assert stored_files(media_root) == []


def assert_refused(page, message, media_root):
    assert page.status_code == 400
    html = page.content.decode()
    assert "<title>Error: Add a file to FW1" in html
    assert '<a href="#id_evidence-file">' + message + "</a>" in html
    assert message in html.split('class="nhsuk-error-message"')[1]
    assert not EvidenceFile.objects.exists()
    assert not ResponseChange.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_over_the_limit_is_refused_with_a_clear_message(
    hr_lead_client, checklist_response, media_root, settings
):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    page = post_file(hr_lead_client, checklist_response, "big.txt", b"a" * 5000)
    assert_refused(page, "The selected file must be smaller than 1 KB", media_root)


def test_a_file_of_exactly_the_limit_is_accepted(hr_lead_client, checklist_response, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    assert post_file(hr_lead_client, checklist_response, "a.txt", b"a" * 1024).status_code == 302


def test_an_upload_over_the_limit_is_dropped_while_it_arrives(
    hr_lead_client, checklist_response, media_root, settings, monkeypatch, tmp_path
):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # bigger uploads would go to a temporary file
    temporary = tmp_path / "uploads"
    temporary.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temporary)

    def never(*args, **kwargs):
        raise AssertionError("the file should never have reached the checks")

    monkeypatch.setattr("assessments.evidence.check_upload", never)
    page = post_file(hr_lead_client, checklist_response, "big.pdf", PDF + b"0" * 5000)
    assert_refused(page, "The selected file must be smaller than 1 KB", media_root)
    assert not page.wsgi_request.FILES
    assert list(temporary.iterdir()) == []


def test_a_file_large_enough_to_go_through_a_temporary_file_is_stored(
    hr_lead_client, checklist_response, media_root, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    content = PDF + b"0" * 5000
    assert post_file(hr_lead_client, checklist_response, "big.pdf", content).status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    (path,) = stored_files(media_root)
    assert path.read_bytes() == content
    assert path.stat().st_mode & 0o777 == 0o640


def test_the_upload_form_states_the_limit(settings):
    assert "smaller than 20 MB" in EvidenceUploadForm().fields["file"].help_text
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    assert "smaller than 5 MB" in EvidenceUploadForm().fields["file"].help_text


def test_a_file_of_the_wrong_type_is_refused(hr_lead_client, checklist_response, media_root):
    page = post_file(hr_lead_client, checklist_response, "policy.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    assert_refused(page, FIXED_ERROR, media_root)


def test_a_pdf_named_as_a_word_document_is_refused(hr_lead_client, checklist_response, media_root):
    page = post_file(hr_lead_client, checklist_response, "policy.docx", PDF)
    assert_refused(page, FIXED_ERROR, media_root)


def test_an_empty_file_is_refused(hr_lead_client, checklist_response, media_root):
    page = post_file(hr_lead_client, checklist_response, "policy.pdf", b"")
    assert_refused(page, "The selected file is empty", media_root)


def test_no_file_is_refused(hr_lead_client, checklist_response, media_root):
    page = hr_lead_client.post(upload_url(checklist_response), {})
    assert_refused(page, "Select a file", media_root)


def test_the_error_page_leads_back_to_the_criterion(hr_lead_client, checklist_response):
    page = post_file(hr_lead_client, checklist_response, "policy.docx", PDF)
    html = page.content.decode()
    assert f'<a class="nhsuk-back-link" href="{criterion_url(checklist_response)}">Back</a>' in html
    assert 'enctype="multipart/form-data"' in html
    assert f'action="{upload_url(checklist_response)}"' in html


def test_a_database_failure_after_storing_leaves_no_file_and_no_rows(
    hr_lead_client, checklist_response, media_root, monkeypatch
):
    def fail(*args, **kwargs):
        raise IntegrityError("the history could not be written")

    # Fails after the EvidenceFile row is written, inside the service's transaction.
    monkeypatch.setattr(services.cycles, "_record", fail)
    with pytest.raises(IntegrityError):
        post_file(hr_lead_client, checklist_response)
    assert not EvidenceFile.objects.exists()
    assert stored_files(media_root) == []


def test_a_sign_off_between_checking_and_saving_leaves_no_file(
    hr_lead_client, checklist_response, media_root, monkeypatch
):
    def locked(*args, **kwargs):
        raise services.AssessmentLocked("signed off meanwhile")

    monkeypatch.setattr(services, "add_evidence_file", locked)
    assert post_file(hr_lead_client, checklist_response).status_code == 403
    assert stored_files(media_root) == []


# Downloading


def download_url(evidence):
    return reverse("assessments:download_file", args=[evidence.pk])


@pytest.mark.parametrize("client_fixture", ["hr_lead_client", "viewer_client", "staff_rep_client"])
def test_members_download_a_file_as_an_attachment(
    request, client_fixture, hr_lead, checklist_response, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root, name="Flexible working.pdf")
    client = request.getfixturevalue(client_fixture)
    page = client.get(download_url(evidence))

    assert page.status_code == 200
    assert b"".join(page.streaming_content) == PDF
    assert page["Content-Type"] == "application/pdf"
    assert page["Content-Disposition"] == 'attachment; filename="Flexible working.pdf"'
    assert page["Content-Length"] == str(len(PDF))
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "private" in page["Cache-Control"]


def test_a_download_through_the_upload_gives_back_the_same_bytes(
    hr_lead_client, checklist_response
):
    post_file(hr_lead_client, checklist_response, "Café rota ✓.png", PNG)
    evidence = EvidenceFile.objects.get()
    page = hr_lead_client.get(download_url(evidence))
    assert b"".join(page.streaming_content) == PNG
    assert page["Content-Type"] == "image/png"
    assert page["Content-Disposition"].startswith("attachment; filename*=utf-8''Caf%C3%A9")


def test_a_signed_off_assessment_can_still_be_read(
    viewer_client, hr_lead, checklist_response, assessment, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root)
    assessment.status = "signed_off"
    assessment.save()
    assert viewer_client.get(download_url(evidence)).status_code == 200


@pytest.mark.smoke
def test_another_organisation_gets_404_on_download(
    outsider_client, hr_lead, checklist_response, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root)
    assert outsider_client.get(download_url(evidence)).status_code == 404


def test_download_of_an_unknown_file_is_404(hr_lead_client):
    url = reverse("assessments:download_file", args=["00000000-0000-0000-0000-000000000000"])
    assert hr_lead_client.get(url).status_code == 404


def test_download_needs_sign_in(client, hr_lead, checklist_response, media_root):
    evidence = make_file(checklist_response, hr_lead, media_root)
    page = client.get(download_url(evidence))
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))


def test_a_file_missing_from_storage_is_404_and_logged(
    hr_lead_client, hr_lead, checklist_response, media_root, caplog
):
    evidence = make_file(checklist_response, hr_lead, media_root)
    (Path(media_root) / evidence.file.name).unlink()
    with caplog.at_level(logging.ERROR, logger="assessments.views.evidence"):
        assert hr_lead_client.get(download_url(evidence)).status_code == 404
    assert f"Evidence file {evidence.pk}" in caplog.text
    assert "missing from storage" in caplog.text


# Removing a file


def remove_file_url(evidence):
    return reverse("assessments:remove_file", args=[evidence.pk])


def test_an_editor_removes_a_file_and_the_stored_bytes_stay(
    hr_lead_client, hr_lead, checklist_response, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root)
    page = hr_lead_client.post(remove_file_url(evidence))
    assert page.status_code == 302
    assert page.url == criterion_url(checklist_response)
    assert messages_of(page) == ["Removed policy.pdf"]
    assert not EvidenceFile.objects.exists()
    assert ResponseChange.objects.get().kind == ResponseChange.Kind.FILE_REMOVED
    # A later cycle may still refer to the stored file.
    assert (Path(media_root) / evidence.file.name).exists()


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [("viewer_client", 403), ("staff_rep_client", 403), ("outsider_client", 404)],
)
def test_only_editors_remove_files(
    request, client_fixture, status, hr_lead, checklist_response, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root)
    client = request.getfixturevalue(client_fixture)
    assert client.post(remove_file_url(evidence)).status_code == status
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()


def test_removing_a_file_from_a_signed_off_assessment_is_refused(
    hr_lead_client, hr_lead, checklist_response, assessment, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root)
    assessment.status = "signed_off"
    assessment.save()
    assert hr_lead_client.post(remove_file_url(evidence)).status_code == 403
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()


def test_remove_file_is_post_only_and_unknown_ids_are_404(
    hr_lead_client, hr_lead, checklist_response, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root)
    assert hr_lead_client.get(remove_file_url(evidence)).status_code == 405
    url = reverse("assessments:remove_file", args=["00000000-0000-0000-0000-000000000000"])
    assert hr_lead_client.post(url).status_code == 404


# Links


def add_link_url(response):
    return reverse("assessments:add_link", args=[response.pk])


def post_link(
    client,
    response,
    url="https://www.example.nhs.uk/policies/flexible",
    title="Flexible working policy",
):
    return client.post(add_link_url(response), {"link-url": url, "link-title": title})


def test_an_editor_adds_a_link(hr_lead_client, hr_lead, checklist_response):
    page = post_link(hr_lead_client, checklist_response)
    assert page.status_code == 302
    assert page.url == criterion_url(checklist_response)
    assert messages_of(page) == ["Added Flexible working policy"]
    link = EvidenceLink.objects.get()
    assert (link.url, link.title, link.added_by) == (
        "https://www.example.nhs.uk/policies/flexible",
        "Flexible working policy",
        hr_lead,
    )
    assert ResponseChange.objects.get().kind == ResponseChange.Kind.LINK_ADDED


@pytest.mark.parametrize(
    ("url", "title", "message", "field"),
    [
        (
            "javascript:alert(document.cookie)",
            "Policy",
            "Enter a web address that starts with https:// or http://",
            "url",
        ),
        (
            "data:text/html,<script>alert(1)</script>",
            "Policy",
            "Enter a web address that starts with https:// or http://",
            "url",
        ),
        (
            "https://",
            "Policy",
            "Enter a web address in the correct format, like https://www.example.nhs.uk",
            "url",
        ),
        ("", "Policy", "Enter a web address", "url"),
        ("https://www.example.nhs.uk", "", "Enter a title for the link", "title"),
        (
            "https://www.example.nhs.uk",
            "t" * 201,
            "Link title must be 200 characters or fewer",
            "title",
        ),
    ],
)
def test_a_bad_link_is_refused_with_a_clear_message(
    hr_lead_client, checklist_response, url, title, message, field
):
    page = post_link(hr_lead_client, checklist_response, url, title)
    assert page.status_code == 400
    html = page.content.decode()
    assert "<title>Error: Add a link to FW1" in html
    assert f'<a href="#id_link-{field}">{message}</a>' in html.replace("&#x27;", "'")
    assert not EvidenceLink.objects.exists()
    assert not ResponseChange.objects.exists()


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [("viewer_client", 403), ("staff_rep_client", 403), ("outsider_client", 404)],
)
def test_only_editors_add_links(request, client_fixture, status, checklist_response):
    client = request.getfixturevalue(client_fixture)
    assert post_link(client, checklist_response).status_code == status
    assert not EvidenceLink.objects.exists()


def test_adding_a_link_to_a_signed_off_assessment_is_refused(
    hr_lead_client, checklist_response, assessment
):
    assessment.status = "signed_off"
    assessment.save()
    assert post_link(hr_lead_client, checklist_response).status_code == 403


def make_link(response, user):
    return EvidenceLink.objects.create(
        response=response, url="https://www.example.nhs.uk/p", title="Policy", added_by=user
    )


def remove_link_url(link):
    return reverse("assessments:remove_link", args=[link.pk])


def test_an_editor_removes_a_link(hr_lead_client, hr_lead, checklist_response):
    link = make_link(checklist_response, hr_lead)
    page = hr_lead_client.post(remove_link_url(link))
    assert page.status_code == 302
    assert page.url == criterion_url(checklist_response)
    assert messages_of(page) == ["Removed Policy"]
    assert not EvidenceLink.objects.exists()
    assert ResponseChange.objects.get().kind == ResponseChange.Kind.LINK_REMOVED


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [("viewer_client", 403), ("staff_rep_client", 403), ("outsider_client", 404)],
)
def test_only_editors_remove_links(request, client_fixture, status, hr_lead, checklist_response):
    link = make_link(checklist_response, hr_lead)
    client = request.getfixturevalue(client_fixture)
    assert client.post(remove_link_url(link)).status_code == status
    assert EvidenceLink.objects.filter(pk=link.pk).exists()


def test_removing_a_link_from_a_signed_off_assessment_is_refused(
    hr_lead_client, hr_lead, checklist_response, assessment
):
    link = make_link(checklist_response, hr_lead)
    assessment.status = "signed_off"
    assessment.save()
    assert hr_lead_client.post(remove_link_url(link)).status_code == 403
    assert EvidenceLink.objects.filter(pk=link.pk).exists()


def test_remove_link_unknown_id_is_404(hr_lead_client):
    url = reverse("assessments:remove_link", args=["00000000-0000-0000-0000-000000000000"])
    assert hr_lead_client.post(url).status_code == 404


# The partial the criterion page includes


def render_partial(response, files, links, can_edit):
    return render_to_string(
        "assessments/_evidence.html",
        {
            "response": response,
            "files": files,
            "links": links,
            "can_edit": can_edit,
            "upload_form": EvidenceUploadForm(),
            "link_form": EvidenceLinkForm(),
        },
    )


def test_the_partial_lists_files_and_links_with_controls_for_editors(
    hr_lead, checklist_response, media_root
):
    evidence = make_file(checklist_response, hr_lead, media_root, name="Rota <draft>.pdf")
    link = make_link(checklist_response, hr_lead)
    html = render_partial(checklist_response, [evidence], [link], can_edit=True)

    assert f'<a href="{download_url(evidence)}">Rota &lt;draft&gt;.pdf</a>' in html
    assert evidence.sha256 in html
    assert f"{len(PDF)}\xa0bytes" in html
    assert (
        '<a href="https://www.example.nhs.uk/p" rel="external noopener noreferrer">Policy<span class="nhsuk-u-visually-hidden"> (external website)</span></a>'
        in html
    )
    assert f'action="{remove_file_url(evidence)}"' in html
    assert f'action="{remove_link_url(link)}"' in html
    assert 'data-confirm="Remove Rota &lt;draft&gt;.pdf?"' in html
    assert f'action="{upload_url(checklist_response)}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="evidence-file"' in html
    assert f'action="{add_link_url(checklist_response)}"' in html
    assert 'name="link-url"' in html and 'name="link-title"' in html
    assert html.count("novalidate") == 4
    assert "onclick" not in html and "<script" not in html


def test_the_partial_has_no_controls_for_readers(hr_lead, checklist_response, media_root):
    evidence = make_file(checklist_response, hr_lead, media_root)
    link = make_link(checklist_response, hr_lead)
    html = render_partial(checklist_response, [evidence], [link], can_edit=False)
    assert download_url(evidence) in html
    assert "<form" not in html
    assert "Remove" not in html


def test_the_partial_never_links_to_a_stored_address_that_is_not_a_web_address(
    hr_lead, checklist_response
):
    # Links are checked on the way in; this guards rows that came another way (admin, import).
    bad = EvidenceLink.objects.create(
        response=checklist_response, url="javascript:alert(1)", title="Trap", added_by=hr_lead
    )
    html = render_partial(checklist_response, [], [bad], can_edit=False)
    assert 'href="javascript' not in html
    assert "Trap" in html


def test_the_partial_says_when_there_is_no_evidence(checklist_response):
    html = render_partial(checklist_response, [], [], can_edit=False)
    assert "No files or links have been added yet." in html
