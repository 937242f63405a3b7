from directory import views as directory_views

from ..conftest import submit_request


def test_my_requests_and_incoming_are_paginated(client, monkeypatch, requester, requester_org, publisher, publish):
    monkeypatch.setattr(directory_views, "PAGE_SIZE", 1)
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
