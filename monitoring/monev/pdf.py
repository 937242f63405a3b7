"""The report as a PDF (reportlab)."""

import io
from xml.sax.saxutils import escape as xml_escape

from django.utils.translation import gettext as _

from .formatting import data_as_of, display, report_data_as_of, report_status
from .sections import report_sections


def _pdf_chart(chart, width):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    items = chart.items
    if not any(value for _label, value in items):  # nothing to draw: say so, not an axis of zeros
        drawing = Drawing(width, 34)
        drawing.add(String(0, 22, chart.title, fontName="Helvetica-Bold", fontSize=9))
        drawing.add(String(0, 6, _("No calls in this period."), fontName="Helvetica", fontSize=8.5,
                           fillColor=colors.HexColor("#5f6c7b")))
        return drawing
    labels = [str(label)[:28] for label, _value in items]
    values = [value or 0 for _label, value in items]
    if chart.kind == "column":
        height = 190
        drawing = Drawing(width, height)
        plot = VerticalBarChart()
        plot.x, plot.y, plot.width, plot.height = 45, 35, width - 60, height - 60
        crowded = max(len(label) for label in labels) * 4 > plot.width / len(items)
        plot.categoryAxis.labels.angle = 45 if crowded else 0
        plot.categoryAxis.labels.boxAnchor = "ne" if crowded else "n"
    else:
        height = max(80, 18 * len(items) + 50)
        drawing = Drawing(width, height)
        plot = HorizontalBarChart()
        plot.x, plot.y, plot.width, plot.height = 150, 20, width - 170, height - 45
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
    drawing.add(String(0, height - 12, chart.title, fontName="Helvetica-Bold", fontSize=9))
    return drawing


def render_pdf(report):
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table as PdfTable, TableStyle,
    )

    sections = report_sections(report)
    figures = report.figures
    pemda = figures["pemda"]
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=13)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9)
    head_cell = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold", textColor=colors.white)
    num_cell = ParagraphStyle("num", parent=cell, alignment=2)
    title_style = ParagraphStyle("title", parent=styles["Title"], fontSize=20, leading=26, alignment=TA_CENTER)
    table_title = ParagraphStyle("table-title", parent=styles["Heading4"], spaceBefore=8, keepWithNext=1)
    heading = ParagraphStyle("section", parent=styles["Heading1"], fontSize=15, leading=19, keepWithNext=1)
    centre = ParagraphStyle("centre", parent=body, alignment=TA_CENTER, fontSize=11, leading=16)

    def para(text, style=body):
        return Paragraph(xml_escape(str(text)), style)

    buffer = io.BytesIO()
    margin = 1.8 * cm
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
        title=report.title, author=pemda["dinas_name"], subject=_("SPLP monitoring and evaluation report"),
    )
    width = A4[0] - 2 * margin
    footer = f"{report.title} – {report_status(report)}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#5f6c7b"))
        canvas.drawString(margin, 1.0 * cm, footer[:120])
        canvas.drawRightString(A4[0] - margin, 1.0 * cm, _("Page %(number)d") % {"number": doc.page})
        canvas.restoreState()

    story = [
        Spacer(1, 5 * cm),
        para(report.title, title_style),  # the title names the report already: once on the cover
        Spacer(1, 1.5 * cm),
        para(pemda["name"], centre),
        para(pemda["dinas_name"], centre),
        Spacer(1, 0.8 * cm),
        para(_("Period: %(start)s to %(end)s") % {"start": display(report.period_start),
                                                  "end": display(report.period_end)}, centre),
        para(_("Status: %(status)s") % {"status": report_status(report)}, centre),
        para(_("Generated on %(time)s") % {"time": display(report.generated_at)}, centre),
    ]
    if report_data_as_of(report):
        story.append(para(data_as_of(report_data_as_of(report)), centre))
    if report.finalised_at:
        story.append(para(_("Finalised on %(time)s") % {"time": display(report.finalised_at)}, centre))
    story.append(PageBreak())

    grid = TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#12355b")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b9c4d0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")]),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ])
    for section in sections:
        story.append(para(section.heading, heading))
        for text in section.paragraphs:
            story.append(para(text))
        for chart in section.charts[:3]:
            story.append(Spacer(1, 0.3 * cm))
            story.append(_pdf_chart(chart, width))
        for table in section.tables:
            weights = table.widths or (1,) * len(table.headers)
            col_widths = [width * w / sum(weights) for w in weights]
            data = [[para(h, head_cell) for h in table.headers]]
            for row in table.rows:
                data.append([para(display(value), num_cell if i in table.numeric else cell)
                             for i, value in enumerate(row)])
            if not table.rows:
                data.append([para(_("None."), cell)] + [""] * (len(table.headers) - 1))
            pdf_table = PdfTable(data, colWidths=col_widths, repeatRows=1)
            pdf_table.setStyle(grid)
            story.append(para(table.title, table_title))
            story.append(pdf_table)
        story.append(Spacer(1, 0.5 * cm))
    document.build(story, onFirstPage=lambda c, d: None, onLaterPages=on_page)
    return buffer.getvalue()
