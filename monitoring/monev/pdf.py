"""The Monev report as a PDF (reportlab platypus), laid out as an Indonesian government report from the
outline of ``document.official_document``: letterhead and cover, foreword, table of contents, numbered
sections, closing and signature, appendices; page numbers, and a DRAF watermark while the report is a draft.

Table columns are sized from their content so that no word is ever broken inside a cell (a slug may break
after one of its hyphens); a table too wide for the page gets a smaller font, and only then a landscape page.
"""

import io
import re
from xml.sax.saxutils import escape as xml_escape

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table as PdfTable,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from .document import official_document
from .formatting import display

MARGIN = 2.0 * cm
PORTRAIT, LANDSCAPE = A4, landscape(A4)
NAVY, GREY, LINE = colors.HexColor("#12355b"), colors.HexColor("#5f6c7b"), colors.HexColor("#b9c4d0")
FONT, BOLD = "Helvetica", "Helvetica-Bold"
CELL_SIZES = (7.5, 7, 6.5, 6)  # cell font sizes tried, largest first, before a landscape page
CELL_PADDING = 3
LOGO_HEIGHT = 2.3 * cm
HEADING_STYLE = "section-heading"  # paragraphs of this style are listed in the table of contents


def pdf_styles():
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=10, leading=14,
                          alignment=TA_JUSTIFY, spaceAfter=6)
    centre = ParagraphStyle("centre", parent=body, alignment=TA_CENTER, spaceAfter=2)
    return {
        "body": body,
        "centre": centre,
        "small": ParagraphStyle("small", parent=centre, fontSize=8.5, leading=11, textColor=GREY),
        "kop-government": ParagraphStyle("kop-government", parent=centre, fontName=BOLD, fontSize=13, leading=16),
        "kop-dinas": ParagraphStyle("kop-dinas", parent=centre, fontName=BOLD, fontSize=14.5, leading=18),
        "kop-line": ParagraphStyle("kop-line", parent=centre, fontSize=8.5, leading=11),
        "title": ParagraphStyle("title", parent=centre, fontName=BOLD, fontSize=17, leading=23, spaceAfter=10),
        "cover": ParagraphStyle("cover", parent=centre, fontSize=11.5, leading=16),
        "cover-bold": ParagraphStyle("cover-bold", parent=centre, fontName=BOLD, fontSize=11.5, leading=16),
        "heading": ParagraphStyle(HEADING_STYLE, parent=base["Heading1"], fontName=BOLD, fontSize=14, leading=18,
                                  textColor=NAVY, spaceBefore=6, spaceAfter=8, keepWithNext=1),
        "front-heading": ParagraphStyle("front-heading", parent=base["Heading1"], fontName=BOLD, fontSize=14,
                                        leading=18, alignment=TA_CENTER, textColor=NAVY, spaceAfter=12),
        "caption": ParagraphStyle("caption", parent=body, fontName=BOLD, fontSize=9, leading=12, spaceBefore=8,
                                  spaceAfter=4, alignment=TA_CENTER, keepWithNext=1),
        "figure-caption": ParagraphStyle("figure-caption", parent=body, fontName=BOLD, fontSize=9, leading=12,
                                         spaceBefore=2, spaceAfter=10, alignment=TA_CENTER),
        "no-data": ParagraphStyle("no-data", parent=centre, fontSize=9, textColor=GREY, spaceBefore=6),
        "signature": ParagraphStyle("signature", parent=body, alignment=0, spaceAfter=0),
        "toc-0": ParagraphStyle("toc-0", parent=body, fontSize=10.5, leading=16, leftIndent=0, alignment=0),
    }


def pdf_para(text, style):
    return Paragraph(xml_escape(str(text)), style)


# -- Tables ------------------------------------------------------------------------------------------


