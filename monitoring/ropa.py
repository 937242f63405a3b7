"""The record of processing activities (UU 27/2022 on personal data protection): every API that carries
personal data, with each organisation that holds a current grant on it, why and on what basis.

One row per grant (API version x holding organisation); an API nobody holds a grant on gets one row with the
holder columns empty, so the record lists it too. Three queries, whatever the number of rows. Rendered as
XLSX and as CSV for Indonesian spreadsheet programs (semicolons, UTF-8 with BOM).
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import pgettext

from access.models import Grant
from directory.choices import ApiVersionStatusChoices, ClassificationChoices
from directory.models import ApiService, ApiVersion
from splp.audit import AuditAction, audit_record

from .monev.csvfile import csv_safe
from .monev.formatting import display
from .monev.xlsx import xlsx_cell

CTX = "monitoring-privacy"


@dataclass(frozen=True)
class Column:
    title: str
    width: int


def columns():
    return [
        Column(pgettext(CTX, "API"), 28),
        Column(pgettext(CTX, "Version"), 10),
        Column(pgettext(CTX, "Controller (owner organisation)"), 30),
        Column(pgettext(CTX, "Classification"), 14),
        Column(pgettext(CTX, "Data described"), 45),
        Column(pgettext(CTX, "Legal basis of the API"), 40),
        Column(pgettext(CTX, "Data producer"), 25),
        Column(pgettext(CTX, "Data steward"), 25),
        Column(pgettext(CTX, "Holder of the access"), 30),
        Column(pgettext(CTX, "Purpose"), 45),
        Column(pgettext(CTX, "Legal basis of the request"), 40),
        Column(pgettext(CTX, "Period start"), 13),
        Column(pgettext(CTX, "Period end"), 13),
        Column(pgettext(CTX, "Granted"), 17),
        Column(pgettext(CTX, "Valid until"), 17),
        Column(pgettext(CTX, "Version status"), 16),
    ]


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _service_cells(service, version_text):
    return [
        service.name, version_text, service.owner.name, _label(ClassificationChoices, service.classification),
        service.description, service.legal_basis, service.data_producer, service.data_steward,
    ]


def ropa_rows(*, now: datetime.datetime | None = None) -> list[list]:
    """The rows of the record, ordered by API name then holder; values typed (dates stay dates)."""
    now = now or timezone.now()
    services = list(
        ApiService.objects.filter(has_personal_data=True).select_related("owner")
        .prefetch_related(Prefetch("versions", queryset=ApiVersion.objects.order_by("created_at", "id")))
        .order_by("name", "id")
    )
    grants_by_service = {}
    grants = (
        Grant.objects.filter(api_version__service__has_personal_data=True, revoked_at__isnull=True,
                             expires_at__gt=now)
        .select_related("organization", "access_request", "api_version")
        .order_by("organization__name", "api_version__created_at", "id")
    )
    for grant in grants:
        grants_by_service.setdefault(grant.api_version.service_id, []).append(grant)
    rows = []
    for service in services:
        held = grants_by_service.get(service.pk, [])
        for grant in held:
            version, request = grant.api_version, grant.access_request
            rows.append(_service_cells(service, version.version) + [
                grant.organization.name, request.purpose, request.legal_basis, request.period_start,
                request.period_end, grant.granted_at, grant.expires_at,
                _label(ApiVersionStatusChoices, version.status),
            ])
        if not held:
            versions = list(service.versions.all())
            latest = versions[-1] if versions else None
            rows.append(_service_cells(service, ", ".join(v.version for v in versions)) + [None] * 7 + [
                _label(ApiVersionStatusChoices, latest.status) if latest else "",
            ])
    return rows


def filename(extension: str, now: datetime.datetime | None = None) -> str:
    return f"ropa-splp-{timezone.localdate(now or timezone.now()):%Y%m%d}.{extension}"


@transaction.atomic
def ropa_export(*, actor, fmt: str) -> tuple[bytes, str]:
    """The record as ``fmt`` ("xlsx" or "csv"), with the export audited (who, when, how many rows)."""
    rows = ropa_rows()
    content = render_xlsx(rows) if fmt == "xlsx" else render_csv(rows)
    audit_record(actor=actor, target=actor, action=AuditAction.ROPA_EXPORT, data={"format": fmt, "rows": len(rows)})
    return content, filename(fmt)


def render_xlsx(rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = pgettext(CTX, "Record of processing")[:31]
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="12355B")
    for column, spec in enumerate(columns(), start=1):
        cell = xlsx_cell(sheet, 1, column, spec.title, head_font)
        cell.fill = head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[cell.column_letter].width = spec.width
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = xlsx_cell(sheet, row_number, column, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"  # the header row and the API's name stay in view
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_csv(rows) -> bytes:
    """Semicolons and dates as dd/mm/yyyy: what a spreadsheet program set to Indonesian opens as columns."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";")
    writer.writerow([spec.title for spec in columns()])
    for values in rows:
        writer.writerow([
            display(value) if isinstance(value, (datetime.date, datetime.datetime)) else csv_safe(value)
            for value in values
        ])
    return ("\ufeff" + output.getvalue()).encode("utf-8")
