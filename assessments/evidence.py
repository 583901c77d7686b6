"""Evidence files and links: checking an upload, storing it, and the forms that take them.

An upload is accepted only when its content is one of the allowed types *and* its name ends
in an extension of that type; we detect the type ourselves from the bytes (no libmagic):

- PDF, PNG, JPEG and legacy Office (OLE2: .doc, .xls, .ppt) by their leading magic bytes;
- .docx, .xlsx, .pptx: a real zip archive (its first entry and its central directory), with
  ``[Content_Types].xml`` and a ``word/``, ``xl/`` or ``ppt/`` part matching the extension,
  and no macros (``vbaProject.bin``);
- .csv and .txt: UTF-8 (a byte order mark allowed) or Windows-1252 text without NUL bytes or
  any control character other than tab, line feed, carriage return and form feed. A .txt that
  holds HTML is plain text to us: it is only ever served as an attachment with ``nosniff``.

The file is read once, in chunks, to count, hash and check it; Django's storage API then
saves it as ``evidence/<ODS code>/<uuid4>.<ext>``, so the user's file name never reaches a
path. The (cleaned) original name is kept for display and for the download's file name.
"""

import codecs
import hashlib
import logging
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from partnership.layout import Button, Field, Fieldset

from . import services

logger = logging.getLogger(__name__)

ALLOWED_TYPES_MESSAGE = (
    "The selected file must be a PDF, Word, Excel, PowerPoint, CSV, text, PNG or JPEG file"
)
EMPTY_MESSAGE = "The selected file is empty"
REQUIRED_MESSAGE = "Select a file"
NAME_LIMIT = 255
CHUNK_SIZE = 64 * 1024

PDF_SIGNATURE = b"%PDF-"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
HEAD_BYTES = 8
OOXML_CONTENT_TYPES = "[Content_Types].xml"
# Enough of [Content_Types].xml to find its root element, without inflating a zip bomb.
OOXML_CONTENT_TYPES_READ = 64 * 1024
# Control characters that do not belong in text: C0 except tab, LF, FF and CR; DEL; C1.
BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FileType:
    kind: str  # how the content is recognised: pdf, png, jpeg, ole2, ooxml or text
    content_type: str
    ooxml_folder: str = ""


FILE_TYPES = {
    "pdf": FileType("pdf", "application/pdf"),
    "doc": FileType("ole2", "application/msword"),
    "docx": FileType(
        "ooxml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "word/",
    ),
    "xls": FileType("ole2", "application/vnd.ms-excel"),
    "xlsx": FileType(
        "ooxml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/"
    ),
    "ppt": FileType("ole2", "application/vnd.ms-powerpoint"),
    "pptx": FileType(
        "ooxml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "ppt/",
    ),
    "csv": FileType("text", "text/csv"),
    "txt": FileType("text", "text/plain"),
    "png": FileType("png", "image/png"),
    "jpg": FileType("jpeg", "image/jpeg"),
    "jpeg": FileType("jpeg", "image/jpeg"),
}
ACCEPT = ",".join(f".{extension}" for extension in FILE_TYPES)


@dataclass(frozen=True)
class CheckedUpload:
    """What we know about an accepted upload."""

    name: str  # the cleaned original name: for display and Content-Disposition only
    extension: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return settings.EVIDENCE_MAX_UPLOAD_BYTES


def format_size(size: int) -> str:
    """A size for people: 20 MB, 1.5 MB, 100 KB, 512 bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} bytes"


def too_big_message(limit: int | None = None) -> str:
    return f"The selected file must be smaller than {format_size(limit or max_upload_bytes())}"


def clean_filename(name: str) -> str:
    """The user's file name made safe to show and to send back in Content-Disposition.

    Folders, control and formatting characters (including the right-to-left override that
    can make ``exe.pdf`` look like ``fdp.exe``) are removed; the name is cut to 255
    characters, keeping its extension.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"\s", " ", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})
    name = " ".join(name.split())
    if len(name) > NAME_LIMIT:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) < 10:
            name = stem[: NAME_LIMIT - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_LIMIT]
    return name


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


