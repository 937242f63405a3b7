"""The public service directory over the API: themes, published APIs, filters, search, detail, OpenAPI."""

import pytest
from rest_framework.pagination import PageNumberPagination

from directory import services as directory_services
from directory.api.pagination import KeysetPagination
from directory.choices import ClassificationChoices
from directory.models import ApiService

from ..factories import OrganizationFactory, ThemeFactory, openapi_doc
from .conftest import API, count_queries, error_code


def slugs(response):
    return [row["slug"] for row in response.json()["results"]]


# Themes


def test_themes_list_counts_published_apis_only(anon, service, draft_version, theme, publish):
    other = ThemeFactory(name="Kesehatan", slug="kesehatan", description="Layanan kesehatan")
    publish("jadwal-puskesmas", theme=other)
    publish("data-kk")
    response = anon.get(f"{API}themes/")
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert rows["kependudukan"] == {
        "slug": "kependudukan", "name": "Kependudukan", "description": "", "api_count": 2,
    }
    assert rows["kesehatan"]["api_count"] == 1


def test_themes_list_counts_zero_for_drafts(anon, draft_version):
    response = anon.get(f"{API}themes/")
    assert response.json()["results"][0]["api_count"] == 0


def test_themes_list_query_count_is_fixed(anon, db):
    ThemeFactory()
    anon.get(f"{API}themes/")  # caches the published counts
    one, _ = count_queries(anon, f"{API}themes/")
    ThemeFactory.create_batch(4)
    five, body = count_queries(anon, f"{API}themes/")
    assert len(body["results"]) == 5
    assert one == five == 1  # the themes; their counts come from the cache


# Published services: list


def test_services_list_shows_published_apis_with_live_version(anon, service):
    response = anon.get(f"{API}services/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert body["results"] == [
        {
            "slug": "data-penduduk",
            "name": "Data Penduduk",
            "description": "Layanan data kependudukan",
            "theme": {"slug": "kependudukan", "name": "Kependudukan"},
            "organization": {"code": "disdukcapil", "name": "Disdukcapil"},
            "classification": "terbuka",
            "has_personal_data": True,
            "update_frequency": "harian",
            "version": "1.0.0",
            "spec_format": "openapi3",
            "url": "http://testserver/api/v1/services/data-penduduk/",
        }
    ]


def test_services_list_hides_drafts_and_submitted(anon, draft_version, publisher):
    assert anon.get(f"{API}services/").json()["count"] == 0
    directory_services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    assert anon.get(f"{API}services/").json()["count"] == 0


def test_services_list_reports_newest_live_version(anon, service, publisher, admin_user):
    v2 = directory_services.api_version_create(
        actor=publisher, service=service, version="2.0.0", upstream_base_url="http://127.0.0.1:9/api",
        spec=openapi_doc(version="2.0.0"),
    )
    assert anon.get(f"{API}services/").json()["results"][0]["version"] == "1.0.0"
    directory_services.api_version_submit_for_review(actor=publisher, api_version=v2)
    directory_services.api_version_publish(actor=admin_user, api_version=v2)
    assert anon.get(f"{API}services/").json()["results"][0]["version"] == "2.0.0"


