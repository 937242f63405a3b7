"""The developer portal: the bus address, example calls and errors on an API's page and with the key shown once,
the access state per requesting organisation, "Permohonan saya" filtered, and a publisher's usage page."""

import datetime
import html
import json
import re
import shlex
import uuid
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from access.gateway import BUS_ERRORS
from monitoring.models import LogBatch, RequestLog
from tests.conftest import allow_media_types, new_version, submit_request
from tests.factories import OrganizationFactory, R, member

from .conftest import client_for

pytestmark = pytest.mark.django_db

PAGE = "/direktori/api/data-penduduk/"
OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'
# A version whose document gives examples the portal must fill in, one of them written to break out of the page.
EXAMPLE_PATHS = {
    "/v1/penduduk/{nik}": {"get": {
        "summary": "Ambil penduduk", "responses": OK,
        "parameters": [
            {"name": "nik", "in": "path", "required": True, "schema": {"type": "string"},
             "example": "7472010000000001"},
            {"name": "fields", "in": "query", "schema": {"type": "string", "default": "nama"}},
            {"name": "catatan", "in": "query", "schema": {"type": "string"}},
        ],
    }},
    "/v1/verifikasi": {"post": {
        "summary": "Verifikasi", "responses": OK,
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"},
                                                         "example": {"nik": "7472010000000001", "nama": HOSTILE}}}},
    }},
    "/v1/lampiran": {"put": {
        "summary": "Unggah lampiran", "responses": OK,
        "parameters": [{"name": "X-Catatan", "in": "header", "schema": {"type": "string"}, "example": HOSTILE}],
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
            "keterangan": {"type": "string", "example": HOSTILE}, "berkas": {"type": "string", "format": "binary"},
        }}}}},
    }},
    "/v1/dokumen/{id}": {"get": {
        "summary": "Dokumen tanpa contoh", "responses": OK,
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
    }},
}


def code_blocks(response):
    """The text of each <pre><code> block, as a person copies it."""
    blocks = re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", response.content.decode(), re.S)
    return [html.unescape(block) for block in blocks]


@pytest.fixture
def examples_version(published_version, publisher, admin_user):
    allow_media_types(admin_user, "multipart/form-data")
    return new_version(published_version.service, actor=publisher, admin=admin_user, version="2.0.0",
                       paths=EXAMPLE_PATHS)


# The API's page


def test_the_api_page_gives_the_bus_address_calls_filled_from_the_examples_and_the_bus_errors(
    client, examples_version, settings
):
    settings.SITE_URL = "https://splp.contoh.go.id"
    page = client.get(PAGE)

    base = "https://splp.contoh.go.id/gateway/data-penduduk/v2.0.0/"
    assertContains(page, f'<code id="gateway-url-{examples_version.pk}">{base}</code>', html=True)
    blocks = code_blocks(page)
    curl = f"curl \\\n  -H 'Authorization: Bearer <KUNCI_API>' \\\n  '{base}v1/penduduk/7472010000000001?fields=nama'"
    assert curl in blocks
    # No example: the template's placeholder stays (and curl is told not to read it as a glob).
    assert f"curl --globoff \\\n  -H 'Authorization: Bearer <KUNCI_API>' \\\n  '{base}v1/dokumen/{{id}}'" in blocks
    post = next(block for block in blocks if block.startswith("curl -X POST"))
    # The shell gets back exactly the document's example, whatever it holds.
    words = shlex.split(post.replace("\\\n", ""))
    assert json.loads(words[words.index("--data-raw") + 1]) == {"nik": "7472010000000001", "nama": HOSTILE}
    # A header parameter and a multipart form, with a placeholder for its file.
    put = next(block for block in blocks if block.startswith("curl -X PUT"))
    assert shlex.split(put.replace("\\\n", "")) == [
        "curl", "-X", "PUT", "-H", "Authorization: Bearer <KUNCI_API>", "-H", f"X-Catatan: {HOSTILE}",
        "--form-string", f"keterangan={HOSTILE}", "-F", "berkas=@berkas.pdf", f"{base}v1/lampiran"]
    assert any(f"    '{base}v1/penduduk/7472010000000001?fields=nama',\n" in block for block in blocks)  # Python
    assert any(block.startswith(f'const response = await fetch("{base}v1/verifikasi"') for block in blocks)
    for code, (status, _meaning) in BUS_ERRORS.items():
        assertContains(page, f"<td>{status}</td><td><code>{code}</code></td>")
    assertContains(page, "<td>403</td><td><code>grant_not_started</code></td><td>Periode akses belum dimulai.</td>")
    assertContains(page, "Masuk untuk meminta akses")


