"""Who sees which API, by its data classification (issue 9): lists, pages, search, counts, OpenAPI documents.

An API a user may not see is not found: its page, document and version answer 404, lists and counts omit it.
"""

import pytest
from django.contrib.auth import get_user_model
from pytest_django.asserts import assertContains

from access import services as access_services
from directory.choices import ClassificationChoices as C
from directory.selectors import themes_with_counts
from tests.factories import ThemeFactory, period

from ..conftest import file_request

pytestmark = pytest.mark.django_db

# The disdukcapil (publisher's organisation) APIs, one per classification, and a rahasia one of bappeda
# (the outsider's organisation).
APIS = {"api-terbuka": C.TERBUKA, "api-terbatas": C.TERBATAS, "api-rahasia": C.RAHASIA}
EVERY = [*APIS, "rahasia-bappeda"]

SEES = {
    "anonymous": ["api-terbuka"],
    "signed in, no organisation": ["api-terbuka"],
    "outsider": ["api-terbuka", "api-terbatas", "rahasia-bappeda"],
    "owner": ["api-terbuka", "api-terbatas", "api-rahasia"],
    "requested": ["api-terbuka", "api-terbatas", "api-rahasia"],
    "granted": ["api-terbuka", "api-terbatas", "api-rahasia"],
    "requester without a request": ["api-terbuka", "api-terbatas"],
    "administrator": EVERY,
}


@pytest.fixture
def catalogue(publish, outsider, outsider_org, theme):
    """The four APIs, in the theme Kependudukan; returns their published versions by slug."""
    versions = {slug: publish(slug, classification=classification) for slug, classification in APIS.items()}
    versions["rahasia-bappeda"] = publish(
        "rahasia-bappeda", actor=outsider, owner=outsider_org, classification=C.RAHASIA
    )
    return versions


@pytest.fixture
def viewer(request, catalogue, filing_admin, admin_user, second_admin, publisher, requester, requester_org, outsider):
    """The user of the audience named by the test's parameter (None: anonymous)."""
    audience = request.param
    if audience in ("requested", "granted"):
        # The requester cannot see the rahasia API before it applied: a third administrator records the
        # application from its letter, and the two others approve it. Within the rahasia policy: 90 days, two
        # approvals, an allow-list.
        start, end = period(90)
        access_request = file_request(filing_admin, requester_org, catalogue["api-rahasia"], period_start=start,
                                      period_end=end)
        if audience == "granted":
            for administrator in (admin_user, second_admin):
                access_services.access_request_approve(actor=administrator, access_request=access_request)
            access_services.access_request_grant(actor=publisher, access_request=access_request,
                                                 ip_allowlist="10.0.0.0/24")
    return {
        "anonymous": None,
        "signed in, no organisation": get_user_model().objects.create_user("dewi"),
        "outsider": outsider,
        "owner": publisher,
        "requested": requester,
        "granted": requester,
        "requester without a request": requester,
        "administrator": admin_user,
    }[audience]


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("viewer", SEES, indirect=True)
def test_the_directory_api_lists_and_opens_only_what_the_user_may_see(client, viewer, request):
    seen = sorted(SEES[request.node.callspec.params["viewer"]])  # lists are in name order: "API <slug>"
    client = _as(client, viewer)

    listed = client.get("/api/v1/services/").json()
    assert [row["slug"] for row in listed["results"]] == seen and listed["count"] == len(seen)
    walked = client.get("/api/v1/services/?cursor=").json()
    assert [row["slug"] for row in walked["results"]] == seen
    searched = client.get("/api/v1/services/", {"search": "API"}).json()
    assert [row["slug"] for row in searched["results"]] == seen
    for slug in EVERY:
        expected = 200 if slug in seen else 404
        assert client.get(f"/api/v1/services/{slug}/").status_code == expected, slug
        assert client.get(f"/api/v1/services/{slug}/openapi/").status_code == expected, slug
    themes = client.get("/api/v1/themes/").json()["results"]
    assert themes == [{"slug": "kependudukan", "name": "Kependudukan", "description": "", "api_count": len(seen)}]


@pytest.mark.parametrize("viewer", SEES, indirect=True)
def test_the_portal_lists_opens_and_counts_only_what_the_user_may_see(client, viewer, request):
    seen = sorted(SEES[request.node.callspec.params["viewer"]])  # lists are in name order: "API <slug>"
    client = _as(client, viewer)

    for url in ("/direktori/cari/", "/direktori/cari/?q=API", "/direktori/tema/kependudukan/"):
        assert [s.slug for s in client.get(url).context["services"]] == seen, url
    for slug in EVERY:
        expected = 200 if slug in seen else 404
        assert client.get(f"/direktori/api/{slug}/").status_code == expected, slug
        document = client.get(f"/direktori/api/{slug}/versi/1.0.0/openapi.json")
        assert document.status_code == expected, slug
    home = client.get("/")
    assert home.context["published_total"] == len(seen)
    assert [t.published_count for t in client.get("/direktori/").context["themes"]] == [len(seen)]
    # The search's organisation filter offers only organisations with an API the user sees.
    organisations = {o.code for o in client.get("/direktori/cari/").context["organizations"]}
    assert organisations == ({"disdukcapil", "bappeda"} if "rahasia-bappeda" in seen else {"disdukcapil"})


def test_theme_counts_of_each_audience_come_from_one_cached_count(
    catalogue, publisher, requester, admin_user, django_assert_num_queries
):
    ThemeFactory(name="Pariwisata", slug="pariwisata")
    themes_with_counts()  # fills the cache

    def counts(user):
        return {t.slug: t.published_count for t in themes_with_counts(user)}

    with django_assert_num_queries(1):  # the themes
        assert counts(None) == {"kependudukan": 1, "pariwisata": 0}
    with django_assert_num_queries(2):  # their memberships, the themes
        assert counts(admin_user) == {"kependudukan": 4, "pariwisata": 0}
    # A member: their organisations, then their rahasia APIs counted live, then the themes.
    with django_assert_num_queries(3):
        assert counts(publisher) == {"kependudukan": 3, "pariwisata": 0}
    assert counts(requester) == {"kependudukan": 2, "pariwisata": 0}


def test_a_requester_cannot_request_a_rahasia_api_it_cannot_see(client, catalogue, requester):
    client.force_login(requester)

    page = client.get("/direktori/api/api-rahasia/versi/1.0.0/minta-akses/")
    assert page.status_code == 404
    response = client.post(
        "/api/v1/access-requests/",
        {"api": "api-rahasia", "purpose": "Uji", "legal_basis": "Uji", "period_start": "2030-01-01",
         "period_end": "2030-12-31", "expected_daily_volume": 1},
        content_type="application/json",
    )
    assert response.status_code == 400
    # The same answer as for an API that does not exist: its existence is not disclosed.
    assert response.json()["error"]["fields"] == {"api": ['Tidak ada API terbit "api-rahasia".']}
    # The terbatas API can be requested.
    assert client.get("/direktori/api/api-terbatas/versi/1.0.0/minta-akses/").status_code == 200


def test_the_service_page_of_a_hidden_api_looks_like_an_unknown_one(client, catalogue):
    hidden = client.get("/direktori/api/api-rahasia/")
    unknown = client.get("/direktori/api/tidak-ada/")

    assert hidden.status_code == unknown.status_code == 404
    # The same page as for a slug nobody registered; only the address asked for (in the log-in link) differs.
    assert hidden.content.replace(b"api-rahasia", b"tidak-ada") == unknown.content
    assertContains(client.get("/direktori/api/api-terbuka/"), "API api-terbuka")