def test_services_list_paginates(anon, publish, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for slug in ("api-a", "api-b", "api-c"):
        publish(slug, name=slug.upper())
    first = anon.get(f"{API}services/").json()
    assert first["count"] == 3
    assert [r["slug"] for r in first["results"]] == ["api-a", "api-b"]
    assert first["next"] == "http://testserver/api/v1/services/?page=2" and first["previous"] is None
    second = anon.get(first["next"]).json()
    assert [r["slug"] for r in second["results"]] == ["api-c"]
    assert second["next"] is None and second["previous"] == "http://testserver/api/v1/services/"


def test_services_list_query_count_is_fixed(anon, publish):
    publish("api-0")
    one, _ = count_queries(anon, f"{API}services/")
    for n in range(1, 5):
        publish(f"api-{n}")
    five, body = count_queries(anon, f"{API}services/")
    assert body["count"] == 5
    assert one == five == 4  # count + the page's ids + its rows + live versions


@pytest.fixture
def seven_apis(publish, monkeypatch):
    """Seven published APIs, three of them with the same name, two to a keyset page."""
    monkeypatch.setattr(KeysetPagination, "page_size", 2)
    for slug, name in [("api-e", "E"), ("sama-1", "Sama"), ("api-a", "A"), ("sama-2", "Sama"), ("api-z", "Z"),
                       ("sama-3", "Sama"), ("api-c", "C")]:
        publish(slug, name=name)


@pytest.mark.parametrize("ordering", ["", "name", "-name"])
def test_services_list_cursor_walk_returns_every_api_once_in_order(anon, seven_apis, ordering):
    expected = list(ApiService.objects.order_by(*(["-name", "-id"] if ordering == "-name" else ["name", "id"]))
                    .values_list("slug", flat=True))
    walked, query_counts, pages = [], set(), []
    url = f"{API}services/?cursor=&ordering={ordering}"
    while url:
        queries, body = count_queries(anon, url)
        assert "count" not in body  # keyset pages skip the count
        pages.append(url)
        walked += [row["slug"] for row in body["results"]]
        query_counts.add(queries)
        url = body["next"]
    assert walked == expected
    assert len(pages) == 4 and query_counts == {2}  # page + live versions, at any depth
    # Previous links walk back over the same pages.
    last = anon.get(pages[-1]).json()
    assert slugs(anon.get(last["previous"])) == expected[4:6]


def test_services_list_cursor_keeps_filters_and_search(anon, seven_apis):
    first = anon.get(f"{API}services/", {"cursor": "", "search": "sama"})
    assert slugs(first) == ["sama-1", "sama-2"]
    assert "search=sama" in first.json()["next"]
    assert slugs(anon.get(first.json()["next"])) == ["sama-3"]


@pytest.mark.parametrize("cursor", ["not-base64!", "cD0AYQ=="])  # the second decodes to a position with a NUL
def test_services_list_refuses_a_broken_cursor(anon, service, cursor):
    response = anon.get(f"{API}services/", {"cursor": cursor})
    assert response.status_code == 404 and error_code(response) == "not_found"


# Published services: filters, search, ordering


@pytest.fixture
def catalogue(publish, publisher, admin_user, outsider, outsider_org):
    """Three published APIs over two themes and two organisations; two terbatas (the tests look as a member)."""
    health = ThemeFactory(name="Kesehatan", slug="kesehatan")
    publish("data-penduduk", name="Data Penduduk", description="NIK dan KK",
            classification=ClassificationChoices.TERBATAS)
    publish("jadwal-vaksin", name="Jadwal Vaksin", theme=health, classification=ClassificationChoices.TERBUKA,
            has_personal_data=False, description="Jadwal imunisasi di puskesmas")
    publish("rencana-kerja", actor=outsider, owner=outsider_org, name="Rencana Kerja",
            description="Dokumen perencanaan daerah", classification=ClassificationChoices.TERBATAS)
    return health


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=kesehatan", ["jadwal-vaksin"]),
        ("theme=kependudukan", ["data-penduduk", "rencana-kerja"]),
        ("organization=bappeda", ["rencana-kerja"]),
        ("organization=disdukcapil", ["data-penduduk", "jadwal-vaksin"]),
        ("classification=terbuka", ["jadwal-vaksin"]),
        ("classification=terbatas", ["data-penduduk", "rencana-kerja"]),
        ("has_personal_data=false", ["jadwal-vaksin"]),
        ("has_personal_data=true", ["data-penduduk", "rencana-kerja"]),
        ("search=vaksin", ["jadwal-vaksin"]),
        ("search=PERENCANAAN", ["rencana-kerja"]),
        ("search=nik", ["data-penduduk"]),
        ("search=tidak-ada-yang-cocok", []),
        ("theme=kependudukan&organization=disdukcapil", ["data-penduduk"]),
        ("ordering=-name", ["rencana-kerja", "jadwal-vaksin", "data-penduduk"]),
        ("ordering=name", ["data-penduduk", "jadwal-vaksin", "rencana-kerja"]),
    ],
)
def test_services_filters_search_and_ordering(as_requester, catalogue, query, expected):
    response = as_requester.get(f"{API}services/?{query}")
    assert response.status_code == 200
    assert slugs(response) == expected


def test_services_filter_by_ids(as_requester, catalogue, publisher_org):
    assert slugs(as_requester.get(f"{API}services/?theme_id={catalogue.pk}")) == ["jadwal-vaksin"]
    by_publisher = as_requester.get(f"{API}services/?organization_id={publisher_org.pk}")
    assert slugs(by_publisher) == ["data-penduduk", "jadwal-vaksin"]