def test_examples_from_the_publisher_are_escaped_everywhere(client, examples_version):
    page = client.get(PAGE).content.decode()

    assert HOSTILE not in page
    assert "<script>alert" not in page and "<img src=x" not in page
    script = re.search(rf'<script id="console-{examples_version.pk}" type="application/json">(.*?)</script>', page,
                       re.S)
    console = json.loads(script.group(1))
    assert console["base"] == "/gateway/data-penduduk/v2.0.0/"
    assert {"method": "POST", "path": "v1/verifikasi", "headers": "", "media_type": "application/json",
            "kind": "json", "files": [],
            "body": json.dumps({"nik": "7472010000000001", "nama": HOSTILE}, ensure_ascii=False, indent=2)
            } in console["calls"]
    assert {"method": "PUT", "path": "v1/lampiran", "headers": f"X-Catatan: {HOSTILE}",
            "media_type": "multipart/form-data", "kind": "multipart", "files": ["berkas"],
            "body": urlencode({"keterangan": HOSTILE})} in console["calls"]


def test_the_console_calls_the_bus_of_this_site_and_never_posts_the_key_to_the_portal(client, published_version):
    page = client.get(PAGE)

    assertContains(page, f'<input id="try-key-{published_version.pk}" type="password" autocomplete="off" '
                         'spellcheck="false" data-role="key">', html=True)
    assertContains(page, f'<label for="try-headers-{published_version.pk}">Header</label>', html=True)
    # No form around it: without the script nothing is sent anywhere.
    section = page.content.decode().split('class="try-it"')[1].split("</section>")[0]
    assert "<form" not in section and 'name="' not in section


def test_anyone_without_access_gets_the_request_button(requester_client, outsider_client, published_version):
    button = "/direktori/api/data-penduduk/versi/1.0.0/minta-akses/"
    for client in (requester_client, outsider_client):
        page = client.get(PAGE)
        assertContains(page, f'href="{button}">Minta akses</a>')
        assertNotContains(page, "Anda sudah memiliki akses")


def test_a_pending_request_is_shown_instead_of_the_button(requester_client, outsider_client, submitted_request,
                                                          admin_user):
    access_services.access_request_approve(actor=admin_user, access_request=submitted_request)
    page = requester_client.get(PAGE)

    assertContains(page, "Permohonan Anda sedang diproses (Dinas Kesehatan):")
    with translation.override("id"):
        label = S.APPROVED.label
    assertContains(page, f'<span class="badge badge-approved">{label}</span>', html=True)
    assertContains(page, 'href="/permohonan-saya/?status=active"')
    assertNotContains(page, "/minta-akses/")
    # Another organisation's request says nothing to an outsider.
    outsider_page = outsider_client.get(PAGE)
    assertNotContains(outsider_page, "Dinas Kesehatan")
    assertContains(outsider_page, "/minta-akses/")


def test_access_held_is_shown_with_a_link_to_the_key(requester_client, granted_request):
    page = requester_client.get(PAGE)

    assertContains(page, 'Anda sudah memiliki akses (Dinas Kesehatan). <a href="/kunci-saya/">Lihat kuncinya</a>',
                   html=True)
    assertNotContains(page, "/minta-akses/")


