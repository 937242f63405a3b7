"""The directory at scale: constant query counts, lists that load only what they show."""


import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import selectors, services as directory_services
from directory.choices import ClassificationChoices
from directory.models import ApiService
from directory.selectors import (
    THEME_COUNTS_KEY,
    DirectoryPaginator,
    published_services,
    search_services,
    themes_with_counts,
)
from tests.factories import ThemeFactory, openapi_doc, sunset

pytestmark = pytest.mark.django_db

LIST_URLS = [
    "/api/v1/services/",
    "/api/v1/services/?ordering=name",
    "/api/v1/services/?search=API",
    "/api/v1/themes/",
    "/",
    "/direktori/tema/kependudukan/",
    "/direktori/cari/?q=API",
    "/direktori/cari/",
]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return ctx.captured_queries


def _steady_query_count(client, url):
    client.get(url)  # warm-up: one-off queries (the Pemda, the cached theme counts) are not what is measured
    return len(_queries(client, url))


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_query_count_does_not_grow_with_the_number_of_apis(client, publish, url):
    for n in range(2):
        publish(f"api-{n}")
    with_two = _steady_query_count(client, url)
    for n in range(2, 10):
        publish(f"api-{n}")

    assert _steady_query_count(client, url) == with_two


@pytest.mark.parametrize("url", LIST_URLS)
def test_a_members_list_query_count_does_not_grow_with_its_rahasia_apis(client, publish, publisher, url):
    """A member sees terbatas APIs and the rahasia ones of their organisation: still a fixed number of queries."""
    client.force_login(publisher)
    classifications = [ClassificationChoices.TERBATAS, ClassificationChoices.RAHASIA]
    for n in range(2):
        publish(f"api-{n}", classification=classifications[n % 2])
    with_two = _steady_query_count(client, url)
    for n in range(2, 10):
        publish(f"api-{n}", classification=classifications[n % 2])

    assert _steady_query_count(client, url) == with_two


def test_the_api_detail_page_query_count_does_not_grow_with_the_number_of_apis(client, publish):
    publish("api-0")
    with_one = _steady_query_count(client, "/direktori/api/api-0/")
    for n in range(1, 10):
        publish(f"api-{n}")

    assert _steady_query_count(client, "/direktori/api/api-0/") == with_one


@pytest.mark.parametrize("url", ["/api/v1/services/", "/direktori/cari/", "/direktori/tema/kependudukan/"])
def test_lists_never_read_the_spec_the_interop_report_or_the_upstream_secret(client, publish, url):
    publish("api-0")

    sql = " ".join(q["sql"] for q in _queries(client, url))

    assert "apiversion" in sql  # the live version is read...
    for column in ("spec", "interop_report", "upstream_auth_secret"):
        assert f'"{column}"' not in sql  # ...but not these columns


@pytest.fixture
def two_live_versions(publish, publisher, admin_user):
    """API api-0 with versions 1.0.0 and 2.0.0, both published."""
    first = publish("api-0")
    second = directory_services.api_version_create(
        actor=publisher, service=first.service, version="2.0.0", upstream_base_url="https://api.example.test/v2",
        spec=openapi_doc(),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=second)
    directory_services.api_version_publish(actor=admin_user, api_version=second)
    return first, second


def test_a_service_with_several_live_versions_is_listed_once(two_live_versions):
    services = list(published_services())

    assert [s.slug for s in services] == ["api-0"]
    assert services[0].live_version.version == "2.0.0"


def test_search_finds_a_substring_of_a_word_and_lists_name_matches_first(client, publish):
    publish("a-description-match", name="Alpha Statistik", description="Rekap data kependudukan per kelurahan.")
    publish("a-name-match", name="Zeta Layanan Kependudukan Terpadu", description="Untuk rumah sakit.")
    publish("no-match", name="Beta Pariwisata", description="Kunjungan wisata.")

    # "penduduk" sits inside "Kependudukan" (no stemming, no word boundary), any case.
    response = client.get("/direktori/cari/?q=PENDUDUK")
    found = [s.slug for s in response.context["services"]]

    assert found == ["a-name-match", "a-description-match"]
    assert [s.slug for s in search_services(published_services(), "penduduk")] == found
    # The REST list keeps that rank unless the client asks for an ordering.
    assert [s["slug"] for s in client.get("/api/v1/services/?search=penduduk").json()["results"]] == found
    response = client.get("/api/v1/services/?search=penduduk&ordering=name")
    assert [s["slug"] for s in response.json()["results"]] == ["a-description-match", "a-name-match"]


def test_search_pages_cross_from_name_matches_to_description_matches(client, publish):
    for n in (3, 1, 2):
        publish(f"name-{n}", name=f"Layanan Kependudukan {n}", description="Lain.")
    for n in (4, 2, 1, 3):
        publish(f"desc-{n}", name=f"Rekap {n}", description="Data kependudukan.")
    publish("no-match", name="Pariwisata", description="Wisata.")
    expected = ["name-1", "name-2", "name-3", "desc-1", "desc-2", "desc-3", "desc-4"]
    paginator = DirectoryPaginator(search_services(published_services(), "penduduk"), 2)

    pages = [[s.slug for s in paginator.page(n)] for n in paginator.page_range]

    assert pages == [expected[0:2], expected[2:4], expected[4:6], expected[6:]]
    assert paginator.count == 7
    # The portal and the REST list page the same way.
    response = client.get("/direktori/cari/?q=penduduk")
    assert [s.slug for s in response.context["services"]] == expected
    assert [s["slug"] for s in client.get("/api/v1/services/?search=penduduk").json()["results"]] == expected


