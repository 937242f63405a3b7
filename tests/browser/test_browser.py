"""The main flows clicked through in Chromium by the three demo accounts (``admin`` of the Dinas, ``publisher`` of
Disdukcapil, ``requester`` of Dinas Kesehatan), and the main pages checked at 1366 and 390 px wide."""

import json
import re
import threading
from http.server import ThreadingHTTPServer

import pytest
import requests
from django.contrib.auth import get_user_model

from access import services as access_services
from access.models import AccessRequest
from directory import services as directory_services
from directory.models import ApiVersion, Organization, Theme

from ..bus.conftest import Upstream
from ..conftest import allow_media_types, submit_request
from ..factories import service_fields
from .ui import (
    admin_decide,
    admin_open_row,
    broken_images_and_icons,
    button,
    card,
    content,
    curl_call,
    field,
    layout_problems,
    record_failed_loads,
    revealed_key,
    shown_curl,
)

pytestmark = pytest.mark.browser


def openapi(title, path, example):
    """A small valid OpenAPI 3 document: one GET whose 200 answer has a schema and an example."""
    schema = {"type": "object", "properties": {key: {"type": "string"} for key in example}}
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0"},
        "paths": {path: {"get": {
            "summary": f"Ambil {title.lower()}",
            "responses": {"200": {"description": "OK", "content": {
                "application/json": {"schema": schema, "example": example}}}},
        }}},
    }


def test_pasal7_flow_across_the_three_roles(open_as):
    requester = open_as("requester")
    requester.goto("/direktori/api/data-kependudukan/")
    button(requester, "Minta akses").click()
    field(requester, "Tujuan penggunaan").fill("Verifikasi NIK pasien rawat inap")
    field(requester, "Dasar hukum").fill("Permenkes 24/2022 tentang Rekam Medis")
    field(requester, "Perkiraan jumlah panggilan per hari").fill("100")
    button(requester, "Kirim permohonan").click()
    assert "Permohonan Anda telah dikirim" in content(requester).inner_text()

    # The administrator returns it for changes with a note; the requester fixes it and submits it again.
    admin = open_as("admin")
    admin_open_row(admin, "/admin/access/pendingaccessrequest/", "Data Kependudukan")
    field(admin, "Alasan").fill("Sebutkan pasal yang mengizinkan akses NIK.")
    button(admin, "Minta perbaikan").click()
    assert "Dikembalikan ke pemohon untuk diperbaiki" in content(admin).inner_text()

    requester.goto("/permohonan-saya/")
    returned = card(requester, "Data Kependudukan")
    assert "Sebutkan pasal yang mengizinkan akses NIK." in returned.inner_text()
    button(returned, "Perbaiki dan ajukan lagi").click()
    field(requester, "Dasar hukum").fill("Permenkes 24/2022 tentang Rekam Medis, Pasal 26")
    button(requester, "Ajukan lagi").click()
    assert "Permohonan Anda yang telah diperbaiki dikirim" in content(requester).inner_text()

    admin_open_row(admin, "/admin/access/pendingaccessrequest/", "Data Kependudukan")
    assert "Sebutkan pasal yang mengizinkan akses NIK." in content(admin).inner_text()
    admin_decide(admin, "Setujui")
    assert "Disetujui, menunggu pemberian akses" in content(admin).inner_text()

    publisher = open_as("publisher")
    publisher.goto("/permohonan-masuk/")
    button(card(publisher, "Data Kependudukan"), "Berikan akses").click()
    assert "Akses diberikan" in card(publisher, "Data Kependudukan").inner_text()

    requester.goto("/kunci-saya/")
    button(card(requester, "Data Kependudukan"), "Tampilkan kunci").click()
    assert revealed_key(requester)


@pytest.fixture
def waiting_key(demo_site):
    """A grant of the requester's organisation on an API whose upstream is the demo upstream, its key not shown
    yet: set up through the services (the Pasal 7 flow above clicks through the same steps)."""
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["admin", "publisher",
                                                                                             "requester"])}
    slug = "cek-status-peramban"
    example = {"status": "aktif", "kecamatan": "Wolio"}
    _service, version = directory_services.api_service_register(
        actor=users["publisher"], owner=Organization.objects.get(code="disdukcapil"), slug=slug, version="1.0.0",
        upstream_base_url=f"{demo_site.url}/demo-upstream/{slug}",
        spec=openapi("Cek Status", "/v1/status", example),
        **service_fields(Theme.objects.get(slug="kependudukan"), name="Cek Status Peramban"),
    )
    directory_services.api_version_submit_for_review(actor=users["publisher"], api_version=version)
    directory_services.api_version_publish(actor=users["admin"], api_version=version)
    access_request = submit_request(users["requester"], Organization.objects.get(code="dinkes"), version)
    access_services.access_request_approve(actor=users["admin"], access_request=access_request)
    access_services.access_request_grant(actor=users["publisher"], access_request=access_request)
    return example