def test_a_requester_of_two_organisations_may_still_ask_for_the_other(requester, granted_request):
    second = OrganizationFactory(name="Puskesmas Wajo", code="puskesmas-wajo")
    member(requester, second, R.REQUESTER)
    client = client_for(requester)

    page = client.get(PAGE)
    assertContains(page, "Anda sudah memiliki akses (Dinas Kesehatan).")
    assertContains(page, "/minta-akses/")
    form = client.get("/direktori/api/data-penduduk/versi/1.0.0/minta-akses/")
    assertNotContains(form, f'<option value="{granted_request.requester_id}"')
    assertContains(form, f'<input type="hidden" name="requester" value="{second.pk}"')


# The key shown once


def test_the_key_shown_once_comes_with_calls_that_carry_it_for_the_granted_operations(
    requester, requester_org, examples_version, admin_user, publisher, settings
):
    settings.SITE_URL = "https://splp.contoh.go.id"
    dokumen = examples_version.operations.get(path="/v1/dokumen/{id}")
    request = submit_request(requester, requester_org, examples_version, operations=[dokumen])
    access_services.access_request_approve(actor=admin_user, access_request=request)
    grant, key, _raw = access_services.access_request_grant(actor=publisher, access_request=request)

    page = client_for(requester).post(f"/kunci-saya/{key.pk}/tampilkan/")

    [raw] = set(re.findall(r"splp_[0-9a-f]{12}_[A-Za-z0-9_-]+", page.content.decode()))
    assert (f"curl --globoff \\\n  -H 'Authorization: Bearer {raw}' \\\n"
            "  'https://splp.contoh.go.id/gateway/data-penduduk/v2.0.0/v1/dokumen/{id}'") in code_blocks(page)
    assertNotContains(page, "/v1/verifikasi")  # not granted
    assertNotContains(page, "<KUNCI_API>")


def test_the_key_shown_before_its_period_says_from_when_it_works(requester, requester_org, published_version,
                                                                 admin_user, publisher):
    start = timezone.localdate() + datetime.timedelta(days=10)
    request = submit_request(requester, requester_org, published_version, period_start=start,
                             period_end=start + datetime.timedelta(days=30))
    access_services.access_request_approve(actor=admin_user, access_request=request)
    _grant, key, _raw = access_services.access_request_grant(actor=publisher, access_request=request)

    page = client_for(requester).post(f"/kunci-saya/{key.pk}/tampilkan/")

    with translation.override("id"):
        day = date_format(start, "j M Y")
    assertContains(page, f"Kunci ini berlaku mulai {day}, saat periode yang dimohon dimulai.")


# "Permohonan saya"


@pytest.fixture
def many_requests(requester, requester_org, published_version, publish, admin_user, publisher):
    """Fifty withdrawn requests (made first, so the newest are those), then one granted on another API."""
    for _ in range(50):
        access_services.access_request_withdraw(
            actor=requester, access_request=submit_request(requester, requester_org, published_version))
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        granted = submit_request(requester, requester_org, publish("data-sekolah", name="Data Sekolah"))
    access_services.access_request_approve(actor=admin_user, access_request=granted)
    access_services.access_request_grant(actor=publisher, access_request=granted)
    return granted


def test_open_requests_come_first(requester_client, many_requests):
    page = requester_client.get("/permohonan-saya/")

    assert page.context["requests"][0] == many_requests
    assertContains(page, "51 permohonan.")


def test_the_status_filter_and_the_search_keep_their_values_across_pages(requester_client, many_requests):
    withdrawn = requester_client.get("/permohonan-saya/", {"status": S.WITHDRAWN, "q": "penduduk"})

    assertContains(withdrawn, "50 permohonan.")
    assert many_requests not in withdrawn.context["requests"]
    assertContains(withdrawn, 'href="?status=withdrawn&amp;q=penduduk&amp;halaman=2"')
    with translation.override("id"):
        assertContains(withdrawn, f'<option value="withdrawn" selected>{S.WITHDRAWN.label}</option>', html=True)
    assertContains(withdrawn, '<input type="search" id="f-q" name="q" value="penduduk" '
                              'placeholder="Nama API atau perangkat daerah">', html=True)

    active = requester_client.get("/permohonan-saya/", {"status": "active"})
    assert list(active.context["requests"]) == [many_requests]
    by_api = requester_client.get("/permohonan-saya/", {"q": "sekolah"})
    assert list(by_api.context["requests"]) == [many_requests]
    by_owner = requester_client.get("/permohonan-saya/", {"q": "disdukcapil", "status": "active"})
    assert list(by_owner.context["requests"]) == [many_requests]
    nothing = requester_client.get("/permohonan-saya/", {"q": "tidak-ada"})
    assertContains(nothing, "Tidak ada permohonan yang cocok dengan saringan.")


