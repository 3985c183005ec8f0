"""The district report as a Word document, for officials who edit the letter before signing.

It draws the same `OfficialDocument` as the PDF, block by block (`content`), so the two say the
same; only the look is Word's: Times New Roman 12 pt would be the ГОСТ habit, but the tables
are wide, so the body is 11 pt and the tables 9 pt, A4 with the PDF's margins."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from govpublic.states import STATES
from reports.district.content import Block, Cell, Chart, Heading, Para, Post, Table, Tiles
from reports.district.letter import OfficialDocument, official_document
from reports.district.rows import DistrictReport

FONT = "Times New Roman"
BLUE = RGBColor(0x0A, 0x3D, 0x7A)
MUTED = RGBColor(0x5B, 0x66, 0x70)
BAD = RGBColor(0x9B, 0x2C, 0x1C)
GOOD = RGBColor(0x2F, 0x6F, 0x4F)
HEADER_FILL = "E9EEF4"
TEXT_WIDTH_MM = 174  # A4 less the margins below


def render_district_docx(report: DistrictReport, doc: OfficialDocument | None = None) -> bytes:
    doc = doc or official_document(report)
    document = Document()
    _page(document)
    _letterhead(document, doc)
    for block in doc.blocks:
        _block(document, block)
    _proposals(document, doc)
    _signature(document, doc)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    section.left_margin, section.right_margin = Mm(20), Mm(16)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    # East-Asian and complex-script slots too, or Word substitutes a font for Cyrillic in some locales.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(4)
    for name in ("Heading 1", "Heading 2"):
        heading = document.styles[name]
        heading.font.name = FONT
        heading.font.color.rgb = BLUE
        heading.font.size = Pt(13 if name == "Heading 1" else 11.5)
        # The template's theme fonts (Calibri Light) win over a named font unless removed.
        fonts = heading.element.rPr.rFonts
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
    document.core_properties.language = "ru-RU"


def _paragraph(document_or_cell, text: str = "", *, bold=False, size=None, colour=None, align=None, after=None):
    paragraph = document_or_cell.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = colour
    if align is not None:
        paragraph.alignment = align
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def _letterhead(document, doc: OfficialDocument) -> None:
    table = document.add_table(rows=1, cols=2)
    _widths(table, (95, TEXT_WIDTH_MM - 95))
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    run = left.paragraphs[0].add_run(doc.body_name.upper())
    run.bold, run.font.color.rgb = True, BLUE
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in doc.contacts:
        _paragraph(left, line, size=9, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(left, doc.number_line, align=WD_ALIGN_PARAGRAPH.CENTER, after=0).paragraph_format.space_before = Pt(8)
    right.paragraphs[0].text = "\n".join(doc.addressee)
    _paragraph(document)
    _paragraph(document, doc.district.upper(), size=9, colour=MUTED, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    title = _paragraph(document, doc.title, bold=True, size=17, colour=BLUE, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    title.paragraph_format.space_before = Pt(4)
    _paragraph(document, doc.subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, after=10)


def _block(document, block: Block) -> None:
    if isinstance(block, Heading):
        document.add_heading(block.text, level=1 if block.level == 2 else 2)
    elif isinstance(block, Para):
        paragraph = document.add_paragraph()
        colour = {"muted": MUTED, "ok": GOOD, "note": MUTED}.get(block.style)
        for part in block.runs:
            run = paragraph.add_run(part.text)
            run.bold = part.bold
            if colour is not None:
                run.font.color.rgb = colour
            if block.style in ("muted", "note"):
                run.font.size = Pt(9.5)
    elif isinstance(block, Table):
        _table(document, block)
    elif isinstance(block, Tiles):
        table = document.add_table(rows=2, cols=len(block.tiles))
        table.style = "Table Grid"
        for index, tile in enumerate(block.tiles):
            big, what = table.rows[0].cells[index], table.rows[1].cells[index]
            run = big.paragraphs[0].add_run(tile.big)
            run.bold, run.font.size = True, Pt(15)
            run.font.color.rgb = BAD if tile.warn else BLUE
            what.paragraphs[0].add_run(tile.what).font.size = Pt(9)
        _paragraph(document, after=0)
    elif isinstance(block, Chart):
        rows = [[Cell(bar.label), Cell(bar.phrase), Cell(f"{round(100 * bar.value / bar.total) if bar.total else 0}%")]
                for bar in block.bars]
        _table(document, Table([_("Критерий"), _("Организаций"), _("Доля")], rows, numeric=frozenset({1, 2}),
                               widths=(60, 25, 15)))
    elif isinstance(block, Post):
        _post(document, block)


def _table(document, block: Table) -> None:
    headers = block.headers if not block.meta else []
    table = document.add_table(rows=0, cols=len(block.rows[0]) if block.meta else len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    if not block.meta:
        table.style = "Table Grid"
        row = table.add_row()
        _repeat_header(row)
        for index, header in enumerate(headers):
            _cell(row.cells[index], header, bold=True, fill=HEADER_FILL, right=index in block.numeric)
    for values in block.rows:
        row = table.add_row()
        for index, value in enumerate(values):
            state = STATES.get(value.tone)
            _cell(
                row.cells[index], value.text,
                bold=block.meta is False and (value.tone == "bad" or state is not None),
                fill=state.fill if state else None,
                colour=RGBColor.from_string(state.ink) if state else BAD if value.tone == "bad" else
                MUTED if value.tone == "muted" or (block.meta and index == 0) else None,
                right=index in block.numeric,
            )
    if block.widths:
        _widths(table, [TEXT_WIDTH_MM * width / 100 for width in block.widths])
    _paragraph(document, after=0)


def _cell(cell, text: str, *, bold=False, fill=None, colour=None, right=False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.font.size = Pt(9)
    run.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.space_after = Pt(0)
    if fill:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shading)


def _widths(table, millimetres) -> None:
    """Column widths both ways: Word reads each cell's, LibreOffice the table grid's."""
    table.autofit = False
    for column, width in zip(table.columns, millimetres, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _repeat_header(row) -> None:
    """The header row again on every page the table runs onto."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _post(document, block: Post) -> None:
    post = block.post
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.add_run(post.short_name).bold = True
    paragraph.add_run(f" · {block.when}").font.color.rgb = MUTED
    _paragraph(document, post.name, size=8, colour=MUTED, after=0)
    if post.excerpt:
        _paragraph(document, post.excerpt, after=0)
    if post.hashtags:
        _paragraph(document, " ".join(post.hashtags), size=9, colour=BLUE, after=0)
    _paragraph(document, block.facts, size=9, after=0)
    _paragraph(document, post.url, size=8, colour=MUTED, after=4)


def _proposals(document, doc: OfficialDocument) -> None:
    document.add_heading(_("Выводы и предложения"), level=1)
    document.add_paragraph(doc.conclusion)
    rows = [[Cell(str(n)), Cell(p.text), Cell(p.deadline_text), Cell(p.responsible)]
            for n, p in enumerate(doc.proposals, start=1)]
    _table(document, Table(["№", _("Предложение"), _("Срок"), _("Ответственные")], rows,
                           numeric=frozenset({0}), widths=(6, 51, 17, 26)))


def _signature(document, doc: OfficialDocument) -> None:
    _paragraph(document)
    table = document.add_table(rows=1, cols=3)
    _widths(table, (87, 40, TEXT_WIDTH_MM - 127))
    position, sign, name = table.rows[0].cells
    position.paragraphs[0].add_run(doc.signer_position)
    sign.paragraphs[0].add_run("_" * 18)
    name.paragraphs[0].add_run(doc.signer_name)
    name.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document)
    _paragraph(document, doc.executor_line, size=9, colour=MUTED)
