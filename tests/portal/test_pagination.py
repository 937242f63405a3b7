import pytest
from pytest_django.asserts import assertContains, assertNotContains

from splp import portal

from ..conftest import submit_request


def test_my_requests_and_incoming_are_paginated(client, monkeypatch, requester, requester_org, publisher, publish):
    monkeypatch.setattr(portal, "PAGE_SIZE", 1)
    first, second = publish("api-satu"), publish("api-dua")
    submit_request(requester, requester_org, first)
    submit_request(requester, requester_org, second)
    client.force_login(requester)
    page_one = client.get("/permohonan-saya/").content.decode()
    assert "Halaman 1 dari 2" in page_one and "?halaman=2" in page_one
    page_two = client.get("/permohonan-saya/?halaman=2").content.decode()
    assert "Halaman 2 dari 2" in page_two and "Sebelumnya" in page_two
    # Newest first: each API on its own page.
    assert ("API api-dua" in page_one) != ("API api-dua" in page_two)
    client.force_login(publisher)
    assert "Halaman 1 dari 2" in client.get("/permohonan-masuk/").content.decode()
    assert client.get("/permohonan-masuk/?halaman=99").status_code == 200  # out of range: the last page


CARD = 'class="card service-card"'


@pytest.fixture
def five_apis(publish, monkeypatch):
    """Five published APIs named "API 0".."API 4" in one theme, two to a page."""
    monkeypatch.setattr(portal, "PAGE_SIZE", 2)
    for index in range(5):
        publish(f"api-{index}", name=f"API {index}", description="Layanan data")


def test_theme_page_shows_one_page_at_a_time(client, five_apis):
    page_one = client.get("/direktori/tema/kependudukan/")
    assertContains(page_one, CARD, count=2)
    assertContains(page_one, "Halaman 1 dari 3")
    assertContains(page_one, 'href="?halaman=2"')
    page_three = client.get("/direktori/tema/kependudukan/", {"halaman": 3})
    assertContains(page_three, CARD, count=1)
    assertContains(page_three, "API 4")
    assertContains(page_three, 'href="?halaman=2"')
    assertNotContains(page_three, "Berikutnya")


@pytest.mark.parametrize(("number", "shown"), [("99", "Halaman 3 dari 3"), ("abc", "Halaman 1 dari 3")])
def test_a_page_number_out_of_range_or_not_a_number_shows_the_last_or_first_page(client, five_apis, number, shown):
    for url in ("/direktori/tema/kependudukan/", "/direktori/cari/"):
        assertContains(client.get(url, {"q": "API", "halaman": number}), shown)


def test_search_pages_keep_the_query_and_filters(client, five_apis):
    page_one = client.get("/direktori/cari/", {"q": "API", "classification": "terbuka"})
    assertContains(page_one, CARD, count=2)
    assertContains(page_one, "5 API ditemukan.")  # the total, not the page
    assertContains(page_one, 'href="?q=API&amp;classification=terbuka&amp;halaman=2"')
    page_two = client.get("/direktori/cari/", {"q": "API", "classification": "terbuka", "halaman": 2})
    assertContains(page_two, 'href="?q=API&amp;classification=terbuka&amp;halaman=1"')
    assertContains(page_two, 'href="?q=API&amp;classification=terbuka&amp;halaman=3"')
    assert "API 2" in page_two.content.decode() and "API 0" not in page_two.content.decode()


def test_an_empty_search_shows_only_the_first_page(client, five_apis):
    response = client.get("/direktori/cari/", {"q": ""})
    assertContains(response, CARD, count=2)
    assertContains(response, "5 API ditemukan.")
    assertContains(response, "Halaman 1 dari 3")


@pytest.mark.parametrize("url", ["/direktori/tema/kependudukan/", "/direktori/cari/?q=API", "/direktori/cari/"])
def test_directory_pages_query_count_is_the_same_for_2_and_30_apis(client, publish, assert_fixed_queries, url):
    publish("api-0", name="API 0")
    publish("api-1", name="API 1")
    response = assert_fixed_queries(client, url, lambda: [publish(f"api-{i}", name=f"API {i}") for i in range(2, 30)])
    assertContains(response, CARD, count=portal.PAGE_SIZE)
    assertContains(response, "Halaman 1 dari 2")
