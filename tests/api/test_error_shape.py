"""Every answer under /api/ is JSON in the documented error shape, whatever went wrong and wherever: an
unknown route, a body over the size limit, malformed or absurdly nested JSON, a crash in a view."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import parsers

from access.models import AccessRequest
from directory.api import views as directory_views
from directory.models import ApiService
from splp.api import JSONParser

from ..factories import openapi_doc
from .conftest import API
from .test_access_api import application
from .test_registration_api import registration


@pytest.fixture
def browser():
    """A client that gets the server's answer to a crash, as a real client does, instead of the exception."""
    return Client(raise_request_exception=False)


def assert_error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]["message"]


@pytest.mark.parametrize("method, url, status, code", [
    ("get", f"{API}tidak-ada/", 404, "not_found"),
    ("post", "/api/v2/api-services/", 404, "not_found"),
    ("get", "/api/", 404, "not_found"),
    ("delete", f"{API}auth/token/", 405, "method_not_allowed"),
    ("put", f"{API}themes/", 405, "method_not_allowed"),
])
def test_unknown_routes_and_methods_answer_json(db, browser, method, url, status, code):
    message = assert_error(getattr(browser, method)(url), status, code)
    assert "<" not in message


def test_json_also_in_the_developer_profile(db, browser, settings, crashing_themes):
    """DEBUG (make run) swaps Django's error views for its technical pages; the API still answers JSON."""
    settings.DEBUG = True
    assert_error(browser.get(f"{API}tidak-ada/"), 404, "not_found")
    assert_error(browser.post(f"{API}auth/token/", "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
                              content_type="application/json"), 413, "request_too_large")
    response = browser.get(f"{API}themes/")
    assert_error(response, 500, "server_error")
    assert "secret detail" not in response.content.decode()


def test_pages_outside_the_api_keep_their_html_error_page(db, browser):
    response = browser.get("/direktori/tidak-ada/sama-sekali/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Halaman tidak ditemukan" in response.content.decode()


def test_a_body_over_the_limit_is_413_and_nothing_is_saved(settings, published_version, as_requester):
    body = json.dumps(application(purpose="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    response = as_requester.post(f"{API}access-requests/", body, content_type="application/json")
    message = assert_error(response, 413, "request_too_large")
    assert "terlalu besar" in message and f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB" in message
    assert not AccessRequest.objects.exists()


def test_a_body_over_the_limit_is_413_before_authentication(db, browser):
    response = browser.post(f"{API}auth/token/", "x" * 3_000_000, content_type="application/json")
    assert_error(response, 413, "request_too_large")


def test_malformed_json_is_400(db, browser):
    assert_error(browser.post(f"{API}auth/token/", "{bad", content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000, "[" * 65 + "]" * 65],
                         ids=["100k-arrays", "100k-objects", "65-levels"])
def test_deeply_nested_json_is_400_without_authentication(db, browser, body):
    message = assert_error(browser.post(f"{API}auth/token/", body, content_type="application/json"), 400,
                           "parse_error")
    assert "terlalu dalam" in message


@pytest.mark.parametrize("depth, refused", [(200, True), (40, False)])
def test_deep_nesting_is_400_for_a_signed_in_publisher_and_nothing_is_saved(as_publisher, theme, depth, refused):
    spec = openapi_doc()
    node = spec["info"]
    for _ in range(depth):
        node["x-nested"] = node = {}
    response = as_publisher.post(f"{API}api-services/", registration(spec=spec), format="json")
    if refused:
        assert_error(response, 400, "parse_error")
        assert not ApiService.objects.exists()
    else:
        assert response.status_code == 201, response.content


@pytest.fixture
def crashing_themes(monkeypatch):
    def crash(self, request, *args, **kwargs):
        raise RuntimeError("secret detail of the crash")

    monkeypatch.setattr(directory_views.ThemeViewSet, "list", crash)


def test_a_crash_is_a_json_500_without_the_traceback(db, browser, crashing_themes):
    response = browser.get(f"{API}themes/")
    message = assert_error(response, 500, "server_error")
    assert "secret detail" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert "dicatat" in message


def _api_views(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            yield route, pattern.callback


def test_every_api_view_parses_json_through_the_bounded_parser():
    """A view naming its own parsers (DRF's token view does) would bring back the RecursionError."""
    views = list(_api_views(get_resolver()))
    assert len(views) > 10
    for route, callback in views:
        view_class = getattr(callback, "cls", None)
        assert view_class is not None, f"{route} is not a DRF view: its errors would not be JSON"
        initkwargs = getattr(callback, "initkwargs", {})
        parser_classes = initkwargs.get("parser_classes", view_class.parser_classes)
        assert all(p is JSONParser for p in parser_classes if issubclass(p, parsers.JSONParser)), route