def _cell_style(size, *, bold=False, numeric=False):
    # splitLongWords off: a word wider than its column overflows rather than break ("Klasifikas i");
    # embeddedHyphenation lets "data-kependudukan" break after its hyphen, and only there.
    return ParagraphStyle(
        f"cell-{size}-{bold}-{numeric}", fontName=BOLD if bold else FONT, fontSize=size, leading=size * 1.25,
        textColor=colors.white if bold else colors.black, alignment=TA_RIGHT if numeric else 0,
        splitLongWords=0, embeddedHyphenation=1, hyphenationLang="",
    )


def _pieces(text):
    """The parts of a text no line break may cut: words, and the parts of a hyphenated word up to each hyphen."""
    return [piece for word in text.split() for piece in re.findall(r"[^-]+-?|-", word)]


def column_widths(columns, width):
    """Widths for columns of (header, [cell texts]) filling ``width``, and the font size to set them in.

    Each column is at least as wide as its widest unbreakable piece at the cell font, plus padding; the rest of
    the width goes to the columns by how much longer their text is. None when no size fits."""
    padding = 2 * CELL_PADDING + 1
    for size in CELL_SIZES:
        minimum, natural = [], []
        for header, cells in columns:
            texts = [(header, BOLD)] + [(text, FONT) for text in cells]
            minimum.append(max((stringWidth(piece, font, size) for text, font in texts for piece in _pieces(text)),
                               default=0) + padding)
            natural.append(max(stringWidth(text, font, size) for text, font in texts) + padding)
        spare = width - sum(minimum)
        if spare < 0:
            continue
        wanted = [n - m for n, m in zip(natural, minimum, strict=True)]
        if sum(wanted) <= spare:  # everything fits on one line: share the rest by natural width
            extra = width - sum(natural)
            return [n + extra * n / sum(natural) for n in natural], size
        return [m + spare * w / sum(wanted) for m, w in zip(minimum, wanted, strict=True)], size
    return None


GRID = TableStyle([
    ("BACKGROUND", (0, 0), (-1, 0), NAVY),
    ("GRID", (0, 0), (-1, -1), 0.4, LINE),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")]),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
])


def table_flowable(table, width, none_text):
    """The PDF table and whether it needs a landscape page."""
    rows = [[display(value) for value in row] for row in table.rows]
    columns = [(str(header), [row[index] for row in rows]) for index, header in enumerate(table.headers)]
    fitted, wide = column_widths(columns, width), False
    if fitted is None:
        fitted, wide = column_widths(columns, LANDSCAPE[0] - 2 * MARGIN), True
    if fitted is None:  # wider than a landscape page even at the smallest size: words overflow, never split
        fitted, wide = ([(LANDSCAPE[0] - 2 * MARGIN) / len(columns)] * len(columns), CELL_SIZES[-1]), True
    widths, size = fitted
    head = _cell_style(size, bold=True)
    cell, numeric = _cell_style(size), _cell_style(size, numeric=True)
    data = [[pdf_para(header, head) for header in table.headers]]
    data += [[pdf_para(text, numeric if index in table.numeric else cell) for index, text in enumerate(row)]
             for row in rows]
    if not rows:  # one line across the table says it is empty
        data.append([pdf_para(none_text, cell)] + [""] * (len(table.headers) - 1))
    pdf_table = PdfTable(data, colWidths=widths, repeatRows=1, hAlign="CENTER")
    pdf_table.setStyle(GRID)
    if not rows:
        pdf_table.setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))
    return pdf_table, wide


# -- Charts ------------------------------------------------------------------------------------------


