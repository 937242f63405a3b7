"""Helpers for the portal pages: logged-in clients, published APIs, and a fixed query count check."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


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


@pytest.fixture
def assert_fixed_queries(django_assert_num_queries):
    """Render ``url`` with the items present, add more with ``add_items``, and expect the same query count."""

    def check(client, url, add_items):
        client.get(url)  # warm-up: session and translation loading
        with CaptureQueriesContext(connection) as before:
            assert client.get(url).status_code == 200
        expected = len(before)  # now: the next request clears the query log
        add_items()
        client.get(url)  # warm-up again: publishing drops the cached theme counts
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
        return response

    return check