def test_an_unknown_status_lists_everything(requester_client, many_requests):
    page = requester_client.get("/permohonan-saya/", {"status": "bogus"})
    assertContains(page, "51 permohonan.")


def test_my_requests_filtered_keep_a_fixed_query_count(requester, requester_org, published_version, publish,
                                                       assert_fixed_queries):
    client = client_for(requester)
    submit_request(requester, requester_org, published_version)

    def more():
        for slug in ("api-a", "api-b", "api-c"):
            submit_request(requester, requester_org, publish(slug))

    assert_fixed_queries(client, "/permohonan-saya/?status=active&q=api", more)


def test_outsiders_never_see_anothers_requests(outsider_client, many_requests):
    page = outsider_client.get("/permohonan-saya/", {"q": "sekolah"})
    assert list(page.context["requests"]) == []


# A publisher's usage page


USAGE = "/api-saya/kelola/data-penduduk/penggunaan/"


def _log(service, organization, *, when, status=200, latency=20.0, error_code=""):
    batch = LogBatch.objects.create(row_count=1, prev_hash="0" * 64, hash=uuid.uuid4().hex * 2)
    RequestLog.objects.create(batch=batch, request_id=uuid.uuid4().hex, time=when, method="GET", path="/x",
                              status=status, latency_ms=latency, bytes_in=0, bytes_out=10, error_code=error_code,
                              service=service, organization=organization)


def test_the_publisher_sees_calls_errors_latency_and_consumers_per_day(publisher_client, service, requester_org,
                                                                       outsider_org):
    now = timezone.now()
    yesterday = now - datetime.timedelta(days=1)
    for organization in (requester_org, outsider_org):
        _log(service, organization, when=yesterday)
    _log(service, requester_org, when=yesterday, status=500, latency=400.0)
    _log(service, requester_org, when=now)

    page = publisher_client.get(USAGE, {"hari": "7"})

    assert page.status_code == 200
    rows = {row["date"]: row for row in page.context["rows"]}
    assert set(rows) == {timezone.localdate(yesterday), timezone.localdate(now)}  # days without calls left out
    day = rows[timezone.localdate(yesterday)]
    assert (day["calls"], day["errors"], day["error_rate"], day["consumers"]) == (3, 1, 33.33, 2)
    assert rows[timezone.localdate(now)]["consumers"] == 1
    assert page.context["consumers"] == 2
    assertContains(page, "<strong>4</strong>", html=True)  # calls in the period
    assertContains(page, "class=\"chart chart-columns\"", count=1)
    assertContains(page, '<a class="btn btn-small btn-primary" href="?hari=7" aria-current="page">7 hari</a>',
                   html=True)


def test_the_usage_page_is_linked_from_my_apis_and_the_api_management_page(publisher_client, service):
    assertContains(publisher_client.get("/api-saya/"), f'href="{USAGE}"')
    assertContains(publisher_client.get("/api-saya/kelola/data-penduduk/"), f'href="{USAGE}"')


def test_another_organisations_publisher_gets_404(outsider_client, service):
    assert outsider_client.get(USAGE).status_code == 404


def test_requesters_and_visitors_do_not_see_usage(requester_client, client, service):
    assertContains(requester_client.get(USAGE), "Halaman ini khusus untuk operator penyedia API.", status_code=403)
    assertRedirects(client.get(USAGE), f"/masuk/?next={USAGE}", fetch_redirect_response=False)
