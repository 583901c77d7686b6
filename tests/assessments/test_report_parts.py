"""A long scored report's PDF, written in parts and joined (issue 13's memory target): one
tagged document with every part's pages, structure, bookmarks and page numbers."""

import io
import re
import shutil
import subprocess

import pdfua
import pikepdf
import pytest
from django.template.loader import render_to_string

from assessments.reports import pdf as report_pdf
from assessments.reports.pdf import render_pdf, scored_report_pdf
from assessments.reports.presenters import ScoredReport
from assessments.services import start_assessment
from partnership import pdfjoin
from tests.assessments.test_reports import (
    DISAGREED,
    DISSENT,
    record,
    sign_off_both,
    small_framework,
)

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
ROWS_PER_PART = 8


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def long_assessment(organisation, hr_lead, staff_rep):
    """Two standards of 14 criteria: with parts of 8 rows, both standards' tables are split."""
    assessment = start_assessment(
        organisation=organisation,
        framework=small_framework(criteria=14, standards=2),
        period="2025/26",
        title="Long",
        user=hr_lead,
    )
    plan = {"S1.3": {"decision": DISAGREED, "comment": DISSENT}, "S2.5": {"rating": 0}}
    record(assessment, hr_lead, staff_rep, plan, evidence=False)
    return sign_off_both(assessment, hr_lead, staff_rep)


def structure_elements(pdf):
    return [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem"
    ]


def kids(element):
    k = element.get("/K", pikepdf.Array())
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def count(pdf, tag):
    return sum(1 for element in structure_elements(pdf) if tag == element.S)


def data_rows(pdf):
    return sum(
        1
        for element in structure_elements(pdf)
        if element.S == "/TR" and any(kid.get("/S") == "/TD" for kid in kids(element))
    )


