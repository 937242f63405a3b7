"""The record of processing (ROPA, UU 27/2022): every API with personal data and each organisation holding a
current grant on it, as XLSX and as CSV for Indonesian spreadsheets; administrators only, every export
audited, the query count independent of the rows."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import services as access_services
from directory.choices import ClassificationChoices as C
from monitoring import ropa
from splp.models import AuditEvent

from ..conftest import submit_request
from ..factories import OrganizationFactory, UserFactory, member

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=JAKARTA)
HEADERS = [
    "API", "Versi", "Pengendali (perangkat daerah pemilik)", "Klasifikasi", "Uraian data", "Dasar hukum API",
    "Produsen data", "Wali data", "Pemegang hak akses", "Tujuan", "Dasar hukum permohonan", "Periode mulai",
    "Periode selesai", "Akses diberikan", "Berlaku sampai", "Status versi",
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def grant_to(org, user, version, admin_user, publisher, **request_fields):
    access_request = submit_request(user, org, version, **request_fields)
    access_services.access_request_approve(actor=admin_user, access_request=access_request)
    grant, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=access_request)
    return grant


@pytest.fixture
def world(granted_request, publish, admin_user, publisher, outsider, outsider_org):
    """Data Penduduk (personal data) held by Dinas Kesehatan and Bappeda, Data Sekolah (personal data) held by
    nobody, Data Cuaca (no personal data) held by Bappeda."""
    penduduk = granted_request.api_version
    grant_to(outsider_org, outsider, penduduk, admin_user, publisher, purpose="=HYPERLINK(\"x\")",
             legal_basis="Perpres 39/2019")
    publish("data-sekolah", name="Data Sekolah", classification=C.TERBATAS, description="Peserta didik; NISN")
    cuaca = publish("data-cuaca", name="Data Cuaca", has_personal_data=False)
    grant_to(outsider_org, outsider, cuaca, admin_user, publisher)
    return penduduk


def test_one_row_per_holder_and_one_for_the_api_nobody_holds(world):
    rows = ropa.ropa_rows()
    assert [(r[0], r[8]) for r in rows] == [
        ("Data Penduduk", "Bappeda"), ("Data Penduduk", "Dinas Kesehatan"), ("Data Sekolah", None),
    ]
    dinkes = rows[1]
    assert dinkes[:4] == ["Data Penduduk", "1.0.0", "Disdukcapil", "Terbuka"]
    assert dinkes[9:13] == ["Verifikasi NIK pasien", "Permenkes 24/2022", datetime.date(2026, 3, 10),
                            datetime.date(2027, 3, 10)]
    assert dinkes[13] == NOW and dinkes[15] == "Terbit"
    assert rows[2][1] == "1.0.0" and rows[2][3] == "Terbatas" and rows[2][4] == "Peserta didik; NISN"


def test_revoked_and_expired_grants_are_not_holders(world, granted_request, admin_user, publisher, clock):
    access_services.access_request_revoke(actor=publisher, access_request=granted_request, reason="Selesai")
    assert [r[8] for r in ropa.ropa_rows()][:2] == ["Bappeda", None]
    clock.move_to(NOW + datetime.timedelta(days=400))  # Bappeda's grant has expired too
    assert [(r[0], r[8]) for r in ropa.ropa_rows()] == [("Data Penduduk", None), ("Data Sekolah", None)]


def test_xlsx_has_the_header_frozen_dates_as_dates_and_widths(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("monitoring:ropa-xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'attachment; filename="ropa-splp-20260310.xlsx"' == response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Catatan pemrosesan"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["J"].width == 45
    dinkes = next(r for r in rows if r[8] == "Dinas Kesehatan")
    assert dinkes[11] == datetime.datetime(2026, 3, 10) and sheet["L3"].number_format == "DD/MM/YYYY"
    assert dinkes[13] == datetime.datetime(2026, 3, 10, 9, 30)  # local time of the installation
    formula = next(cell for row in sheet.iter_rows() for cell in row if cell.value == '=HYPERLINK("x")')
    assert formula.data_type == "s"  # a purpose is never run as a formula


def test_csv_is_semicolon_separated_utf8_with_bom_and_indonesian_dates(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("monitoring:ropa-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADERS
    dinkes = next(r for r in rows if r[8] == "Dinas Kesehatan")
    assert dinkes[11:15] == ["10/03/2026", "10/03/2027", "10/03/2026 09:30 WIB", "10/03/2027 23:59 WIB"]
    assert next(r for r in rows if r[8] == "Bappeda")[9] == "'=HYPERLINK(\"x\")"  # CSV injection defused
    assert next(r for r in rows if r[0] == "Data Sekolah")[8:15] == [""] * 7


def test_every_export_is_audited(client, world, admin_user):
    client.force_login(admin_user)
    client.get(reverse("monitoring:ropa-csv"))
    client.get(reverse("monitoring:ropa-xlsx"))
    events = AuditEvent.objects.filter(action="ropa_export").order_by("id")
    assert [(e.actor, e.data, e.created_at) for e in events] == [
        (admin_user, {"format": "csv", "rows": 3}, NOW), (admin_user, {"format": "xlsx", "rows": 3}, NOW),
    ]


@pytest.mark.parametrize("name", ["ropa-xlsx", "ropa-csv"])
def test_outsiders_are_refused(client, world, publisher, requester, outsider, name):
    url = reverse(f"monitoring:{name}")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (publisher, requester, outsider):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403 and b"Disdukcapil" not in response.content
    assert not AuditEvent.objects.filter(action="ropa_export").exists()


def test_query_count_does_not_grow_with_the_rows(world, admin_user, publisher, publish):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            ropa.ropa_rows()
        return len(captured)

    before = queries()
    for n in range(3):
        org = OrganizationFactory(name=f"Dinas {n}", code=f"dinas-{n}")
        user = member(UserFactory(username=f"user{n}"), org, "requester")
        grant_to(org, user, world, admin_user, publisher)
        publish(f"api-{n}", name=f"API {n}")
    assert len(ropa.ropa_rows()) == 9
    assert queries() == before


def test_the_privacy_page_links_the_exports(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("monitoring:identifier-lookup")).content.decode()
    assert reverse("monitoring:ropa-xlsx") in page and "Catatan pemrosesan data pribadi (CSV)" in page
    assert reverse("admin:monitoring_personaldataincident_changelist") in page
