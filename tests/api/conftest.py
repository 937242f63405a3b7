"""Helpers for the REST API tests: clients per actor, more published APIs, and query counting."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from access import services as access_services
from directory import services as directory_services

from ..conftest import api_client_for, submit_request
from ..factories import openapi_doc, service_fields

API = "/api/v1/"


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def as_admin(admin_user):
    return api_client_for(admin_user)


@pytest.fixture
def as_publisher(publisher):
    return api_client_for(publisher)


@pytest.fixture
def as_requester(requester):
    return api_client_for(requester)


@pytest.fixture
def as_outsider(outsider):
    return api_client_for(outsider)


@pytest.fixture
def publish(publisher, publisher_org, admin_user, theme):
    """Register, submit and publish one more API of the publisher; returns its live version."""

    def _publish(slug, *, actor=publisher, owner=publisher_org, **fields):
        _service, version = directory_services.api_service_register(
            actor=actor, owner=owner, slug=slug, version="1.0.0", upstream_base_url="http://127.0.0.1:9/api",
            spec=openapi_doc(title=slug), **service_fields(fields.pop("theme", theme), **fields),
        )
        directory_services.api_version_submit_for_review(actor=actor, api_version=version)
        return directory_services.api_version_publish(actor=admin_user, api_version=version)

    return _publish


@pytest.fixture
def grant_request(requester, requester_org, admin_user, publisher):
    """Take a published version through submit, approve and grant; returns the access request."""

    def _grant(api_version):
        access_request = submit_request(requester, requester_org, api_version)
        access_services.access_request_approve(actor=admin_user, access_request=access_request)
        access_services.access_request_grant(actor=publisher, access_request=access_request)
        access_request.refresh_from_db()
        return access_request

    return _grant


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def error_code(response):
    return response.json()["error"]["code"]
