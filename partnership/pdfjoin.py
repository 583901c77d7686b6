"""Long PDFs written in parts and joined into one, so that WeasyPrint's layout of a long
document never has to be held in memory all at once.

WeasyPrint keeps the layout of every page until it writes the PDF (about 2.7 MB a page for our
reports). ``write_pdf_in_parts`` lays out and writes each part on its own, frees it, and joins
the parts' PDFs with pikepdf into one document that is still tagged PDF/UA-1:

- every page, in order, with the page numbers counted across the parts ("Page 7 of 148": each
  part starts its page counter where the previous one stopped, and prints the known total);
- one structure tree: each part's top-level structure elements under the first part's
  Document element, the parent tree's keys (the pages' /StructParents, the annotations'
  /StructParent) moved past the previous parts', /ParentTreeNextKey set, role maps merged;
- one outline, nested as WeasyPrint nests a single document's bookmarks (so a part that begins
  with an <h2> continues under the previous part's <h1>);
- the named destinations of every part;
- the first part's catalogue: title, language, MarkInfo, ViewerPreferences and the XMP
  metadata that declares PDF/UA-1; every part has had the /Scope finisher applied.

The total number of pages is known only after every part has been laid out, so each part is
laid out twice: once to count its pages, once to write it. That doubles the layout time, not
the memory (one part's layout at a time).
"""

from __future__ import annotations

import gc
import io
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf
from weasyprint import CSS, HTML
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.matrix import Matrix

from .pdf import PDF_OPTIONS, StaticFilesOnly, base_url, scope_table_headers, stylesheets

# WeasyPrint's CSS pixels to PDF points at zoom 1, as it writes bookmark destinations.
SCALE = 0.75

# The footer of print.css ("Page N of M"), with the total written in: WeasyPrint's own
# counter(pages) counts only the part's pages. The first page of each part sets the page
# counter to its number in the joined document.
PAGE_NUMBERS = """
@page :first {{ counter-reset: page {first} }}
@page {{ @bottom-right {{ content: "Page " counter(page) " of {total}" }} }}
"""


@dataclass(frozen=True)
class _BookmarkPage:
    """What WeasyPrint's bookmark nesting reads of a laid-out page."""

    bookmarks: list
    height: float


def _html(html: str) -> HTML:
    return HTML(string=html, base_url=base_url(), url_fetcher=StaticFilesOnly())


def _page_count(html: str) -> int:
    document = _html(html).render(stylesheets=stylesheets(), **PDF_OPTIONS)
    count = len(document.pages)
    del document
    gc.collect()
    return count


def write_pdf_in_parts(parts: Sequence[str]) -> bytes:
    """One tagged PDF of several HTML documents (each a part of the same document, with the
    same title and language), laid out one at a time."""
    if not parts:
        raise ValueError("No parts to write")
    counts = [_page_count(html) for html in parts]
    total = sum(counts)
    bookmark_pages: list[_BookmarkPage] = []
    content = b""
    first = 1
    for number, (html, count) in enumerate(zip(parts, counts, strict=True), start=1):
        numbering = CSS(string=PAGE_NUMBERS.format(first=first, total=total))
        document = _html(html).render(stylesheets=[*stylesheets(), numbering], **PDF_OPTIONS)
        if len(document.pages) != count:
            raise RuntimeError(f"A part laid out as {count} pages, then {len(document.pages)}")
        bookmark_pages += [_BookmarkPage(page.bookmarks, page.height) for page in document.pages]
        part_content = document.write_pdf(finisher=scope_table_headers, **PDF_OPTIONS)
        del document
        gc.collect()
        first += count
        last = number == len(parts)
        if not content and not last:
            content = part_content
            continue
        # The joined document so far is saved and opened again for each part: pikepdf holds
        # every object it has read, and a source document until the copy is saved, so keeping
        # the parts open would hold every part's objects twice.
        with (
            pikepdf.open(io.BytesIO(content or part_content)) as joined,
            pikepdf.open(io.BytesIO(part_content)) as part,
        ):
            if content:
                _append(joined, part)
            if last:
                _write_outline(joined, bookmark_pages)
            content = _save(joined)
    return content


def _save(pdf: pikepdf.Pdf) -> bytes:
    output = io.BytesIO()
    pdf.save(output)
    return output.getvalue()


# --- Joining -------------------------------------------------------------------------------


def _number_tree(node) -> list[tuple[int, pikepdf.Object]]:
    """The (key, value) pairs of a PDF number tree, in order."""
    pairs = []
    if "/Nums" in node:
        nums = node.Nums
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    for kid in node.get("/Kids", ()):
        pairs += _number_tree(kid)
    return pairs


def _name_tree(node) -> list[tuple[bytes, pikepdf.Object]]:
    pairs = []
    if "/Names" in node:
        names = node.Names
        pairs += [(bytes(names[i]), names[i + 1]) for i in range(0, len(names), 2)]
    for kid in node.get("/Kids", ()):
        pairs += _name_tree(kid)
    return pairs


