"""A network's exports on the task queue (partnership.documents): the coverage and gap map
tables (CSV and XLSX) and the audit report (PDF).

The key is a digest of the exact rows (the tables) or HTML (the audit) the file is made from,
read in the web request; the worker reads them again and writes the file. The subject is the
network and the page's query string, read by the same ``presenters.select`` as the pages, so a
file shows exactly what the page it was asked from shows.
"""

import io
from types import SimpleNamespace

from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import Workbook

from partnership.access import get_network_for
from partnership.documents import registry
from partnership.models import Network

from ..reports import pdf
from ..reports.exports import rows_csv, safe
from . import presenters, queries

TABLES = {"coverage": "Coverage", "gaps": "Gap map"}


def subject(selection, name: str) -> dict:
    return {"network": selection.network.slug, "query": selection.query_string, "name": name}


def _selection(subject):
    network = Network.objects.get(slug=subject["network"])
    asked = SimpleNamespace(GET=QueryDict(subject["query"]))
    return presenters.select(asked, network, mapping=subject["name"] == "gaps")


def table_xlsx(title, rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for values in rows:
        sheet.append([safe(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def material(selection, name: str):
    """What a file of ``name`` is made from: the table's rows, or the audit report's HTML."""
    if name == "audit":
        report = presenters.AuditReport.build(selection)
        return render_to_string("assessments/rollup/audit.html", report.context(for_pdf=True))
    args = (selection.network, selection.slug, selection.period, selection.filters)
    if name == "coverage":
        return list(presenters.coverage_rows(queries.coverage(*args)))
    gaps = queries.gap_map(*args, in_terms_of=selection.in_terms_of)
    return list(presenters.gap_rows(gaps))


def _read(subject):
    return material(_selection(subject), subject["name"])


def _authorize(request, subject):
    return get_network_for(request, subject["network"])


def filename(selection, name: str, extension: str) -> str:
    period = selection.period.replace("/", "-")
    return f"{selection.network.slug}-{selection.slug}-{period}-{name}.{extension}"


def _url(subject, extension):
    name = "audit_pdf" if subject["name"] == "audit" else f"{subject['name']}_{extension}"
    url = reverse(f"assessments:network_{name}", args=[subject["network"]])
    return f"{url}?{subject['query']}" if subject["query"] else url


def _back(subject):
    network = Network.objects.only("name").get(slug=subject["network"])
    return network.name, reverse("assessments:network", args=[network.slug])


def _register(name, label, content_type, extension, read, write, **extra):
    registry.content_kind(
        name=name,
        label=label,
        content_type=content_type,
        extension=extension,
        read=read,
        write=write,
        authorize=_authorize,
        filename=lambda subject: filename(_selection(subject), subject["name"], extension),
        url=lambda subject: _url(subject, extension),
        back=_back,
        **extra,
    )


for _table, _title in TABLES.items():
    _name = "coverage table" if _table == "coverage" else "gap map table"
    _register(f"network-{_table}-csv", f"{_name} (CSV)", registry.CSV, "csv", _read, rows_csv)
    _register(
        f"network-{_table}-xlsx",
        f"{_name} (spreadsheet)",
        registry.XLSX,
        "xlsx",
        _read,
        lambda rows, title=_title: table_xlsx(title, rows),
    )
_register(
    "network-audit",
    "network audit report",
    registry.PDF,
    "pdf",
    _read,
    pdf.write_pdf,
    version=registry.pdf_version,
)
