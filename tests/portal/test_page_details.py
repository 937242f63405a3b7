"""Small things a visitor notices: the favicon, a home page of themes with APIs (the empty ones under one
line), and tables that scroll inside their own container on a narrow screen."""

import re

import pytest
from django.contrib.staticfiles import finders
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import ThemeFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_portal_and_admin_pages_link_the_favicon(client, admin_user):
    assert finders.find("splp/favicon.svg")
    assertContains(client.get("/"), 'rel="icon" href="/static/splp/favicon.svg"')
    assertContains(client_for(admin_user).get("/admin/"), 'rel="icon" href="/static/splp/favicon.svg"')


def test_with_no_api_published_yet_the_themes_are_listed_open(client):
    ThemeFactory(name="Pariwisata", slug="pariwisata")

    response = client.get("/")

    assertContains(response, '<details class="empty-themes" open>')
    assertNotContains(response, 'class="theme-card"')
    assertNotContains(response, "Belum ada tema.")


@pytest.mark.parametrize("who, url", [
    ("publisher", "/api-saya/"), ("publisher", "/api-saya/kelola/data-penduduk/"), ("requester", "/kunci-saya/"),
    ("requester", "/direktori/api/data-penduduk/"),
])
def test_every_table_sits_in_a_scrolling_container(request, published_version, who, url):
    html = client_for(request.getfixturevalue(who)).get(url).content.decode()

    tables = re.findall(r'(<div class="table-wrap[^"]*">\s*)?<table', html)
    assert tables and all(tables), f"a table on {url} is outside .table-wrap"


def test_indonesian_words_instead_of_english_jargon(client, publisher_client):
    home = client.get("/").content.decode()
    assert "Akses dari penyedia API" in home and "Operator pemohon mengisi" in home
    register = publisher_client.get("/api-saya/daftar/").content.decode()
    assert "Nama alamat (slug)" in register and "URL dasar layanan asal (upstream)" in register
    for jargon in ("Akses dari publisher", "Operator requester", "URL dasar upstream"):
        assert jargon not in home + register


def test_the_administration_link_is_for_administrators_only(admin_user, publisher):
    publisher.is_staff = True  # a flag left from before operators were kept out of the admin
    publisher.save(update_fields=["is_staff"])
    admin_link = 'href="/admin/">Administrasi</a>'
    assertNotContains(client_for(publisher).get("/direktori/"), admin_link)
    assertContains(client_for(admin_user).get("/direktori/"), admin_link)
