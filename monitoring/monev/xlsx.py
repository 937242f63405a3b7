"""The report as a workbook (openpyxl): one sheet per section."""

import datetime
import io

from .formatting import P, Percent, display, local_moment, plain, report_data_as_of, report_status
from .sections import report_sections

_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
# A header further down would freeze a screenful of paragraphs above it: those sheets scroll whole.
FREEZE_WITHIN_ROWS = 8


def _sheet_title(text, used):
    title = str(text).translate(_SHEET_FORBIDDEN).strip()[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def xlsx_cell(sheet, row, column, value, font=None):
    percent = isinstance(value, Percent) and value.value is not None
    value = display(value) if isinstance(value, bool) else plain(value)  # Ya/Tidak, not TRUE/FALSE
    cell = sheet.cell(row=row, column=column)
    cell.value = value / 100 if percent else value
    if percent:
        cell.number_format = "0.00%"
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever a name starts with
    elif isinstance(value, datetime.datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, datetime.date):
        cell.number_format = "DD/MM/YYYY"
    if font is not None:
        cell.font = font
    return cell


def render_xlsx(report):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="12355B")
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for section in report_sections(report):
        sheet = workbook.create_sheet(_sheet_title(section.title, used))
        xlsx_cell(sheet, 1, 1, section.heading, Font(bold=True, size=14))
        row = 2
        if section.key == "introduction":
            for label, value in (
                (P("Title"), report.title), (P("Status"), report_status(report)),
                (P("Period start"), report.period_start), (P("Period end"), report.period_end),
                (P("Generated"), report.generated_at),
                (P("Data up to"), local_moment(report_data_as_of(report)) if report_data_as_of(report) else None),
            ):
                xlsx_cell(sheet, row, 1, label, bold)
                xlsx_cell(sheet, row, 2, value)
                row += 1
        for text in section.paragraphs:
            cell = xlsx_cell(sheet, row, 1, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        widths = {1: 40}
        for table in section.tables:
            row += 1
            xlsx_cell(sheet, row, 1, table.title, bold)
            row += 1
            if sheet.freeze_panes is None and row <= FREEZE_WITHIN_ROWS:
                sheet.freeze_panes = sheet.cell(row=row + 1, column=1)  # the first table's header stays in view
            for column, header in enumerate(table.headers, start=1):
                cell = xlsx_cell(sheet, row, column, header, head_font)
                cell.fill = head_fill
                widths[column] = max(widths.get(column, 10), min(len(str(header)) + 2, 40))
            row += 1
            for values in table.rows:
                for column, value in enumerate(values, start=1):
                    xlsx_cell(sheet, row, column, value)
                    widths[column] = max(widths.get(column, 10), min(len(display(value)) + 2, 50))
                row += 1
        for column, width in widths.items():
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