def _chart(chart, width, styles, no_data):
    """The chart's bars, or one line saying there is no data: never axes over nothing."""
    items = chart.items
    if not any(value for _label, value in items):
        return pdf_para(no_data, styles["no-data"])
    labels = [str(label)[:28] for label, _value in items]
    values = [value or 0 for _label, value in items]
    if chart.kind == "column":
        height = 180
        drawing = Drawing(width, height)
        plot = VerticalBarChart()
        plot.x, plot.y, plot.width, plot.height = 45, 35, width - 60, height - 45
        crowded = max(len(label) for label in labels) * 4 > plot.width / len(items)
        plot.categoryAxis.labels.angle = 45 if crowded else 0
        plot.categoryAxis.labels.boxAnchor = "ne" if crowded else "n"
    else:
        height = max(70, 18 * len(items) + 30)
        drawing = Drawing(width, height)
        plot = HorizontalBarChart()
        plot.x, plot.y, plot.width, plot.height = 150, 20, width - 170, height - 25
        labels, values = labels[::-1], values[::-1]  # the largest at the top
    plot.data = [values]
    plot.categoryAxis.categoryNames = labels
    plot.categoryAxis.labels.fontSize = 7
    plot.valueAxis.labels.fontSize = 7
    plot.valueAxis.valueMin = 0
    plot.valueAxis.valueMax = max(values + [1]) * 1.1
    plot.valueAxis.labelTextFormat = lambda value: display(int(value))
    plot.bars[0].fillColor = colors.HexColor("#1f7a8c" if chart.kind == "bar" else "#12355b")
    drawing.add(plot)
    return drawing


# -- Page furniture ----------------------------------------------------------------------------------


class PdfDocument(BaseDocTemplate):
    def __init__(self, buffer, outline, **kwargs):
        super().__init__(buffer, pagesize=PORTRAIT, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                         bottomMargin=MARGIN, **kwargs)
        self.outline = outline
        portrait = Frame(MARGIN, MARGIN, PORTRAIT[0] - 2 * MARGIN, PORTRAIT[1] - 2 * MARGIN, id="portrait")
        wide = Frame(MARGIN, MARGIN, LANDSCAPE[0] - 2 * MARGIN, LANDSCAPE[1] - 2 * MARGIN, id="landscape")
        self.addPageTemplates([
            PageTemplate("cover", [portrait], onPage=self.cover_page, pagesize=PORTRAIT),
            PageTemplate("page", [portrait], onPage=self.later_page, pagesize=PORTRAIT),
            PageTemplate("landscape", [wide], onPage=self.later_page, pagesize=LANDSCAPE),
        ])

    def afterFlowable(self, flowable):
        """Headings of the sections go into the table of contents, with a bookmark to jump to."""
        if isinstance(flowable, Paragraph) and flowable.style.name == HEADING_STYLE:
            key = f"h{self.seq.nextf('heading')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0)
            self.notify("TOCEntry", (0, flowable.getPlainText(), self.page, key))

    def watermark(self, canvas):
        if not self.outline.watermark:
            return
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#c0392b"))
        canvas.setFillAlpha(0.12)
        canvas.setFont(BOLD, 120)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, -40, self.outline.watermark)
        canvas.restoreState()

    def cover_page(self, canvas, doc):
        self.watermark(canvas)

    def later_page(self, canvas, doc):
        self.watermark(canvas)
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, height - 1.2 * cm, self.outline.running_header[:130])
        canvas.setStrokeColor(LINE)
        canvas.line(MARGIN, height - 1.35 * cm, width - MARGIN, height - 1.35 * cm)
        canvas.drawRightString(width - MARGIN, 1.1 * cm, _("Page %(number)d") % {"number": doc.page})
        canvas.restoreState()


def letterhead_flowables(letterhead, styles, width):
    lines = [pdf_para(letterhead.government, styles["kop-government"]), pdf_para(letterhead.dinas, styles["kop-dinas"])]
    lines += [pdf_para(text, styles["kop-line"]) for text in (letterhead.address, letterhead.contact) if text]
    logo_width = 0
    cells = [lines]
    if letterhead.logo:
        logo = Image(io.BytesIO(letterhead.logo))
        logo_width = LOGO_HEIGHT * logo.imageWidth / logo.imageHeight
        logo.drawHeight, logo.drawWidth = LOGO_HEIGHT, logo_width
        # The text stays centred on the page: an empty column as wide as the logo balances it.
        cells = [logo, lines, ""]
    widths = [logo_width + 0.3 * cm, width - 2 * (logo_width + 0.3 * cm), logo_width + 0.3 * cm] if letterhead.logo \
        else [width]
    kop = PdfTable([cells], colWidths=widths)
    kop.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        # The double rule under a kop surat: a thick line over a thin one.
        ("LINEBELOW", (0, 0), (-1, 0), 2.2, colors.black),
    ]))
    rule = PdfTable([[""]], colWidths=[width], rowHeights=[2.5])
    rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.6, colors.black)]))
    return [kop, rule]


