"""Helpers for the portal pages: logged-in clients, published APIs, and a fixed query count check."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from directory import services as directory_services
from tests.factories import openapi_doc, service_fields


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def publisher_client(publisher):
    return client_for(publisher)


@pytest.fixture
def requester_client(requester):
    return client_for(requester)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


def publish_service(*, publisher, owner, admin, theme, slug, version="1.0.0", **fields):
    """Register, submit and publish an API through the services; returns its published version."""
    fields.setdefault("name", f"API {slug}")
    _service, api_version = directory_services.api_service_register(
        actor=publisher, owner=owner, slug=slug, version=version,
        upstream_base_url="https://api.example.test/v1", spec=openapi_doc(title=fields["name"]),
        **service_fields(theme, **fields),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=api_version)
    return directory_services.api_version_publish(actor=admin, api_version=api_version)


@pytest.fixture
def publish(publisher, publisher_org, admin_user, theme):
    """publish(slug, **fields): another published API of the publisher's organisation."""

    def _publish(slug, **fields):
        fields.setdefault("theme", theme)
        return publish_service(publisher=publisher, owner=publisher_org, admin=admin_user, slug=slug, **fields)

    return _publish


@pytest.fixture
def assert_fixed_queries(django_assert_num_queries):
    """Render ``url`` with the items present, add more with ``add_items``, and expect the same query count."""

    def check(client, url, add_items):
        client.get(url)  # warm-up: session and translation loading
        with CaptureQueriesContext(connection) as before:
            assert client.get(url).status_code == 200
        add_items()
        with django_assert_num_queries(len(before)):
            response = client.get(url)
        assert response.status_code == 200
        return response

    return check

