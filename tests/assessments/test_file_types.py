"""Evidence uploads are recognised by their content, and the extension must agree with it.

The files here are real, minimal examples of each type, built in the test.
"""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from assessments.evidence import (
    ALLOWED_TYPES_MESSAGE,
    EMPTY_MESSAGE,
    FILE_TYPES,
    EvidenceLinkForm,
    check_upload,
    clean_filename,
    detect_type,
    too_big_message,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)
OOXML_MAIN_PART = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}


def image(format_name):
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buffer, format_name)
    return buffer.getvalue()


def office_zip(*parts, content_types=CONTENT_TYPES_XML):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types is not None:
            archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", b"<Relationships/>")
        for part in parts:
            archive.writestr(part, b"<xml/>")
    return buffer.getvalue()


def ooxml(extension):
    return office_zip(OOXML_MAIN_PART[extension])


PNG = image("PNG")
JPEG = image("JPEG")

# One real example of every allowed type: (file name, content, the content type we record).
EXAMPLES = [
    ("policy.pdf", PDF, "application/pdf"),
    (
        "minutes.docx",
        ooxml("docx"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("minutes.doc", OLE2, "application/msword"),
    (
        "survey.xlsx",
        ooxml("xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("survey.xls", OLE2, "application/vnd.ms-excel"),
    (
        "briefing.pptx",
        ooxml("pptx"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("briefing.ppt", OLE2, "application/vnd.ms-powerpoint"),
    ("rota.csv", b"Name,Shift\r\nAlex,Early\r\n", "text/csv"),
    ("rota.csv", "\ufeffName,Ward\nSíle,Ward 3\n".encode(), "text/csv"),
    ("rota.csv", "Name,Cost\nAnn,£5 – €6\n".encode("cp1252"), "text/csv"),
    ("notes.txt", b"Agreed at the partnership forum.\n\tNext: March\x0c", "text/plain"),
    ("notes.txt", "Zoë’s notes ✓\n".encode(), "text/plain"),
    ("notes.txt", "Café notes\n".encode("cp1252"), "text/plain"),
    # HTML is acceptable plain text: evidence is only ever downloaded as an attachment with
    # nosniff, never shown as a page.
    ("page.txt", b"<html><script>alert(1)</script></html>", "text/plain"),
    ("poster.png", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.JPEG", JPEG, "image/jpeg"),
    ("Policy.PDF", PDF, "application/pdf"),
]


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(("name", "content", "content_type"), EXAMPLES)
def test_every_allowed_type_is_recognised(name, content, content_type):
    checked = check_upload(upload(name, content))
    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.name == name
    assert checked.extension == name.rsplit(".", 1)[1].lower()
    assert detect_type(io.BytesIO(content), name).content_type == content_type


def test_every_allowed_extension_has_an_example():
    assert {name.rsplit(".", 1)[1].lower() for name, _, _ in EXAMPLES} == set(FILE_TYPES)


REFUSED = [
    ("a PDF named .docx", "policy.docx", PDF),
    ("a Word document named .pdf", "policy.pdf", ooxml("docx")),
    ("a Word document named .xlsx", "survey.xlsx", ooxml("docx")),
    ("a zip named .xlsx without xl/", "survey.xlsx", office_zip("docProps/app.xml")),
    (
        "a zip without [Content_Types].xml",
        "minutes.docx",
        office_zip("word/document.xml", content_types=None),
    ),
    (
        "a zip whose [Content_Types].xml is not one",
        "minutes.docx",
        office_zip("word/document.xml", content_types=b"hello"),
    ),
    (
        "a macro-enabled document",
        "minutes.docx",
        office_zip("word/document.xml", "word/vbaProject.bin"),
    ),
    ("a broken zip", "minutes.docx", ooxml("docx")[:-30]),
    ("a zip with a PDF header", "minutes.docx", PDF + ooxml("docx")),
    ("an EXE named .pdf", "policy.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
    ("an EXE named .txt", "notes.txt", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
    ("OLE2 named .docx", "minutes.docx", OLE2),
    ("OLE2 named .pdf", "policy.pdf", OLE2),
    ("a PNG named .jpg", "photo.jpg", PNG),
    ("a JPEG named .png", "photo.png", JPEG),
    ("a PNG named .txt", "notes.txt", PNG),
    ("NUL bytes in a CSV", "rota.csv", b"Name,Shift\x00\r\nAlex,Early\r\n"),
    ("UTF-16 text", "notes.txt", "Notes\n".encode("utf-16")),
    ("a bell character in text", "notes.txt", b"ding\x07"),
    ("an escape character in a CSV", "rota.csv", b"a,b\x1b[31m\n"),
    ("bytes that are neither UTF-8 nor Windows-1252", "notes.txt", b"caf\xe9 \x81"),
    ("an allowed type with a disallowed extension", "policy.html", PDF),
    ("an executable extension", "setup.exe", b"MZ\x90\x00"),
    ("a double extension", "policy.pdf.exe", PDF),
    ("no extension", "policy", PDF),
    ("an SVG", "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
]


@pytest.mark.parametrize(("case", "name", "content"), REFUSED, ids=[c[0] for c in REFUSED])
def test_content_that_is_not_what_its_name_says_is_refused(case, name, content):
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(name, content))
    assert caught.value.messages == [ALLOWED_TYPES_MESSAGE]
    assert caught.value.code == "file_type"
    assert detect_type(io.BytesIO(content), name) is None


def test_allowed_types_message_names_them_all():
    assert ALLOWED_TYPES_MESSAGE == (
        "The selected file must be a PDF, Word, Excel, PowerPoint, CSV, text, PNG or JPEG file"
    )


@pytest.mark.parametrize("name", ["empty.pdf", "empty.txt", "empty.exe"])
def test_an_empty_file_is_refused(name):
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(name, b""))
    assert caught.value.messages == [EMPTY_MESSAGE]
    assert EMPTY_MESSAGE == "The selected file is empty"


def test_the_default_limit_is_20_mb(settings):
    assert settings.EVIDENCE_MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    assert too_big_message() == "The selected file must be smaller than 20 MB"


def test_a_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    content = b"a" * 1025
    with pytest.raises(ValidationError) as caught:
        check_upload(upload("notes.txt", content))
    assert caught.value.messages == ["The selected file must be smaller than 1 KB"]


def test_a_file_of_exactly_the_limit_is_accepted(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    assert check_upload(upload("notes.txt", b"a" * 1024)).size == 1024


def test_the_size_is_counted_while_reading_not_only_taken_from_the_upload(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    lying = upload("notes.txt", b"a" * 5000)
    lying.size = 10
    with pytest.raises(ValidationError, match="smaller than 1 KB"):
        check_upload(lying)


def test_text_is_checked_across_chunk_boundaries():
    # A multi-byte character split between two 64 KB chunks is still UTF-8.
    content = b"a" * (64 * 1024 - 1) + "é".encode() + b"\n"
    assert check_upload(upload("notes.txt", content)).content_type == "text/plain"
    binary_late = b"a" * (200 * 1024) + b"\x00"
    with pytest.raises(ValidationError, match="must be a PDF"):
        check_upload(upload("notes.txt", binary_late))


def test_the_upload_is_rewound_for_storing():
    uploaded = upload("policy.pdf", PDF)
    check_upload(uploaded)
    assert uploaded.read() == PDF


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\alex\\Documents\\report.pdf", "report.pdf"),
        ("bad\x00name\x1b.pdf", "badname.pdf"),
        # The right-to-left override would make "gpj.exe" read as "exe.jpg".
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("  spaced   out\tname .pdf ", "spaced out name .pdf"),
        ("Cafe\u0301.pdf", "Café.pdf"),
        ("a" * 300 + ".docx", "a" * 250 + ".docx"),
        ("b" * 300, "b" * 255),
    ],
)
def test_original_names_are_cleaned_for_display(raw, clean):
    assert clean_filename(raw) == clean
    assert len(clean_filename(raw)) <= 255


def test_a_long_name_keeps_its_extension_and_is_accepted():
    checked = check_upload(upload("x" * 400 + ".pdf", PDF))
    assert len(checked.name) == 255
    assert checked.name.endswith(".pdf")


# Bad input on purpose: whatever arrives, the answer is a result or a clear message.
extensions = st.sampled_from([*FILE_TYPES, "PDF", "Docx", "exe", "html", ""])
prefixes = st.sampled_from(
    [
        b"",
        b"%PDF-",
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
    ]
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(prefix=prefixes, body=st.binary(max_size=2048), extension=extensions)
def test_random_bytes_never_cause_anything_but_a_validation_error(prefix, body, extension):
    name = f"evidence.{extension}" if extension else "evidence"
    content = prefix + body
    try:
        checked = check_upload(upload(name, content))
    except ValidationError as error:
        assert error.messages[0] in (ALLOWED_TYPES_MESSAGE, EMPTY_MESSAGE)
    else:
        assert checked.content_type == FILE_TYPES[extension.lower()].content_type
    detect_type(io.BytesIO(content), name)


zip_parts = st.lists(
    st.sampled_from(
        [
            "[Content_Types].xml",
            "word/document.xml",
            "xl/workbook.xml",
            "ppt/presentation.xml",
            "docProps/core.xml",
            "word/vbaProject.bin",
        ]
    ),
    unique=True,
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    parts=zip_parts,
    payload=st.binary(max_size=200),
    extension=st.sampled_from(["docx", "xlsx", "pptx"]),
    cut=st.integers(min_value=0, max_value=400),
)
def test_random_and_damaged_zips_never_cause_anything_but_a_validation_error(
    parts, payload, extension, cut
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            archive.writestr(part, payload)
    content = buffer.getvalue()
    content = content[: len(content) - cut] if cut < len(content) else content
    try:
        check_upload(upload(f"evidence.{extension}", content))
    except ValidationError as error:
        assert error.messages[0] in (ALLOWED_TYPES_MESSAGE, EMPTY_MESSAGE)


# Links: only http and https web addresses get in.


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(document.cookie)",
        "java\nscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://files.example.nhs.uk/policy.pdf",
        "mailto:hr@example.nhs.uk",
    ],
)
def test_links_that_are_not_web_addresses_are_refused(url):
    form = EvidenceLinkForm({"link-url": url, "link-title": "Policy"})
    assert not form.is_valid()
    assert form.errors["url"][0] in (
        "Enter a web address that starts with https:// or http://",
        "Enter a web address in the correct format, like https://www.example.nhs.uk",
    )


@pytest.mark.parametrize(
    ("url", "cleaned"),
    [
        ("https://www.example.nhs.uk/policies", "https://www.example.nhs.uk/policies"),
        ("http://intranet.trust.nhs.uk/hr?id=4#top", "http://intranet.trust.nhs.uk/hr?id=4#top"),
        ("www.example.nhs.uk/policies", "https://www.example.nhs.uk/policies"),
    ],
)
def test_web_addresses_are_accepted(url, cleaned):
    form = EvidenceLinkForm({"link-url": url, "link-title": "Policy"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["url"] == cleaned


def test_link_title_is_required_and_at_most_200_characters():
    form = EvidenceLinkForm({"link-url": "https://example.nhs.uk", "link-title": " "})
    assert form.errors["title"] == ["Enter a title for the link"]
    form = EvidenceLinkForm({"link-url": "https://example.nhs.uk", "link-title": "t" * 201})
    assert form.errors["title"] == ["Link title must be 200 characters or fewer"]
    form = EvidenceLinkForm({"link-url": "", "link-title": "t" * 200})
    assert form.errors == {"url": ["Enter a web address"]}


@hypothesis_settings(max_examples=300, deadline=None)
@given(url=st.text(max_size=300), title=st.text(max_size=250))
def test_any_link_input_is_either_a_web_address_or_a_clear_error(url, title):
    form = EvidenceLinkForm({"link-url": url, "link-title": title})
    if form.is_valid():
        assert form.cleaned_data["url"].lower().startswith(("http://", "https://"))
    else:
        assert all(form.errors.values())
