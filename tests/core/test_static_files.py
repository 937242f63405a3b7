"""Static files in the production profile: collectstatic, then WhiteNoise serves them from the WSGI app."""

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.handlers.wsgi import WSGIHandler

import splp.settings
import splp.wsgi

from ..bus.conftest import call

HOST = {"Host": "testserver"}


@pytest.fixture
def production_static(collected_static, settings, monkeypatch):
    settings.STATIC_ROOT = collected_static / "static"
    settings.STORAGES = splp.settings.STORAGES
    # The Django half of splp.wsgi.application, built like at start-up with these settings.
    monkeypatch.setattr(splp.wsgi, "django_application", WSGIHandler())
    return splp.wsgi.application


def test_admin_css_is_served_after_collectstatic(production_static):
    plain = call(production_static, "GET", "/static/admin/css/base.css", HOST)
    assert plain.status == 200 and plain.headers["content-type"].startswith("text/css")
    assert b"body" in plain.body

    hashed = staticfiles_storage.url("admin/css/base.css")
    assert hashed.startswith("/static/admin/css/base.") and hashed != "/static/admin/css/base.css"
    answer = call(production_static, "GET", hashed, {**HOST, "Accept-Encoding": "gzip"})
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/css")
    # Compressed copy, cached for good by browsers (the name changes when the file does).
    assert answer.headers["content-encoding"] == "gzip"
    assert "immutable" in answer.headers["cache-control"]


def test_pages_link_the_hashed_files(production_static, client, db):
    page = client.get("/")
    assert page.status_code == 200
    css = staticfiles_storage.url("splp/portal.css")
    assert css != "/static/splp/portal.css" and f'href="{css}"' in page.content.decode()
    answer = call(production_static, "GET", css, HOST)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/css")
