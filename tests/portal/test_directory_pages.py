"""The public service directory: home, themes, search and the API detail page."""

import pytest
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from directory import services as directory_services
from directory.choices import CLASSIFICATION_HELP, ClassificationChoices
from directory.models import ApiService
from splp.models import Pemda
from tests.factories import OrganizationFactory, ThemeFactory, sunset

from ..conftest import publish_service
from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_home_shows_the_pemda_intro_search_and_themes_with_counts(client, service):
    Pemda.objects.create(
        name="Kota Baubau", dinas_name="Dinas Komunikasi dan Informatika Kota Baubau", domain="splp.baubaukota.go.id",
        logo_text="SPLP",
    )
    ThemeFactory(name="Pariwisata", slug="pariwisata")

    response = client.get("/")

    assertContains(response, "Kota Baubau")
    assertContains(response, "Dinas Komunikasi dan Informatika Kota Baubau")
    assertContains(response, "Sistem Penghubung Layanan Pemerintah")
    assertContains(response, 'action="/direktori/cari/"')
    assertContains(response, "1 API terbit di direktori.")
    assertContains(response, '<span class="theme-name">Kependudukan</span>', html=True)
    assertContains(response, '<span class="theme-count">1 API</span>', html=True)
    # A theme without APIs is no card but a name under one collapsed line.
    assertNotContains(response, '<span class="theme-count">0 API</span>', html=True)
    assertContains(response, "<summary>1 tema belum memiliki API terbit</summary>", html=True)
    assertContains(response, '<a href="/direktori/tema/pariwisata/">Pariwisata</a>', html=True)


def test_navigation_depends_on_roles(client, publisher_client, requester_client):
    anonymous = client.get("/")
    assertContains(anonymous, "Masuk")
    assertNotContains(anonymous, "API saya")
    assertNotContains(anonymous, "Kunci saya")

    as_publisher = publisher_client.get("/")
    assertContains(as_publisher, "API saya")
    assertContains(as_publisher, "Permohonan untuk API saya")
    assertNotContains(as_publisher, "Kunci saya")
    # Logging out is a POST form with a CSRF token, not a link.
    assertContains(as_publisher, 'action="/keluar/"')
    assertContains(as_publisher, "csrfmiddlewaretoken")

    as_requester = requester_client.get("/")
    assertContains(as_requester, "Permohonan saya")
    assertContains(as_requester, "Kunci saya")
    assertNotContains(as_requester, "API saya")