def signature_flowables(signature, styles, width):
    style = styles["signature"]
    name = ParagraphStyle("signature-name", parent=style, fontName=BOLD)
    lines = [pdf_para(signature.place_date, style), pdf_para(signature.position, style), Spacer(1, 2.0 * cm),
             pdf_para(signature.name, name), pdf_para(signature.rank, style), pdf_para(signature.nip, style)]
    block = PdfTable([["", lines]], colWidths=[width * 0.5, width * 0.5])
    block.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 0.6 * cm), block])


def _section(doc_section, styles, width, outline):
    story = [pdf_para(doc_section.heading, styles["heading"])]
    story += [pdf_para(text, styles["body"]) for text in doc_section.paragraphs]
    for numbered in doc_section.charts:  # a figure's caption goes under it
        story.append(KeepTogether([Spacer(1, 0.2 * cm), _chart(numbered.item, width, styles, outline.no_data),
                                   pdf_para(numbered.caption, styles["figure-caption"])]))
    for numbered in doc_section.tables:  # a table's caption goes over it
        pdf_table, wide = table_flowable(numbered.item, width, outline.none_text)
        caption = pdf_para(numbered.caption, styles["caption"])
        if wide:
            story += [NextPageTemplate("landscape"), PageBreak(), caption, pdf_table, NextPageTemplate("page"),
                      PageBreak()]
        else:
            story += [CondPageBreak(2.5 * cm), caption, pdf_table]
    story.append(Spacer(1, 0.4 * cm))
    return story


def render_pdf(report):
    outline = official_document(report)
    styles = pdf_styles()
    width = PORTRAIT[0] - 2 * MARGIN
    buffer = io.BytesIO()
    document = PdfDocument(buffer, outline, title=outline.title, author=outline.letterhead.dinas,
                         subject=_("SPLP monitoring and evaluation report"))
    cover = outline.cover
    story = [
        *letterhead_flowables(outline.letterhead, styles, width),
        Spacer(1, 2.2 * cm),
        pdf_para(cover.title, styles["title"]),  # the title once on the cover
        pdf_para(cover.period, styles["cover"]),
        Spacer(1, 2.0 * cm),
        *[pdf_para(line, styles["cover-bold" if index == 1 else "cover"])
          for index, line in enumerate(cover.addressee)],
        Spacer(1, 2.5 * cm),
        *[pdf_para(line, styles["cover-bold"]) for line in cover.issuer],
        Spacer(1, 1.5 * cm),
        *[pdf_para(line, styles["small"]) for line in cover.status],
        NextPageTemplate("page"),
        PageBreak(),
        pdf_para(outline.foreword_title, styles["front-heading"]),
        *[pdf_para(text, styles["body"]) for text in outline.foreword],
        signature_flowables(outline.signature, styles, width),
        PageBreak(),
        pdf_para(outline.contents_title, styles["front-heading"]),
    ]
    contents = TableOfContents(dotsMinLevel=0)
    contents.levelStyles = [styles["toc-0"]]
    story += [contents, PageBreak()]
    for doc_section in outline.sections:
        story += _section(doc_section, styles, width, outline)
    story += [CondPageBreak(8 * cm), pdf_para(outline.closing_title, styles["heading"])]
    story += [pdf_para(text, styles["body"]) for text in outline.closing]
    story.append(signature_flowables(outline.signature, styles, width))
    for doc_section in outline.appendices:
        story += [PageBreak(), *_section(doc_section, styles, width, outline)]
    document.multiBuild(story)
    return buffer.getvalue()
