"""A small check for meeting papers: PDF, Word, Excel, PowerPoint or OpenDocument files,
recognised by their content as well as their name, up to 20 MB. (The evidence checks of the
upper layer are broader; forum papers need only the usual office formats.)"""

import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MAX_BYTES = 20 * 1024 * 1024
PDF = b"%PDF-"
ZIP = b"PK\x03\x04"
# extension -> the part a genuine file of that kind has inside its zip
ZIPPED = {
    "docx": "word/",
    "xlsx": "xl/",
    "pptx": "ppt/",
    "odt": "content.xml",
    "ods": "content.xml",
    "odp": "content.xml",
}
EXTENSIONS = ("pdf", *ZIPPED)
TYPES_MESSAGE = "The paper must be a PDF, Word, Excel, PowerPoint or OpenDocument file"
TOO_BIG_MESSAGE = "The paper must be smaller than 20 MB"
EMPTY_MESSAGE = "The selected paper is empty"
ACCEPT = ",".join(f".{extension}" for extension in EXTENSIONS)


@dataclass(frozen=True)
class CheckedPaper:
    name: str
    extension: str


def clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[:200] or "paper"


def _zip_has(upload, part: str) -> bool:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return False
    return any(n == part or n.startswith(part) for n in names)


def check_paper(upload) -> CheckedPaper:
    """Accept the upload or raise ``ValidationError`` with a message for the user."""
    if upload.size == 0:
        raise ValidationError(EMPTY_MESSAGE)
    if upload.size > MAX_BYTES:
        raise ValidationError(TOO_BIG_MESSAGE)
    name = clean_name(upload.name or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise ValidationError(TYPES_MESSAGE)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if extension == "pdf":
        ok = head.startswith(PDF)
    else:
        ok = head.startswith(ZIP) and _zip_has(upload, ZIPPED[extension])
    if not ok:
        raise ValidationError(TYPES_MESSAGE)
    return CheckedPaper(name=name, extension=extension)
