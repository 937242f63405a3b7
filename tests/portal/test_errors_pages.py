import pytest


@pytest.mark.django_db
def test_not_found_page_is_the_portal_in_indonesian(client, settings):
    settings.DEBUG = False
    response = client.get("/direktori/api/tidak-ada/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Halaman tidak ditemukan" in body
    assert "Pemerintah Daerah" in body  # the portal layout, with the Pemda identity


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_an_object_not_there_is_the_portal_page_even_with_debug_and_offers_to_log_in(client, settings, debug):
    """The embedded default runs with DEBUG on: a visitor following a link to an API shown only to signed-in staff
    got Django's English technical page."""
    settings.DEBUG = debug
    response = client.get("/direktori/api/tidak-ada/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in body and "URLconf" not in body
    assert 'href="/masuk/?next=/direktori/api/tidak-ada/"' in body


def test_a_signed_in_user_is_not_asked_to_log_in(requester_client, settings):
    settings.DEBUG = True
    body = requester_client.get("/permohonan-saya/999999/perbaiki/").content.decode()
    assert "Halaman tidak ditemukan" in body and "/masuk/" not in body


@pytest.mark.django_db
def test_the_api_keeps_its_json_404_with_debug(client, settings):
    settings.DEBUG = True
    response = client.get("/api/v1/services/tidak-ada/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