def test_login_page_and_login_redirects_home(client, publisher, password):
    page = client.get("/masuk/")
    assertContains(page, "Akun diberikan oleh administrator Dinas.")

    response = client.post("/masuk/", {"username": "bob", "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_theme_list_and_theme_page_show_only_published_apis(client, service, draft_version, publish, theme):
    other_theme = ThemeFactory(name="Kesehatan", slug="kesehatan")
    publish("data-faskes", name="Data Fasilitas Kesehatan", theme=other_theme)
    # A second registration stays a draft: it must not appear anywhere in the directory.
    directory_services.api_version_create(
        actor=draft_version.created_by, service=service, version="2.0.0",
        upstream_base_url="https://api.example.test/v2", spec=draft_version.spec,
    )

    themes = client.get("/direktori/")
    assertContains(themes, "Direktori layanan")
    assertContains(themes, "Kesehatan")

    page = client.get("/direktori/tema/kependudukan/")
    assertContains(page, "Data Penduduk")
    assertContains(page, "versi 1.0.0")
    assertNotContains(page, "Data Fasilitas Kesehatan")

    assertContains(client.get("/direktori/tema/kesehatan/"), "Data Fasilitas Kesehatan")
    assert client.get("/direktori/tema/tidak-ada/").status_code == 404


def test_theme_page_without_published_apis(client, draft_version, theme):
    page = client.get("/direktori/tema/kependudukan/")
    assertContains(page, "Belum ada API terbit pada tema ini.")
    assertNotContains(page, "Data Penduduk")


def test_search_by_term_organisation_and_classification(
    client, service, publish, outsider, outsider_org, admin_user, theme, requester
):
    ApiService.objects.filter(pk=service.pk).update(classification=ClassificationChoices.TERBATAS)
    client.force_login(requester)  # a member of one of the Pemda's organisations sees the terbatas API
    publish("data-kk", name="Kartu Keluarga", description="Data KK", classification=ClassificationChoices.TERBUKA)
    publish_service(
        actor=outsider, owner=outsider_org, admin=admin_user, theme=theme, slug="rpjmd",
        name="Dokumen RPJMD", description="Perencanaan penduduk", classification=ClassificationChoices.TERBUKA,
    )

    by_term = client.get("/direktori/cari/", {"q": "penduduk"})
    assertContains(by_term, "Data Penduduk")  # name
    assertContains(by_term, "Dokumen RPJMD")  # description
    assertNotContains(by_term, "Kartu Keluarga")
    assertContains(by_term, "2 API ditemukan.")

    by_org = client.get("/direktori/cari/", {"q": "penduduk", "organization": "bappeda"})
    assertContains(by_org, "Dokumen RPJMD")
    assertNotContains(by_org, "Data Penduduk")

    by_class = client.get("/direktori/cari/", {"classification": "terbuka", "organization": "disdukcapil"})
    assertContains(by_class, "Kartu Keluarga")
    assertNotContains(by_class, "Data Penduduk")
    assertNotContains(by_class, "Dokumen RPJMD")
    # The chosen filters stay selected.
    assertContains(by_class, '<option value="terbuka" selected>', count=1)

    nothing = client.get("/direktori/cari/", {"q": "tidak ada yang cocok"})
    assertContains(nothing, "Tidak ada API terbit yang cocok dengan pencarian.")


def test_search_escapes_the_term(client, service):
    response = client.get("/direktori/cari/", {"q": '"><script>alert(1)</script>'})
    assertNotContains(response, "<script>alert(1)</script>")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")


def test_api_detail_shows_metadata_versions_and_operations(client, service):
    response = client.get("/direktori/api/data-penduduk/")

    for text in ("Data Penduduk", "Disdukcapil", "Kependudukan", "UU 24/2013", "Budi", "budi@example.test",
                 "99%", "Diskominfo", "Ya, memuat data pribadi", "Produsen data", "Walidata", "SLA yang diharapkan"):
        assertContains(response, text)
    with translation.override("id"):
        assertContains(response, str(CLASSIFICATION_HELP))
    assertContains(response, "Operasi versi 1.0.0")
    assertContains(response, "<code>/v1/penduduk/{nik}</code>", html=True)
    assertContains(response, "Ambil data penduduk")
    assertContains(response, "<code>nik</code>", html=True)
    assertContains(response, 'href="/direktori/api/data-penduduk/versi/1.0.0/openapi.json"')
    # The upstream stays behind the bus (Pasal 5a): the directory does not publish it.
    assertNotContains(response, "127.0.0.1:9")


def test_openapi_download_is_the_registered_document(client, service, published_version):
    response = client.get("/direktori/api/data-penduduk/versi/1.0.0/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response.json() == published_version.spec


def test_request_access_button_only_for_requester_operators(client, service, requester_client, publisher_client):
    button = "/direktori/api/data-penduduk/versi/1.0.0/minta-akses/"
    assertContains(requester_client.get("/direktori/api/data-penduduk/"), button)
    assertNotContains(publisher_client.get("/direktori/api/data-penduduk/"), button)
    anonymous = client.get("/direktori/api/data-penduduk/")
    assertNotContains(anonymous, button)
    assertContains(anonymous, "Masuk untuk meminta akses")


def test_unpublished_api_is_not_found(client, draft_version, publisher_client):
    assert client.get("/direktori/api/data-penduduk/").status_code == 404
    # Not even its owner sees a draft in the directory, nor can anyone download its document.
    assert publisher_client.get("/direktori/api/data-penduduk/").status_code == 404
    assert client.get("/direktori/api/data-penduduk/versi/1.0.0/openapi.json").status_code == 404
    assert client.get("/direktori/api/tidak-ada/").status_code == 404


def test_deprecated_version_stays_visible_without_request_button_and_retired_disappears(
    requester_client, published_version, publisher
):
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=sunset())
    page = requester_client.get("/direktori/api/data-penduduk/")
    assertContains(page, "Operasi versi 1.0.0")
    assertNotContains(page, "/minta-akses/")

    directory_services.api_version_retire(actor=publisher, api_version=published_version)
    assert requester_client.get("/direktori/api/data-penduduk/").status_code == 404


def test_html_in_user_supplied_text_is_escaped_in_the_directory(client, publish):
    publish("jahat", name="<script>alert('x')</script>Data", description="<img src=x onerror=alert(1)>")

    for url in ("/direktori/api/jahat/", "/direktori/tema/kependudukan/", "/direktori/cari/?q=Data"):
        response = client.get(url)
        assertNotContains(response, "<script>alert('x')</script>")
        assertNotContains(response, "<img src=x")
        assertContains(response, "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;Data")


@pytest.mark.parametrize(
    "url", ["/", "/direktori/", "/direktori/tema/kependudukan/", "/direktori/cari/?q=API&organization=disdukcapil"]
)
def test_directory_pages_keep_a_fixed_query_count(client, publish, assert_fixed_queries, url):
    publish("api-0")

    def add_apis_and_themes():
        for index in range(1, 5):
            publish(f"api-{index}")
            ThemeFactory()

    response = assert_fixed_queries(client, url, add_apis_and_themes)
    if "tema/" in url or "cari/" in url:
        assertContains(response, 'class="card service-card"', count=5)


def test_directory_pages_for_logged_in_users_keep_a_fixed_query_count(requester, publish, assert_fixed_queries):
    requester_client = client_for(requester)
    publish("api-0")
    response = assert_fixed_queries(
        requester_client, "/direktori/tema/kependudukan/", lambda: [publish(f"api-{i}") for i in range(1, 5)]
    )
    assertContains(response, 'class="card service-card"', count=5)


def test_organisations_without_published_apis_are_not_offered_as_filters(client, service):
    OrganizationFactory(name="Kecamatan Wolio", code="wolio")
    response = client.get("/direktori/cari/")
    assertContains(response, '<option value="disdukcapil">Disdukcapil</option>', html=True)
    assertNotContains(response, "Kecamatan Wolio")


@pytest.mark.parametrize("url", ["/", "/direktori/"])
def test_themes_follow_the_order_set_by_the_dinas(client, url):
    ThemeFactory(name="Sosial", slug="sosial", order=1)
    ThemeFactory(name="Pariwisata", slug="pariwisata", order=2)
    ThemeFactory(name="Kesehatan", slug="kesehatan", order=3)

    html = client.get(url).content.decode()

    assert html.index(">Sosial<") < html.index(">Pariwisata<") < html.index(">Kesehatan<")


def test_free_text_version_names_work_in_links_and_downloads(client, requester, publish):
    publish("arsip", version='2024/01 "rc"')

    page = client_for(requester).get("/direktori/api/arsip/")

    link = "/direktori/api/arsip/versi/2024/01%20%22rc%22/"
    assertContains(page, f"{link}openapi.json")
    assertContains(page, f"{link}minta-akses/")
    download = client.get(f"{link}openapi.json")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment; filename")
    assert client_for(requester).get(f"{link}minta-akses/").status_code == 200
