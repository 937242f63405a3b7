"""The publisher's "move to a newer version" page (issue 9), and who may not use it."""

import pytest
from django.core import mail
from pytest_django.asserts import assertContains, assertNotContains

from access import services
from access.models import Grant
from directory import services as directory_services

from ..conftest import submit_request
from ..factories import sunset


def move_url(access_request):
    return f"/permohonan-masuk/{access_request.pk}/pindahkan/"


@pytest.fixture
def partial_grant(requester, requester_org, published_version, admin_user, publisher):
    """Dinkes holds GET /v1/penduduk/{nik} and POST /v1/penduduk of version 1."""
    access_request = submit_request(requester, requester_org, published_version,
                                    operations=list(published_version.operations.all()))
    services.access_request_approve(actor=admin_user, access_request=access_request)
    services.access_request_grant(actor=publisher, access_request=access_request)
    return access_request


def test_the_move_button_shows_once_a_newer_version_is_published(publisher_client, partial_grant, request):
    assertNotContains(publisher_client.get("/permohonan-masuk/"), "Pindahkan ke versi baru")
    request.getfixturevalue("v2")
    page = publisher_client.get("/permohonan-masuk/")
    assertContains(page, "Pindahkan ke versi baru")
    assertContains(page, f'href="{move_url(partial_grant)}"')


def test_preview_then_confirm(publisher_client, partial_grant, v2, published_version, publisher, requester,
                              django_capture_on_commit_callbacks):
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=sunset())
    page = publisher_client.get(move_url(partial_grant))
    assertContains(page, "Pindahkan akses ke versi baru")
    assertContains(page, f'<option value="{v2.pk}">Versi 2.0.0</option>', html=True)
    assertNotContains(page, "Ikut dipindahkan")

    preview = publisher_client.get(move_url(partial_grant), {"to_version": v2.pk})
    assertContains(preview, "Pemindahan ke versi 2.0.0")
    assertContains(preview, "<li><code>GET /v1/penduduk/{id}</code></li>", html=True)
    assertContains(preview, '<ul class="operations dropped"><li><code>POST /v1/penduduk</code></li></ul>', html=True)
    assert Grant.objects.get(access_request=partial_grant).api_version == published_version  # a preview only

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = publisher_client.post(move_url(partial_grant), {"to_version": v2.pk}, follow=True)
    assert response.redirect_chain == [("/permohonan-masuk/", 302)]
    assertContains(response, "Akses Dinas Kesehatan dipindahkan ke versi 2.0.0; pemohon sudah diberi tahu. "
                             "Tidak ikut dipindahkan: POST /v1/penduduk.")
    assertContains(response, "Data Penduduk <small>versi 2.0.0</small>", html=False)
    assert Grant.objects.get(access_request=partial_grant).api_version == v2
    assert [m.to for m in mail.outbox] == [[requester.email]]


def test_a_refused_move_is_explained_and_changes_nothing(
    publisher_client, partial_grant, v2, published_version, requester, requester_org
):
    submit_request(requester, requester_org, v2)
    response = publisher_client.post(move_url(partial_grant), {"to_version": v2.pk})
    assert response.status_code == 200
    assertContains(response, "Dinas Kesehatan sudah memiliki permohonan yang masih berjalan atau akses aktif untuk "
                             "versi 2.0.0")
    assert Grant.objects.get(access_request=partial_grant).api_version == published_version


def test_another_apis_version_is_not_a_choice(publisher_client, partial_grant, v2, publish, published_version):
    other = publish("lain")
    response = publisher_client.post(move_url(partial_grant), {"to_version": other.pk})
    assertContains(response, "Masukkan pilihan yang valid.")
    assert Grant.objects.get(access_request=partial_grant).api_version == published_version


def test_no_newer_version_says_so(publisher_client, partial_grant):
    assertContains(publisher_client.get(move_url(partial_grant)),
                   "API ini belum memiliki versi terbit yang lebih baru untuk tujuan pemindahan akses.")


def test_outsider_and_requester_cannot_move(outsider_client, requester_client, partial_grant, v2, published_version):
    # The outsider is a publisher operator of another organisation: the request is not theirs to see.
    assert outsider_client.get(move_url(partial_grant)).status_code == 404
    assert outsider_client.post(move_url(partial_grant), {"to_version": v2.pk}).status_code == 404
    # The requester holds the grant but does not publish the API.
    assert requester_client.post(move_url(partial_grant), {"to_version": v2.pk}).status_code == 403
    assert Grant.objects.get(access_request=partial_grant).api_version == published_version


def test_deprecating_in_the_portal_asks_for_the_date_and_shows_it(publisher_client, published_version, client):
    base = f"/api-saya/kelola/data-penduduk/versi/{published_version.pk}/usangkan/"
    assertContains(publisher_client.get("/api-saya/kelola/data-penduduk/"), "Rencana tanggal penghentian")
    response = publisher_client.post(base, {"reason": "Diganti v2"}, follow=True)
    assertContains(response, "Rencana tanggal penghentian wajib diisi")
    response = publisher_client.post(base, {"sunset_on": "2099-06-30"}, follow=True)
    assertContains(response, "akan dihentikan pada 30 Jun 2099")
    assertContains(client.get("/direktori/api/data-penduduk/"), "akan dihentikan pada 30 Jun 2099")


def bulk_url(version):
    return f"/api-saya/kelola/data-penduduk/versi/{version.pk}/pindahkan-akses/"


def test_every_grant_of_a_deprecated_version_moves_from_its_card(
    publisher_client, partial_grant, v2, published_version, publisher, outsider, outsider_org, admin_user
):
    other = submit_request(outsider, outsider_org, published_version)
    services.access_request_approve(actor=admin_user, access_request=other)
    services.access_request_grant(actor=publisher, access_request=other)
    submit_request(outsider, outsider_org, v2)  # Bappeda already applied for v2: its grant stays
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=sunset())
    page = publisher_client.get("/api-saya/kelola/data-penduduk/")
    assertContains(page, f'action="{bulk_url(published_version)}"')
    assertNotContains(page, f'action="{bulk_url(v2)}"')  # nothing newer than v2

    response = publisher_client.post(bulk_url(published_version), {"to_version": v2.pk}, follow=True)
    assertContains(response, "1 akses dipindahkan ke versi 2.0.0; setiap pemohon sudah diberi tahu.")
    assertContains(response, "Tidak dipindahkan: Bappeda. Bappeda sudah memiliki permohonan yang masih berjalan")
    assert Grant.objects.get(access_request=partial_grant).api_version == v2
    assert Grant.objects.get(access_request=other).api_version == published_version


def test_outsider_cannot_move_every_grant(outsider_client, partial_grant, v2, published_version):
    assert outsider_client.post(bulk_url(published_version), {"to_version": v2.pk}).status_code == 404
    assert Grant.objects.get(access_request=partial_grant).api_version == published_version


def test_the_requester_sees_the_planned_retirement_next_to_the_key(requester_client, partial_grant, published_version,
                                                                    publisher):
    assertNotContains(requester_client.get("/kunci-saya/"), "akan dihentikan")
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=sunset(30))
    assertContains(requester_client.get("/kunci-saya/"),
                   f"Usang: akan dihentikan pada {sunset(30).day} ")
