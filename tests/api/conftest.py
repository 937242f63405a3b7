"""Helpers for the REST API tests: clients per actor, more published APIs, and query counting."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from access import services as access_services

from ..conftest import api_client_for, submit_request

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