def outline(pdf):
    """(depth, title, page number) of every bookmark, in order."""
    numbers = {page.obj.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    with pdf.open_outline() as tree:

        def walk(items, depth):
            for item in items:
                yield depth, str(item.title), numbers[item.destination[0].objgen]
                yield from walk(item.children, depth + 1)

        return list(walk(tree.root, 0))


def page_texts(path):
    text = subprocess.run(  # noqa: S603
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def test_the_report_is_cut_into_parts_of_about_the_given_rows(long_assessment):
    report = ScoredReport.build(long_assessment)
    parts = report.parts(ROWS_PER_PART)
    slices = [
        (section.ref, len(section.rows), section.continued)
        for part in parts
        for section in part.sections
    ]
    assert slices == [
        ("S1", 8, False),
        ("S1", 6, True),
        ("S2", 2, False),
        ("S2", 8, True),
        ("S2", 4, True),
    ]
    assert [sum(len(s.rows) for s in part.sections) for part in parts] == [8, 8, 8, 4, 0, 0]
    assert [row for part in parts for s in part.sections for row in s.rows] == report.rows
    assert [(p.cover, p.dissent, p.closing) for p in parts] == [
        (True, False, False),
        *[(False, False, False)] * 3,
        (False, True, False),
        (False, False, True),
    ]
    assert all(part.in_parts for part in parts)
    assert parts[1].sections[0].caption == "Standard 1 (continued)"


def test_a_slice_of_a_few_rows_starts_a_new_part_instead(long_assessment):
    # In parts of 16 rows, S2 would begin with two rows at the end of the first part.
    parts = ScoredReport.build(long_assessment).parts(16)
    assert [[(s.ref, len(s.rows), s.continued) for s in p.sections] for p in parts] == [
        [("S1", 14, False)],
        [("S2", 14, False)],
        [],
        [],
    ]


def test_a_small_report_is_written_in_one_piece(organisation, hr_lead, staff_rep, monkeypatch):
    small = start_assessment(
        organisation=organisation,
        framework=small_framework(),
        period="2025/26",
        title="Small",
        user=hr_lead,
    )
    record(small, hr_lead, staff_rep, evidence=False)

    def refuse(parts):
        raise AssertionError("written in parts")

    monkeypatch.setattr(pdfjoin, "write_pdf_in_parts", refuse)
    report = ScoredReport.build(small)
    assert not report_pdf.in_parts(report)
    assert report.context(for_pdf=True)["part"].sections == report.sections
    with pikepdf.open(io.BytesIO(render_pdf(report))) as pdf:
        assert len(pdf.Root.StructTreeRoot.K) == 1
    assert report_pdf.IN_PARTS_ABOVE >= 150  # the 100-criterion national framework is not


def test_the_joined_pdf_is_one_tagged_document(long_assessment, monkeypatch, tmp_path):
    whole, joined = tmp_path / "whole.pdf", tmp_path / "joined.pdf"
    whole.write_bytes(scored_report_pdf(long_assessment))  # 28 criteria: in one piece
    monkeypatch.setattr(report_pdf, "IN_PARTS_ABOVE", 20)
    monkeypatch.setattr(report_pdf, "ROWS_PER_PART", ROWS_PER_PART)
    joined.write_bytes(scored_report_pdf(long_assessment))

    # The checker nobody here wrote: structure, parent tree, marked content, tables, metadata.
    findings = pdfua.validate(str(joined)).findings
    assert not findings, [(f.rule_id, f.message) for f in findings]

    with pikepdf.open(whole) as one, pikepdf.open(joined) as pdf:
        # Six parts, each with its own Document element before joining: one is left.
        (document,) = pdf.Root.StructTreeRoot.K
        assert document.S == "/Document"
        assert sum(1 for e in structure_elements(pdf) if e.S == "/Document") == 1
        # Every element hangs from the one Document element, through parents that list it.
        for element in structure_elements(pdf):
            if element.objgen == document.objgen:
                continue
            parent = element.P
            if parent.objgen != document.objgen:
                assert element.objgen in {k.objgen for k in kids(parent)}
            while parent.get("/Type") == "/StructElem" and parent.objgen != document.objgen:
                parent = parent.P
            assert parent.objgen == document.objgen
        assert {k.P.objgen for k in kids(document)} == {document.objgen}

        # Every criterion's row, as in the report written in one piece. WeasyPrint tags a
        # table's part on each page as a table, each with its header row: so do the slices.
        assert data_rows(pdf) == data_rows(one) >= 28
        assert count(pdf, "/TD") == count(one, "/TD")
        tables = [e for e in structure_elements(pdf) if e.S == "/Table"]
        assert len(tables) > count(one, "/Table")
        for table in tables:
            assert "/THead" in [str(k.get("/S")) for k in kids(table)]
        # The /Scope finisher ran on every part.
        headers = [e for e in structure_elements(pdf) if e.S == "/TH"]
        assert headers and all("/Scope" in e.A for e in headers)

        # The parent tree: every page's and link's key resolves to its own elements, every
        # marked-content id on a page has its element, and the next key is past them all.
        parent_tree = pdf.Root.StructTreeRoot.ParentTree.Nums
        entries = {int(parent_tree[i]): parent_tree[i + 1] for i in range(0, len(parent_tree), 2)}
        assert len(entries) * 2 == len(parent_tree)
        keys = [int(page.obj.StructParents) for page in pdf.pages]
        assert len(set(keys)) == len(pdf.pages)
        for page, key in zip(pdf.pages, keys, strict=True):
            elements = entries[key]
            ids = {
                int(operands[1].MCID)
                for operands, operator in pikepdf.parse_content_stream(page)
                if operator == pikepdf.Operator("BDC")
                and isinstance(operands[1], pikepdf.Dictionary)
                and "/MCID" in operands[1]
            }
            assert ids and max(ids) < len(elements)
            for mcid in ids:
                assert elements[mcid].Pg.objgen == page.obj.objgen
                assert mcid in [int(k) for k in kids(elements[mcid]) if isinstance(k, int)]
            for annotation in page.obj.get("/Annots", ()):
                assert int(annotation.StructParent) in entries
        assert int(pdf.Root.StructTreeRoot.ParentTreeNextKey) == max(entries) + 1

        # The catalogue and metadata of a PDF/UA-1 document.
        assert str(pdf.docinfo.Title) == str(one.docinfo.Title)
        assert str(pdf.Root.Lang) == "en-GB"
        assert pdf.Root.MarkInfo.Marked and pdf.Root.ViewerPreferences.DisplayDocTitle
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"
            assert xmp["dc:title"] == str(one.docinfo.Title)

        # The bookmarks of every part, nested as in one piece, each on its heading's page.
        bookmarks = outline(pdf)
        assert [b[:2] for b in bookmarks] == [b[:2] for b in outline(one)]
        pages = len(pdf.pages)
    texts = page_texts(joined)
    assert len(texts) == pages
    for depth, title, number in bookmarks:
        assert title in " ".join(texts[number - 1].split()), (depth, title, number)

    # Page numbers run on across the parts, with the true total; every page has its
    # running heads, though only the first part has the cover that sets them.
    for number, text in enumerate(texts, start=1):
        assert re.search(rf"Page {number} of {pages}\b", text), text[-300:]
        assert "Northshire Community NHS Trust" in text and "Scored report" in text
        assert "Jointly signed off" in text
    # A continued slice says so where its heading would be.
    assert sum("Standard 1, continued" in t for t in texts) == 1
    assert sum("Standard 2, continued" in t for t in texts) == 2


def test_a_draft_in_parts_is_marked_draft_on_every_page(
    organisation, hr_lead, staff_rep, monkeypatch, tmp_path
):
    assessment = start_assessment(
        organisation=organisation,
        framework=small_framework(criteria=12, standards=2),
        period="2025/26",
        title="Long draft",
        user=hr_lead,
    )
    record(assessment, hr_lead, staff_rep, evidence=False, sign=False)
    monkeypatch.setattr(report_pdf, "IN_PARTS_ABOVE", 20)
    monkeypatch.setattr(report_pdf, "ROWS_PER_PART", ROWS_PER_PART)
    path = tmp_path / "draft.pdf"
    path.write_bytes(scored_report_pdf(assessment))

    findings = pdfua.validate(str(path)).findings
    assert not findings, [(f.rule_id, f.message) for f in findings]
    texts = page_texts(path)
    assert len(texts) > 4
    for number, text in enumerate(texts, start=1):
        assert "DRAFT: not yet jointly signed off" in text  # the running foot
        assert re.search(rf"Page {number} of {len(texts)}\b", text)
    # The diagonal watermark (fixed: on every page of its part) is in every part, not only the
    # first with the cover. pdftotext reads rotated text letter by letter, so look at the HTML.
    report = ScoredReport.build(assessment)
    parts = report.parts(ROWS_PER_PART)
    for part in parts:
        html = render_to_string(report.template_name, report.context(for_pdf=True, part=part))
        assert html.count('data-testid="draft-watermark"') == 1
