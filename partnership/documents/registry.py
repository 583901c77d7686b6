"""The kinds of document the task queue prepares. Each registers once, where it belongs
(``register`` at import; the apps import their document modules in ``AppConfig.ready``, so a
worker process knows every kind as the web process does)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.http import Http404

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

KINDS: dict[str, DocumentKind] = {}


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document, and everything the machinery asks of it. ``subject`` is the JSON
    the ``Document`` row keeps: what to build the document from.

    - ``read(subject)``: the reading step (queries; for PDFs the HTML), in the worker;
    - ``write(material)``: the laying-out step, from what ``read`` returned, to bytes;
    - ``stamp(subject)``: the key material, in the web request: anything JSON can hold that
      changes whenever the document would (see ``content_stamp``);
    - ``authorize(request, subject)``: the kind's access helper, raising 404 for outsiders and
      403 for members who may not read it, exactly as the download itself does; used by the
      waiting page's status and "try again", which know only the document;
    - ``filename(subject)``, ``url(subject)`` (the address that asks for it) and
      ``back(subject)`` (the page it belongs to, as (text, href), for the caption and the
      breadcrumbs of the waiting page).
    """

    name: str  # stored in Document.kind: unique among kinds
    label: str  # "Preparing your <label>"
    content_type: str
    extension: str
    read: Callable[[dict], Any]
    write: Callable[[Any], bytes]
    stamp: Callable[[dict], Any]
    authorize: Callable[[Any, dict], Any]
    filename: Callable[[dict], str]
    url: Callable[[dict], str]
    back: Callable[[dict], tuple[str, str]]
    version: Callable[[], str] = lambda: ""  # templates and code the stamp does not cover
    dated: bool = False  # shows something that changes by date alone (overdue actions)
    reading: str = "Reading the records"  # the waiting page's first step

    def build(self, subject: dict) -> bytes:
        return self.write(self.read(subject))


def register(kind: DocumentKind) -> DocumentKind:
    existing = KINDS.get(kind.name)
    if existing is not None and existing.read.__qualname__ != kind.read.__qualname__:
        raise ValueError(f"Two kinds of document are called {kind.name!r}")
    KINDS[kind.name] = kind
    return kind


def get(name: str) -> DocumentKind:
    try:
        return KINDS[name]
    except KeyError:
        raise Http404("No such kind of document") from None


def digest(content) -> str:
    """A SHA-256 of exact content (HTML, bytes, or rows JSON can hold): the stamp of the kinds
    whose content is cheap to produce in the request compared with laying it out."""
    if isinstance(content, str):
        content = content.encode()
    elif not isinstance(content, bytes):
        content = json.dumps(content, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(content).hexdigest()


@cache
def pdf_version() -> str:
    """A hash of the stylesheets every PDF is laid out with, as deployed (the HTML the kinds'
    stamps digest names them but does not hold them)."""
    from ..pdf import stylesheet_paths

    hashed = hashlib.sha256()
    for path in stylesheet_paths():
        hashed.update(path.name.encode())
        hashed.update(path.read_bytes())
    return hashed.hexdigest()


def content_kind(**fields) -> DocumentKind:
    """A kind whose key is the digest of what ``read`` returns (the HTML of a PDF, the rows of a
    spreadsheet): the web request reads, the worker reads again and lays it out."""
    read = fields["read"]
    fields.setdefault("stamp", lambda subject: digest(read(subject)))
    return register(DocumentKind(**fields))