def test_search_is_backed_by_a_trigram_index_on_postgresql():
    if connection.vendor != "postgresql":
        assert "trgm" not in str(connection.introspection.get_constraints(connection.cursor(), "directory_apiservice"))
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'directory_apiservice' "
            "AND indexdef LIKE '%gin_trgm_ops%'"
        )
        indexes = dict(cursor.fetchall())
        # The search's pattern reaches the planner as a constant (folded from UPPER(..)), which the index needs.
        sql, params = search_services(ApiService.objects.all(), "penduduk").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "(search_text ~~ '%PENDUDUK%'::text)" in plan
    assert set(indexes) == {"directory_service_search_trgm", "directory_service_name_trgm"}
    assert "(search_text gin_trgm_ops)" in indexes["directory_service_search_trgm"]
    # The name index is on the expression the rank sends (icontains), so the planner has its statistics.
    assert "(upper((name)::text) gin_trgm_ops)" in indexes["directory_service_name_trgm"]


def test_the_listed_flag_follows_publish_and_retire(client, two_live_versions, publisher):
    first, second = two_live_versions
    for version, listed in ((first, True), (second, False)):
        directory_services.api_version_deprecate(actor=publisher, api_version=version, sunset_on=sunset())
        directory_services.api_version_retire(actor=publisher, api_version=version)

        # Listed while one version is live; gone from every list and page once none is.
        assert ApiService.objects.get(pk=first.service_id).is_listed is listed
        assert client.get("/direktori/api/api-0/").status_code == (200 if listed else 404)
        assert client.get("/api/v1/services/").json()["count"] == (1 if listed else 0)


def _counts(client):
    return {t["slug"]: t["api_count"] for t in client.get("/api/v1/themes/").json()["results"]}


def test_theme_counts_are_cached_and_follow_publish_deprecate_retire_and_theme_changes(
    client, publish, publisher, admin_user, theme, django_assert_num_queries
):
    other = ThemeFactory(name="Pariwisata", slug="pariwisata")
    first = publish("api-0")
    assert _counts(client) == {"kependudukan": 1, "pariwisata": 0}

    # Cached: a change made behind the services' back is not counted, and no count query runs.
    ApiService.objects.filter(pk=first.service_id).update(theme=other)
    with django_assert_num_queries(1):  # the themes themselves
        assert _counts(client) == {"kependudukan": 1, "pariwisata": 0}
    ApiService.objects.filter(pk=first.service_id).update(theme=theme)

    second = publish("api-1")
    assert _counts(client) == {"kependudukan": 2, "pariwisata": 0}

    directory_services.api_service_update(actor=publisher, service=second.service, theme=other)
    assert _counts(client) == {"kependudukan": 1, "pariwisata": 1}

    directory_services.api_version_deprecate(actor=publisher, api_version=second, sunset_on=sunset())
    assert _counts(client) == {"kependudukan": 1, "pariwisata": 1}  # a deprecated version is still live
    ApiService.objects.filter(pk=first.service_id).update(theme=other)  # only a service call shows this
    directory_services.api_version_retire(actor=publisher, api_version=second)
    assert _counts(client) == {"kependudukan": 0, "pariwisata": 1}


def test_theme_counts_are_dropped_again_after_the_commit(publish, django_capture_on_commit_callbacks):
    publish("api-0")
    themes_with_counts()
    with django_capture_on_commit_callbacks() as callbacks:
        publish("api-1")
    themes_with_counts()  # e.g. a concurrent page, re-caching before the publication is committed

    for callback in callbacks:
        callback()

    assert cache.get(THEME_COUNTS_KEY) is None


def test_a_search_counts_and_pages_up_to_the_limit_and_the_cursor_walks_every_match(client, publish, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_RESULTS_LIMIT", 3)
    for n in range(5):
        publish(f"api-{n}", name=f"Layanan Kependudukan {n}")

    page = client.get("/direktori/cari/?q=penduduk")
    assert [s.slug for s in page.context["services"]] == ["api-0", "api-1", "api-2"]
    assert "Lebih dari 3 API ditemukan; 3 yang pertama ditampilkan." in page.content.decode()
    listed = client.get("/api/v1/services/?search=penduduk").json()
    assert listed["count"] == 3 and listed["next"] is None
    assert [s["slug"] for s in listed["results"]] == ["api-0", "api-1", "api-2"]
    walked = client.get("/api/v1/services/?search=penduduk&cursor=").json()
    assert [s["slug"] for s in walked["results"]] == [f"api-{n}" for n in range(5)]
    # Under the limit, the count is exact and says so.
    monkeypatch.setattr(selectors, "SEARCH_RESULTS_LIMIT", 5)
    assert "5 API ditemukan." in client.get("/direktori/cari/?q=penduduk").content.decode()
