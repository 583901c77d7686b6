"""PDFs through WeasyPrint, for both layers: the page's stylesheets read from our static files
(parsed once per process, again only when a file changes) and a fetcher that refuses anything
but our static files, so nothing in a document can make the server fetch a URL. Each report
renders its own template with ``for_pdf=True`` and passes the HTML to ``write_pdf``.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

STYLESHEETS = ("app.css", "print.css")
# PDF/UA-1: a tagged PDF (a structure tree for screen readers) that says so in its XMP
# metadata, with its title shown instead of the file name and the page's language. Every
# report is checked by the pdfua checker and read back with pdftotext (tests/a11y).
PDF_OPTIONS = {"pdf_tags": True, "pdf_variant": "pdf/ua-1"}

logger = logging.getLogger(__name__)


def _stylesheet_path(name: str) -> Path:
    found = finders.find(name)
    if found is None and settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / name
        found = str(candidate) if candidate.exists() else None
    if found is None:
        raise ImproperlyConfigured(f"Static file {name} not found: run `make assets`")
    return Path(found).resolve()


@cache
def stylesheet_paths() -> tuple[Path, ...]:
    return tuple(_stylesheet_path(name) for name in STYLESHEETS)


def base_url() -> str:
    """Relative URLs in a report resolve against the folder of our stylesheets."""
    return stylesheet_paths()[0].parent.as_uri() + "/"


def _folders() -> tuple[Path, ...]:
    return tuple(dict.fromkeys(path.parent for path in stylesheet_paths()))


class StaticFilesOnly(URLFetcher):
    """Fetches our own static files and data: URLs; refuses everything else."""

    def __init__(self, folders=None, **kwargs):
        super().__init__(allowed_protocols=("file", "data"), **kwargs)
        self.folders = tuple(folders) if folders is not None else _folders()

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(folder) for folder in self.folders):
                raise ValueError(f"Refusing to read {url}: not a static file")
        return super().fetch(url, headers)


_parsed: dict[Path, tuple[int, CSS]] = {}
_parsing = threading.Lock()


def stylesheets() -> list[CSS]:
    """The parsed stylesheets, parsed again only when a file has changed."""
    result = []
    with _parsing:
        for path in stylesheet_paths():
            modified = path.stat().st_mtime_ns
            cached = _parsed.get(path)
            if cached is None or cached[0] != modified:
                # NHS.UK's CSS has rules for browsers that WeasyPrint ignores, each with a
                # warning; they say nothing about our reports.
                weasyprint_logger = logging.getLogger("weasyprint")
                level = weasyprint_logger.level
                weasyprint_logger.setLevel(logging.ERROR)
                try:
                    css = CSS(filename=str(path), url_fetcher=StaticFilesOnly())
                finally:
                    weasyprint_logger.setLevel(level)
                cached = _parsed[path] = (modified, css)
            result.append(cached[1])
    return result


def scope_table_headers(document, pdf) -> None:
    """Gives every table header cell its /Scope, which WeasyPrint leaves out: a header in a
    table's head labels its column, any other labels its row (our tables' `scope` attributes
    say the same). Screen readers and checkers then know which header goes with each cell."""
    by_reference = {obj.reference: obj for obj in pdf.objects if isinstance(obj, dict)}
    for obj in pdf.objects:
        if not isinstance(obj, dict) or obj.get("S") != "/TH":
            continue
        group = by_reference[by_reference[obj["P"]]["P"]]  # the cell's row's parent
        attributes = obj.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Scope"] = "/Column" if group.get("S") == "/THead" else "/Row"


def write_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=base_url(), url_fetcher=StaticFilesOnly()).write_pdf(
        stylesheets=stylesheets(), finisher=scope_table_headers, **PDF_OPTIONS
    )


def render_template_pdf(template_name: str, context: dict) -> bytes:
    return write_pdf(render_to_string(template_name, {**context, "for_pdf": True}))
