"""Tables in the PDFs keep their structure wherever a page ends (PDF/UA-1 §7.5)."""

import io

import pikepdf
import pytest

from partnership.pdf import write_pdf

TABLE = """
<div class="nhsuk-table-container">
  <table class="nhsuk-table">
    <caption class="nhsuk-table__caption nhsuk-table__caption--m">Table 4: Paid activities</caption>
    <thead class="nhsuk-table__head">
      <tr class="nhsuk-table__row">
        <th scope="col" class="nhsuk-table__header">Measure</th>
        <th scope="col" class="nhsuk-table__header">Figures</th>
      </tr>
    </thead>
    <tbody class="nhsuk-table__body">
      <tr class="nhsuk-table__row">
        <td class="nhsuk-table__cell" style="height: 60mm">Time on paid activities</td>
        <td class="nhsuk-table__cell">12.5%</td>
      </tr>
    </tbody>
  </table>
</div>
"""


def _page(filler_mm: int) -> str:
    return (
        '<!DOCTYPE html><html lang="en-GB" class="app-pdf"><head><meta charset="utf-8">'
        "<title>Tables</title></head><body class='app-pdf__body'>"
        f'<div style="height: {filler_mm}mm">Filler</div>{TABLE}</body></html>'
    )


def _tables_without_rows(node) -> int:
    count = 0
    if isinstance(node, pikepdf.Dictionary):
        kids = node.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids else []
        if str(node.get("/S", "")) == "/Table" and not _has_row(node):
            count += 1
        for kid in kids:
            count += _tables_without_rows(kid)
    return count


def _has_row(node) -> bool:
    if not isinstance(node, pikepdf.Dictionary):
        return False
    if str(node.get("/S", "")) == "/TR":
        return True
    kids = node.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids else []
    return any(_has_row(kid) for kid in kids)


# Filler heights that leave room at the foot of the first A4 page for the caption but not for
# the table's rows (the page's content area is about 255 mm tall).
@pytest.mark.parametrize("filler_mm", [230, 234, 238])
def test_a_caption_is_never_left_at_the_foot_of_a_page_as_a_table_of_its_own(filler_mm):
    with pikepdf.open(io.BytesIO(write_pdf(_page(filler_mm)))) as pdf:
        assert len(pdf.pages) == 2
        assert _tables_without_rows(pdf.Root.StructTreeRoot) == 0
