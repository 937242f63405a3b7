import pytest


@pytest.mark.django_db
def test_not_found_page_is_the_portal_in_indonesian(client, settings):
    settings.DEBUG = False
    response = client.get("/direktori/api/tidak-ada/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Halaman tidak ditemukan" in body
    assert "Pemerintah Daerah" in body  # the portal layout, with the Pemda identity