def test_key_shown_once_and_the_shown_curl_works_through_the_bus(open_as, waiting_key):
    requester = open_as("requester")
    requester.goto("/kunci-saya/")
    button(card(requester, "Cek Status Peramban"), "Tampilkan kunci").click()
    key = revealed_key(requester)
    curl = shown_curl(requester)
    assert curl, "no curl call is shown with the revealed key"

    method, url, headers, body = curl_call(curl)
    assert headers.get("Authorization") == f"Bearer {key}"
    answer = requests.request(method, url, headers=headers, data=body, timeout=20)
    assert answer.status_code == 200, answer.text
    assert answer.json() == waiting_key  # the demo upstream's answer, from the example in the document

    requester.reload()
    assert revealed_key(requester) is None
    requester.goto("/kunci-saya/")
    assert key not in requester.content()


@pytest.fixture(scope="module")
def echo_upstream():
    """A local upstream that answers with what it received (tests/bus), behind an API of its own."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/api"
    server.shutdown()


@pytest.fixture
def echo_key(demo_site, echo_upstream):
    """A grant of the requester's organisation, its key not shown yet, on an API taking a header parameter, a
    multipart form with a file and a text body."""
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["admin", "publisher",
                                                                                             "requester"])}
    allow_media_types(users["admin"], "multipart/form-data", "text/plain")
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    spec = {"openapi": "3.0.3", "info": {"title": "Unggah Berkas", "version": "1.0.0"}, "paths": {
        "/v1/unggah": {"post": {
            "summary": "Unggah berkas", "responses": ok,
            "parameters": [{"name": "X-Wilayah", "in": "header", "schema": {"type": "string"}, "example": "7472"}],
            "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
                "keterangan": {"type": "string", "example": "Surat & lampiran"},
                "berkas": {"type": "string", "format": "binary"}}}}}},
        }},
        "/v1/catatan": {"put": {"summary": "Catatan", "responses": ok,
                                "requestBody": {"content": {"text/plain": {"example": "baris satu"}}}}},
    }}
    _service, version = directory_services.api_service_register(
        actor=users["publisher"], owner=Organization.objects.get(code="disdukcapil"), slug="unggah-peramban",
        version="1.0.0", upstream_base_url=echo_upstream, spec=spec,
        **service_fields(Theme.objects.get(slug="kependudukan"), name="Unggah Berkas Peramban"),
    )
    directory_services.api_version_submit_for_review(actor=users["publisher"], api_version=version)
    directory_services.api_version_publish(actor=users["admin"], api_version=version)
    access_request = submit_request(users["requester"], Organization.objects.get(code="dinkes"), version)
    access_services.access_request_approve(actor=users["admin"], access_request=access_request)
    access_services.access_request_grant(actor=users["publisher"], access_request=access_request)


def test_the_console_sends_header_parameters_a_file_and_a_text_body_through_the_bus(open_as, echo_key):
    from playwright.sync_api import expect

    requester = open_as("requester")
    requester.goto("/kunci-saya/")
    button(card(requester, "Unggah Berkas Peramban"), "Tampilkan kunci").click()
    page = content(requester)
    answer = page.locator(".try-result pre")

    def sent():
        """What the upstream received, as the console shows its answer."""
        expect(page.locator(".try-result strong")).to_contain_text("200")
        return json.loads(answer.inner_text())

    # The key just shown is already in the console; the operation's example header and fields are filled in.
    field(requester, "Operasi").select_option(label="POST /v1/unggah")
    assert field(requester, "Header").input_value() == "X-Wilayah: 7472"
    body = page.get_by_label(re.compile(r"^\s*Isi\b"))
    assert body.input_value() == "keterangan=Surat+%26+lampiran"
    page.get_by_label("berkas").set_input_files(
        {"name": "surat.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 uji"})
    button(requester, "Kirim").click()
    echo = sent()
    assert echo["method"] == "POST" and echo["path"] == "/api/v1/unggah"
    headers = {name.lower(): value for name, value in echo["headers"].items()}
    assert headers["x-wilayah"] == "7472"
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="keterangan"\r\n\r\nSurat & lampiran\r\n' in echo["body"]
    assert 'name="berkas"; filename="surat.pdf"' in echo["body"] and "%PDF-1.4 uji" in echo["body"]

    field(requester, "Operasi").select_option(label="PUT /v1/catatan")
    expect(page.get_by_label("berkas")).to_have_count(0)  # no file field for this one
    body.fill("baris satu\nbaris dua")
    button(requester, "Kirim").click()
    expect(answer).to_contain_text('"method": "PUT"')
    echo = sent()
    assert {name.lower(): value for name, value in echo["headers"].items()}["content-type"] == "text/plain"
    assert echo["body"] == "baris satu\nbaris dua"


def test_registration_with_openapi_upload_and_dinas_review(open_as, demo_site):
    slug = "jadwal-posyandu-peramban"
    spec = openapi("Jadwal Posyandu", "/v1/jadwal", {"kelurahan": "Bukit Wolio Indah", "hari": "Selasa"})
    publisher = open_as("publisher")
    publisher.goto("/api-saya/daftar/")
    field(publisher, "Nama").fill("Jadwal Posyandu Peramban")
    field(publisher, "Nama alamat (slug)").fill(slug)
    field(publisher, "Deskripsi").fill("Jadwal posyandu per kelurahan.")
    field(publisher, "Tema").select_option(label="Kesehatan")
    field(publisher, "Klasifikasi data").select_option(label="Terbuka")
    field(publisher, "Dasar hukum").fill("Permenkes 8/2019 tentang Pemberdayaan Masyarakat Bidang Kesehatan")
    field(publisher, "Frekuensi pembaruan").select_option(label="Mingguan")
    field(publisher, "Narahubung").fill("Seksi Data Disdukcapil")
    field(publisher, "Surel narahubung").fill("data@disdukcapil.example.go.id")
    field(publisher, "SLA yang diharapkan").fill("99% per bulan")
    field(publisher, "Produsen data").fill("Disdukcapil")
    field(publisher, "Walidata").fill("Diskominfo")
    field(publisher, "Versi").fill("1.0.0")
    field(publisher, "URL dasar layanan asal (upstream)").fill(f"{demo_site.url}/demo-upstream/{slug}")
    field(publisher, "Dokumen OpenAPI (berkas)").set_input_files(
        {"name": "openapi.json", "mimeType": "application/json", "buffer": json.dumps(spec).encode()})
    button(publisher, "Daftarkan").click()
    assert "API terdaftar sebagai draf" in content(publisher).inner_text()
    button(publisher, "Ajukan pendampingan").click()

    admin = open_as("admin")
    admin_open_row(admin, "/admin/directory/pendingapiversion/", "Jadwal Posyandu Peramban")
    admin_decide(admin, "Setujui & terbitkan")

    visitor = open_as(None)
    visitor.goto(f"/direktori/api/{slug}/")
    page_text = content(visitor).inner_text()
    assert "Jadwal Posyandu Peramban" in page_text and "/v1/jadwal" in page_text


def test_monev_report_generated_and_downloaded_as_pdf(open_as):
    admin = open_as("admin")
    admin.goto("/admin/monitoring/monevreport/generate/")
    button(admin, "Buat laporan sekarang").click()
    with admin.expect_download() as download:
        content(admin).get_by_role("link", name="PDF", exact=True).click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


# -- The main pages at both widths ---------------------------------------------------------------------------

PAGES = {
    "home": (None, lambda world: "/"),
    "directory": (None, lambda world: "/direktori/"),
    "theme": (None, lambda world: "/direktori/tema/kependudukan/"),
    "api-page": ("requester", lambda world: "/direktori/api/data-kependudukan/"),
    "search": (None, lambda world: "/direktori/cari/?q=penduduk"),
    "request-form": ("requester", lambda world: world["request_form"]),
    "my-requests": ("requester", lambda world: "/permohonan-saya/"),
    "my-keys": ("requester", lambda world: "/kunci-saya/"),
    "my-apis": ("publisher", lambda world: "/api-saya/"),
    "api-usage": ("publisher", lambda world: "/api-saya/kelola/data-kependudukan/penggunaan/"),
    "org-calls": ("requester", lambda world: "/organisasi-saya/log-panggilan/"),
    "org-recommendations": ("requester", lambda world: "/organisasi-saya/rekomendasi-monev/"),
    "admin-index": ("admin", lambda world: "/admin/"),
    "admin-request": ("admin", lambda world: world["admin_request"]),
    "admin-version-review": ("admin", lambda world: world["admin_version"]),
    "admin-activities": ("admin", lambda world: "/admin/monitoring/activity/"),
    "admin-activity-form": ("admin", lambda world: "/admin/monitoring/activity/add/"),
    "admin-findings": ("admin", lambda world: "/admin/monitoring/finding/"),
    "dashboard": ("admin", lambda world: "/pemantauan/"),
}


@pytest.fixture(scope="module")
def world(demo_site):
    """Addresses that depend on the seeded rows: the request form of an API the requester has not asked for, the
    seeded request waiting for the administrator and the seeded version waiting for review."""
    version = ApiVersion.objects.get(service__slug="data-sekolah")
    waiting = AccessRequest.objects.get(api_version__service__slug="indikator-pembangunan")
    submitted = ApiVersion.objects.get(service__slug="realisasi-anggaran")
    return {
        "admin_version": f"/admin/directory/pendingapiversion/{submitted.pk}/change/",
        "request_form": f"/direktori/api/data-sekolah/versi/{version.version}/minta-akses/",
        "admin_request": f"/admin/access/accessrequest/{waiting.pk}/change/",
    }


@pytest.mark.parametrize("width", ["desktop", "mobile"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen_and_loads_everything(open_as, world, name, width):
    username, address = PAGES[name]
    page = open_as(username, width)
    failed = record_failed_loads(page)
    response = page.goto(address(world))
    page.wait_for_load_state("networkidle")
    assert response.status == 200
    failed += broken_images_and_icons(page)
    assert not failed, f"{name} at {width}: failed to load {failed}"
    assert layout_problems(page) == {}, f"{name} at {width} scrolls sideways"
