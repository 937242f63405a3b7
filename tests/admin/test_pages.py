"""Every admin list and page opens for the Dinas administrator, with a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import services as access_services
from access.models import AccessRequest, ApiKey, Grant, PendingAccessRequest
from directory.models import ApiService, ApiVersion, Organization, PendingApiVersion, Theme
from splp.models import AuditEvent, Pemda
from tests.conftest import submit_request
from tests.factories import OrganizationFactory, R, ThemeFactory, UserFactory, member

from .conftest import admin_url, change_url, register

LIST_MODELS = [
    ApiService, ApiVersion, PendingApiVersion, AccessRequest, PendingAccessRequest, Grant, ApiKey, AuditEvent,
    Organization, Theme, Pemda,
]


def populate(index, *, admin_user, publisher, publisher_org):
    """One of each row kind: a granted API, a pending registration, a pending request, a theme, a PD."""
    theme = ThemeFactory()
    live = register(publisher, publisher_org, theme, f"layanan-{index}", publish_by=admin_user)
    register(publisher, publisher_org, theme, f"antrean-{index}", submit=True)
    org = OrganizationFactory()
    user = member(UserFactory(), org, R.REQUESTER)
    granted = submit_request(user, org, live)
    access_services.access_request_approve(actor=admin_user, access_request=granted)
    access_services.access_request_grant(actor=publisher, access_request=granted)
    other = OrganizationFactory()
    submit_request(member(UserFactory(), other, R.REQUESTER), other, live)
    Pemda.objects.create(name=f"Kota {index}", dinas_name="Diskominfo", domain="splp.test", logo_text="SPLP")
    return granted


@pytest.fixture
def rows(admin_user, publisher, publisher_org):
    return lambda index: populate(index, admin_user=admin_user, publisher=publisher, publisher_org=publisher_org)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_changelist_query_counts_do_not_grow_with_rows(alice, rows, django_assert_num_queries):
    rows(0)
    counts = {model: count_queries(alice, admin_url(model)) for model in LIST_MODELS}
    for index in range(1, 5):
        rows(index)
    for model in LIST_MODELS:
        response_rows = alice.get(admin_url(model)).context["cl"].result_count
        assert response_rows >= 5, model
        with django_assert_num_queries(counts[model]):
            alice.get(admin_url(model))


def test_every_page_opens(alice, rows):
    granted = rows(0)
    pending_version = PendingApiVersion.objects.get(status="submitted")
    pending_request = PendingAccessRequest.objects.get(status="submitted")
    objects = [
        (granted.api_version.service, ApiService),
        (granted.api_version, ApiVersion),
        (pending_version, PendingApiVersion),
        (granted, AccessRequest),
        (pending_request, PendingAccessRequest),
        (granted.grant, Grant),
        (granted.grant.keys.get(), ApiKey),
        (AuditEvent.objects.first(), AuditEvent),
        (granted.requester, Organization),
        (granted.api_version.service.theme, Theme),
        (Pemda.objects.get(), Pemda),
    ]
    for model in LIST_MODELS:
        assert alice.get(admin_url(model)).status_code == 200, model
    for obj, model in objects:
        assert alice.get(change_url(obj, model)).status_code == 200, model
    for model in (Organization, Theme, Pemda):
        assert alice.get(admin_url(model, "add")).status_code == 200, model
    for model in (ApiService, ApiVersion, AccessRequest, Grant, ApiKey, AuditEvent):
        assert alice.get(admin_url(model, "add")).status_code == 403, model


def test_search_and_filters(alice, rows):
    rows(0)
    rows(1)
    found = alice.get(admin_url(ApiService), {"q": "antrean-1"}).context["cl"].result_list
    assert [s.slug for s in found] == ["antrean-1"]
    published = alice.get(admin_url(ApiVersion), {"status__exact": "published"}).context["cl"].result_list
    assert {v.service.slug for v in published} == {"layanan-0", "layanan-1"}
    granted = alice.get(admin_url(AccessRequest), {"status__exact": "granted"}).context["cl"].result_list
    assert len(granted) == 2


def test_administrator_manages_themes_with_prepopulated_slug(alice):
    page = alice.get(admin_url(Theme, "add"))
    assert page.context["prepopulated_fields"][0]["field"].name == "slug"
    response = alice.post(admin_url(Theme, "add"), {"name": "Pariwisata", "slug": "pariwisata", "order": 50})
    assert response.status_code == 302
    assert Theme.objects.filter(slug="pariwisata").exists()


def test_administrator_manages_memberships_inline(alice, publisher_org, requester):
    url = change_url(publisher_org)
    data = {
        "name": publisher_org.name, "code": publisher_org.code, "kind": publisher_org.kind,
        "contact_email": publisher_org.contact_email,
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": requester.pk, "memberships-0-role": R.PUBLISHER,
    }
    response = alice.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert publisher_org.memberships.filter(user=requester, role=R.PUBLISHER).exists()