def _elements(kids) -> list:
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _append(joined: pikepdf.Pdf, part: pikepdf.Pdf) -> None:
    """Appends ``part``'s pages, structure tree and named destinations to ``joined``."""
    tree = joined.Root.StructTreeRoot
    parent_tree = _number_tree(tree.ParentTree)
    offset = max((key for key, _ in parent_tree), default=-1) + 1

    # The part's parent tree keys move past the joined document's.
    for page in part.pages:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset
    part_tree = part.Root.StructTreeRoot
    entries = _number_tree(part_tree.ParentTree)

    # Pages first: the structure elements' /Pg and the destinations then point at the copies
    # (pikepdf copies each object of a source once, however many times it is reached).
    joined.pages.extend(part.pages)
    (part_document,) = _elements(part_tree.K)
    copied = joined.copy_foreign(
        part.make_indirect(pikepdf.Array([part_document, pikepdf.Array(v for _, v in entries)]))
    )
    copied_document, copied_values = copied[0], copied[1]

    (document,) = _elements(tree.K)
    kids = _elements(document.K) if "/K" in document else []
    for kid in _elements(copied_document.K):
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = document
        kids.append(kid)
    document.K = pikepdf.Array(kids)
    # WeasyPrint also gives the Document element children it does not list in its /K (the
    # page margins' text, reached only through the parent tree): they move with the rest.
    _reparent(copied_values, copied_document.objgen, document)

    nums = pikepdf.Array()
    for key, value in parent_tree:
        nums.extend([key, value])
    for (key, _), value in zip(entries, copied_values, strict=True):
        nums.extend([key + offset, value])
    tree.ParentTree = pikepdf.Dictionary(Nums=nums)
    tree.ParentTreeNextKey = max((key + offset for key, _ in entries), default=offset - 1) + 1

    for name in ("/RoleMap", "/ClassMap"):
        if name in part_tree:
            merged = tree.get(name, pikepdf.Dictionary())
            for key, value in part_tree[name].items():
                if key not in merged:
                    merged[key] = joined.copy_foreign(value) if value.is_indirect else value
            tree[name] = merged

    if "/Names" in part.Root and "/Dests" in part.Root.Names:
        destinations = _name_tree(part.Root.Names.Dests)
        copied_destinations = joined.copy_foreign(
            part.make_indirect(pikepdf.Array(v for _, v in destinations))
        )
        names = joined.Root.get("/Names", pikepdf.Dictionary())
        existing = _name_tree(names.Dests) if "/Dests" in names else []
        merged = sorted(
            existing
            + [(n, v) for (n, _), v in zip(destinations, copied_destinations, strict=True)],
            key=lambda pair: pair[0],
        )
        flat = pikepdf.Array()
        for name, value in merged:
            flat.extend([pikepdf.String(name), value])
        names.Dests = pikepdf.Dictionary(Names=flat)
        joined.Root.Names = names


def _reparent(values, old_parent, new_parent) -> None:
    """Points every element of the parent tree ``values`` whose ancestors reach
    ``old_parent`` at ``new_parent`` instead."""
    seen = set()
    for value in values:
        for element in _elements(value):
            while isinstance(element, pikepdf.Dictionary) and "/P" in element:
                if element.objgen in seen:
                    break
                seen.add(element.objgen)
                if element.P.objgen == old_parent:
                    element.P = new_parent
                    break
                element = element.P


def _write_outline(joined: pikepdf.Pdf, pages: list[_BookmarkPage]) -> None:
    """Replaces the first part's outline by one of every part's bookmarks, nested as
    WeasyPrint nests them within one document."""
    root: list = []
    skipped_levels: list = []
    last_by_depth = [root]
    previous_level = 0
    for number, page in enumerate(pages):
        matrix = Matrix(a=SCALE, d=-SCALE, f=page.height * SCALE)
        previous_level = make_page_bookmark_tree(
            page, skipped_levels, last_by_depth, previous_level, number, matrix
        )
    if "/Outlines" in joined.Root:
        del joined.Root["/Outlines"]
    if not root:
        return
    outlines = joined.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    items, count = _outline_items(joined, root, outlines)
    outlines.First, outlines.Last, outlines.Count = items[0], items[-1], count
    joined.Root.Outlines = outlines


def _outline_items(joined: pikepdf.Pdf, bookmarks: list, parent) -> tuple[list, int]:
    items = []
    count = len(bookmarks)
    for title, (number, x, y), children, state in bookmarks:
        destination = pikepdf.Array([joined.pages[number].obj, pikepdf.Name.XYZ, x, y, 0])
        item = joined.make_indirect(
            pikepdf.Dictionary(Title=pikepdf.String(title), Dest=destination, Parent=parent)
        )
        child_items, child_count = _outline_items(joined, children, item)
        item.Count = -child_count if state == "closed" else child_count
        if state != "closed":
            count += child_count
        if child_items:
            item.First, item.Last = child_items[0], child_items[-1]
        if items:
            item.Prev, items[-1].Next = items[-1], item
        items.append(item)
    return items, count