class _TextCheck:
    """Decides, chunk by chunk, whether bytes are UTF-8 or Windows-1252 text."""

    def __init__(self):
        # Every encoding still in the running; a decode error or a control character drops one.
        self.decoders = {
            "utf-8": codecs.getincrementaldecoder("utf-8-sig")(),
            "cp1252": codecs.getincrementaldecoder("cp1252")(),
        }

    def feed(self, data: bytes, final: bool = False) -> None:
        if b"\x00" in data:
            self.decoders.clear()
        for encoding, decoder in list(self.decoders.items()):
            try:
                text = decoder.decode(data, final)
            except UnicodeDecodeError:
                del self.decoders[encoding]
                continue
            if BINARY_CONTROLS.search(text):
                del self.decoders[encoding]

    @property
    def is_text(self) -> bool:
        return bool(self.decoders)


@dataclass
class _Scan:
    size: int
    sha256: str
    head: bytes
    is_text: bool


def _scan(chunks, *, text: bool, limit: int | None) -> _Scan:
    """Read the content once: count it, hash it, keep its first bytes, and check text."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    checker = _TextCheck() if text else None
    for chunk in chunks:
        size += len(chunk)
        if limit is not None and size > limit:
            raise ValidationError(too_big_message(limit), code="too_big")
        digest.update(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        if checker is not None and checker.is_text:
            checker.feed(chunk)
    if checker is not None and checker.is_text:
        checker.feed(b"", final=True)
    return _Scan(
        size=size,
        sha256=digest.hexdigest(),
        head=head,
        is_text=bool(checker and checker.is_text),
    )


def _is_ooxml(fileobj, folder: str) -> bool:
    fileobj.seek(0)
    try:
        if not zipfile.is_zipfile(fileobj):
            return False
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            names = archive.namelist()
            if OOXML_CONTENT_TYPES not in names:
                return False
            if not any(name.startswith(folder) for name in names):
                return False
            # Macro-enabled documents (.docm, .xlsm, .pptm) are not among the allowed types.
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return False
            with archive.open(OOXML_CONTENT_TYPES) as part:
                content_types = part.read(OOXML_CONTENT_TYPES_READ)
            return b"<Types" in content_types
    # A damaged or hostile archive can fail in many ways (BadZipFile, zlib.error, EOFError,
    # RuntimeError for encryption, NotImplementedError for odd compression, ...): each one
    # means "not a document we accept", never a server error.
    except Exception:
        logger.debug("Not an Office Open XML file", exc_info=True)
        return False
    finally:
        fileobj.seek(0)


def _content_matches(file_type: FileType, scan: _Scan, fileobj) -> bool:
    match file_type.kind:
        case "pdf":
            return scan.head.startswith(PDF_SIGNATURE)
        case "png":
            return scan.head.startswith(PNG_SIGNATURE)
        case "jpeg":
            return scan.head.startswith(JPEG_SIGNATURE)
        case "ole2":
            return scan.head.startswith(OLE2_SIGNATURE)
        case "ooxml":
            return scan.head.startswith(ZIP_SIGNATURE) and _is_ooxml(
                fileobj, file_type.ooxml_folder
            )
        case "text":
            return scan.is_text
    return False


def _chunks_of(fileobj):
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK_SIZE):
        yield chunk


def _check(fileobj, chunks, name: str, limit: int | None) -> tuple[FileType, _Scan]:
    extension = extension_of(name)
    file_type = FILE_TYPES.get(extension)
    scan = _scan(chunks, text=file_type is not None and file_type.kind == "text", limit=limit)
    if scan.size == 0:
        raise ValidationError(EMPTY_MESSAGE, code="empty")
    if file_type is None or not _content_matches(file_type, scan, fileobj):
        raise ValidationError(ALLOWED_TYPES_MESSAGE, code="file_type")
    return file_type, scan


def detect_type(fileobj, name: str) -> FileType | None:
    """The allowed type of a seekable binary file named ``name``, or None if it has none."""
    try:
        file_type, _ = _check(fileobj, _chunks_of(fileobj), clean_filename(name), limit=None)
    except ValidationError:
        return None
    return file_type


def check_upload(upload, *, limit: int | None = None) -> CheckedUpload:
    """Check an uploaded file; raise ValidationError with the message to show if it fails."""
    limit = limit or max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(too_big_message(limit), code="too_big")
    name = clean_filename(upload.name)
    file_type, scan = _check(upload, upload.chunks(CHUNK_SIZE), name, limit)
    upload.seek(0)
    return CheckedUpload(
        name=name,
        extension=extension_of(name),
        content_type=file_type.content_type,
        size=scan.size,
        sha256=scan.sha256,
    )


def storage_name(organisation, extension: str) -> str:
    """Where a new file goes: nothing of the user's file name, only its checked extension."""
    folder = organisation.ods_code
    if not re.fullmatch(r"[A-Z0-9]+", folder or ""):
        folder = organisation.pk.hex
    return f"evidence/{folder}/{uuid.uuid4()}.{extension}"


