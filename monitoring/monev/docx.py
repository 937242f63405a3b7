"""The Monev report as a Word document (python-docx), for the Dinas to edit further in its own office suite.

The same outline as the PDF (``document.official_document``): letterhead, cover, foreword, a table of contents
field, sections in Heading 1 with numbered table captions, closing and signature, appendices. Charts become
tables of their data under their "Gambar" caption (an office suite redraws a chart from them if wanted); a
chart without data says so. While the report is a draft every page header says DRAF.
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor

from .document import official_document
from .formatting import P, display
from .pdf import CELL_PADDING, CELL_SIZES, column_widths

LOGO_HEIGHT = Cm(2.3)
MARGIN = Cm(2)
TEXT_WIDTH = Length(Cm(21) - 2 * MARGIN)  # of an A4 page
RED = RGBColor(0xC0, 0x39, 0x2B)


def _field(paragraph, instruction, placeholder=""):
    """A Word field (PAGE, TOC ...): the office suite computes it when it opens or updates the document."""
    def char(kind):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    run = paragraph.add_run()
    run._r.append(char("begin"))
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run._r.append(code)
    run._r.append(char("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(char("end"))


def _bottom_rule(paragraph):
    """The double rule under a kop surat."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "thickThinSmallGap"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _centred(document, text, *, bold=False, size=None, space_after=2):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(space_after)
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def letterhead_flowables(document, letterhead):
    table = document.add_table(rows=1, cols=2 if letterhead.logo else 1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    text_cell = table.rows[0].cells[-1]
    if letterhead.logo:
        logo_cell = table.rows[0].cells[0]
        table.autofit = False
        for column, cell, width in ((table.columns[0], logo_cell, Cm(3)), (table.columns[1], text_cell, Cm(14))):
            column.width = cell.width = width  # the grid and the cell: office suites read one or the other
        logo_cell.paragraphs[0].add_run().add_picture(io.BytesIO(letterhead.logo), height=LOGO_HEIGHT)
    lines = [(letterhead.government, True, 13), (letterhead.dinas, True, 14.5)]
    lines += [(text, False, 9) for text in (letterhead.address, letterhead.contact) if text]
    for index, (text, bold, size) in enumerate(lines):
        paragraph = text_cell.paragraphs[0] if index == 0 else text_cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold, run.font.size = bold, Pt(size)
    _bottom_rule(document.add_paragraph())


def signature_flowables(document, signature):
    table = document.add_table(rows=1, cols=2)
    cell = table.rows[0].cells[1]
    lines = [signature.place_date, signature.position, "", "", "", signature.name, signature.rank, signature.nip]
    for index, text in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold = text == signature.name


def _caption(document, text):
    paragraph = document.add_paragraph(text, style="Caption")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True


def _grid(document, headers, rows, numeric=()):
    """A table whose columns are sized as in the PDF (no word split), in Arial, which has the PDF's Helvetica
    metrics, with the PDF's cell padding; the header row repeats on every page."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_PADDING * 20))  # twentieths of a point
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(header)
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, row, strict=True)):
            cell.text = value
            if index in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    fitted = column_widths([(str(header), [row[index] for row in rows]) for index, header in enumerate(headers)],
                           TEXT_WIDTH.pt)
    widths, size = fitted or (None, CELL_SIZES[-1])  # too wide even at the smallest size: Word fits it
    table.autofit = fitted is None
    for column, width in zip(table.columns, widths or (), strict=False):
        column.width = Pt(width)  # the grid, which office suites read before the cells' widths
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            if widths:
                cell.width = Pt(widths[index])
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size, run.font.name = Pt(size), "Arial"
    document.add_paragraph()


def _section(document, doc_section, outline):
    document.add_heading(doc_section.heading, level=1)
    for text in doc_section.paragraphs:
        document.add_paragraph(text)
    for numbered in doc_section.charts:
        chart = numbered.item
        _caption(document, numbered.caption)
        if any(value for _label, value in chart.items):
            _grid(document, [P("Item"), P("Value")], [[str(label), display(value)] for label, value in chart.items],
                  numeric=(1,))
        else:
            document.add_paragraph(outline.no_data).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for numbered in doc_section.tables:
        table = numbered.item
        _caption(document, numbered.caption)
        rows = [[display(value) for value in row] for row in table.rows]
        _grid(document, table.headers, rows or [[outline.none_text] + [""] * (len(table.headers) - 1)],
              numeric=table.numeric)


def _page_break(document):
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def render_docx(report):
    outline = official_document(report)
    document = Document()
    document.core_properties.title = outline.title
    document.core_properties.author = outline.letterhead.dinas
    page = document.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Cm(21), Cm(29.7)  # A4, as Indonesian offices print
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = MARGIN
    page.different_first_page_header_footer = True
    if outline.watermark:  # every page, the cover's own header included
        for header in (page.header, page.first_page_header):
            run = header.paragraphs[0].add_run(outline.watermark)
            run.bold, run.font.size, run.font.color.rgb = True, Pt(20), RED
            header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = page.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run(P("Page") + " ")
    _field(footer, "PAGE", "1")
    document.settings.element.append(OxmlElement("w:updateFields"))
    document.settings.element[-1].set(qn("w:val"), "true")  # the office suite fills the contents on opening

    letterhead_flowables(document, outline.letterhead)
    cover = outline.cover
    document.add_paragraph()
    _centred(document, cover.title, bold=True, size=17, space_after=8)
    _centred(document, cover.period, size=11.5)
    document.add_paragraph()
    for index, line in enumerate(cover.addressee):
        _centred(document, line, bold=index == 1, size=11.5)
    document.add_paragraph()
    for line in cover.issuer:
        _centred(document, line, bold=True, size=11.5)
    document.add_paragraph()
    for line in cover.status:
        _centred(document, line, size=8.5)
    _page_break(document)

    _centred(document, outline.foreword_title, bold=True, size=14, space_after=12)
    for text in outline.foreword:
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    signature_flowables(document, outline.signature)
    _page_break(document)

    _centred(document, outline.contents_title, bold=True, size=14, space_after=12)
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u',
           P("Update this field (right-click, Update Field) to show the table of contents."))
    _page_break(document)

    for doc_section in outline.sections:
        _section(document, doc_section, outline)
    document.add_heading(outline.closing_title, level=1)
    for text in outline.closing:
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    signature_flowables(document, outline.signature)
    for doc_section in outline.appendices:
        _page_break(document)
        _section(document, doc_section, outline)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