def test_services_ordering_by_update_time(as_requester, catalogue, publisher):
    service = ApiService.objects.get(slug="data-penduduk")
    directory_services.api_service_update(actor=publisher, service=service, sla="99,9%")
    assert slugs(as_requester.get(f"{API}services/?ordering=-updated_at"))[0] == "data-penduduk"


def test_unknown_theme_is_a_clear_400_not_an_empty_list(as_requester, catalogue):
    response = as_requester.get(f"{API}services/?theme=tidak-ada")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"theme": ['Tema "tidak-ada" tidak dikenal.']}
    assert 'Tema "tidak-ada" tidak dikenal.' in error["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("theme_id=999999", "theme_id"),
        ("theme_id=abc", "theme_id"),
        ("organization=tidak-ada", "organization"),
        ("organization_id=999999", "organization_id"),
        ("classification=rahasia-negara", "classification"),
    ],
)
def test_invalid_filters_answer_400_naming_the_filter(as_requester, catalogue, query, field):
    response = as_requester.get(f"{API}services/?{query}")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]


def test_unknown_organisation_message_is_indonesian(anon, db):
    OrganizationFactory(code="dinsos")
    response = anon.get(f"{API}services/?organization=tidak-ada")
    assert response.json()["error"]["fields"]["organization"] == ['Perangkat daerah "tidak-ada" tidak dikenal.']


# Published services: detail and OpenAPI document


def test_service_detail_adds_metadata_versions_and_live_operations(anon, service):
    response = anon.get(f"{API}services/data-penduduk/")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("legal_basis", "contact_name", "contact_email", "sla", "data_producer",
                                 "data_steward")} == {
        "legal_basis": "UU 24/2013", "contact_name": "Budi", "contact_email": "budi@example.test", "sla": "99%",
        "data_producer": "Disdukcapil", "data_steward": "Diskominfo",
    }
    assert [(v["version"], v["status"]) for v in body["versions"]] == [("1.0.0", "published")]
    operations = {(op["method"], op["path"]): op for op in body["operations"]}
    assert set(operations) == {("GET", "/v1/penduduk/{nik}"), ("POST", "/v1/penduduk")}
    get_op = operations[("GET", "/v1/penduduk/{nik}")]
    assert get_op["summary"] == "Ambil data penduduk"
    assert get_op["parameters"] == [{"name": "nik", "in": "path", "required": True}]
    assert isinstance(get_op["id"], int)
    # The upstream address stays behind the bus: the directory never shows it.
    assert "upstream_base_url" not in body and "127.0.0.1:9" not in response.content.decode()


def test_service_detail_shows_operations_of_newest_live_version(anon, service, publisher, admin_user):
    paths = {"/v2/warga": {"get": {
        "summary": "Daftar warga",
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}}
    v2 = directory_services.api_version_create(
        actor=publisher, service=service, version="2.0.0", upstream_base_url="http://127.0.0.1:9/api",
        spec=openapi_doc(version="2.0.0", paths=paths),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=v2)
    directory_services.api_version_publish(actor=admin_user, api_version=v2)
    body = anon.get(f"{API}services/data-penduduk/").json()
    assert body["version"] == "2.0.0"
    assert [(v["version"], v["status"]) for v in body["versions"]] == [("2.0.0", "published"), ("1.0.0", "published")]
    assert [(op["method"], op["path"]) for op in body["operations"]] == [("GET", "/v2/warga")]


def test_service_openapi_returns_live_document(anon, service):
    response = anon.get(f"{API}services/data-penduduk/openapi/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == openapi_doc()


@pytest.mark.parametrize("suffix", ["", "openapi/"])
def test_unpublished_or_unknown_service_is_404(anon, draft_version, suffix):
    for slug in ("data-penduduk", "tidak-ada"):
        response = anon.get(f"{API}services/{slug}/{suffix}")
        assert response.status_code == 404
        assert error_code(response) == "not_found"


def test_directory_is_read_only(as_publisher, service):
    assert as_publisher.post(f"{API}services/", {}, format="json").status_code == 405
    assert as_publisher.delete(f"{API}services/data-penduduk/").status_code == 405
    assert as_publisher.post(f"{API}themes/", {}, format="json").status_code == 405