def store_upload(response, upload, checked: CheckedUpload, *, user):
    """Save the file, then attach it to ``response``; if attaching fails, delete the file.

    ``response`` must come with its assessment and organisation (as the access helpers
    fetch it).
    """
    storage = default_storage
    stored = storage.save(storage_name(response.assessment.organisation, checked.extension), upload)
    try:
        return services.add_evidence_file(
            response.pk,
            stored_name=stored,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            user=user,
        )
    except BaseException:
        storage.delete(stored)
        raise


def stored_sha256(evidence) -> str | None:
    """The SHA-256 of the bytes stored for an evidence file now, or None when it is missing."""
    digest = hashlib.sha256()
    try:
        with evidence.file.storage.open(evidence.file.name, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def stored_file_matches(evidence) -> bool:
    """Whether the stored bytes are still the ones uploaded (and signed, by their SHA-256)."""
    return stored_sha256(evidence) == evidence.sha256


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops keeping an upload once a request's files pass ``limit`` bytes.

    Installed before Django's own handlers, so a file that is too big is neither held in
    memory nor written to a temporary file in full; the form then reports ``refused``.
    """

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.refused = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.refused = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


class EvidenceUploadForm(forms.Form):
    prefix = "evidence"

    # Not required by the field: a file refused for its size never arrives, and must get the
    # size message, not "Select a file" (see clean_file).
    file = forms.FileField(
        label="Add a file",
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        error_messages={"empty": EMPTY_MESSAGE, "invalid": REQUIRED_MESSAGE},
    )

    def __init__(self, *args, refused_for_size=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_for_size = refused_for_size
        self.checked: CheckedUpload | None = None
        self.fields["file"].help_text = (
            "A PDF, Word, Excel, PowerPoint, CSV, text, PNG or JPEG file, "
            f"smaller than {format_size(max_upload_bytes())}"
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("file", label_size="s"),
            Button("Upload file", variant="secondary"),
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.refused_for_size:
            raise ValidationError(too_big_message(), code="too_big")
        if not upload:
            raise ValidationError(REQUIRED_MESSAGE, code="required")
        self.checked = check_upload(upload)
        return upload


WEB_SCHEMES = ("http", "https")


class WebAddressField(forms.URLField):
    """A web address: http or https only, so javascript:, data: and file: never get in."""

    default_error_messages = {
        "invalid": "Enter a web address in the correct format, like https://www.example.nhs.uk",
        "scheme": "Enter a web address that starts with https:// or http://",
    }
    default_validators = [validators.URLValidator(schemes=list(WEB_SCHEMES))]

    def to_python(self, value):
        value = super().to_python(value)
        if value:
            scheme = value.partition(":")[0]
            if scheme.lower() not in WEB_SCHEMES:
                raise ValidationError(self.error_messages["scheme"], code="scheme")
        return value


class EvidenceLinkForm(forms.Form):
    prefix = "link"

    url = WebAddressField(
        label="Web address",
        max_length=2000,
        help_text="For example, https://www.example.nhs.uk/policies/flexible-working",
        error_messages={
            "required": "Enter a web address",
            "max_length": "Web address must be 2,000 characters or fewer",
        },
    )
    title = forms.CharField(
        label="Link title",
        max_length=200,
        help_text="What the page is, for example Flexible working policy",
        error_messages={
            "required": "Enter a title for the link",
            "max_length": "Link title must be 200 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].widget.attrs.update({"spellcheck": "false", "autocomplete": "url"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("Add a link", "url", "title", legend_size="s"),
            Button("Add link", variant="secondary"),
        )
