"""The Pasal 7 pages: requesting access, granting it, and the key shown exactly once."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from access.keys import key_matches
from access.models import AccessRequest, ApiKey
from directory import services as directory_services
from tests.conftest import submit_request
from tests.factories import OrganizationFactory, R, member, period, sunset

from .conftest import client_for

pytestmark = pytest.mark.django_db

REQUEST_FORM = "/direktori/api/data-penduduk/versi/1.0.0/minta-akses/"
KEY_PATTERN = re.compile(r"splp_[0-9a-f]{12}_[A-Za-z0-9_-]+")
REQUESTER_PAGES = ["/permohonan-saya/", "/kunci-saya/", REQUEST_FORM]


def request_data(**overrides):
    """What the form posts as it comes: "all operations" ticked; ticking operations unticks it."""
    start, end = period()
    data = {
        "all_operations": "on" if "operations" not in overrides else "",
        "purpose": "Verifikasi NIK pasien",
        "legal_basis": "Permenkes 24/2022",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "expected_daily_volume": "100",
    }
    data.update(overrides)
    return data


def shown_keys(response):
    """The distinct keys on the page (the one revealed also fills the example calls and the console)."""
    return list(dict.fromkeys(KEY_PATTERN.findall(response.content.decode())))


@pytest.mark.parametrize("url", REQUESTER_PAGES)
def test_anonymous_users_are_sent_to_login(client, service, url):
    assertRedirects(client.get(url), f"/masuk/?next={url}", fetch_redirect_response=False)


@pytest.mark.parametrize("url", REQUESTER_PAGES)
def test_publisher_operators_cannot_open_requester_pages(publisher_client, service, url):
    response = publisher_client.get(url)
    assertContains(response, "Halaman ini khusus untuk operator pemohon.", status_code=403)


# Request access


def test_request_form_offers_the_operations(requester_client, published_version):
    response = requester_client.get(REQUEST_FORM)

    assertContains(response, "Minta akses")
    assertContains(response, "Data Penduduk")
    for operation in published_version.operations.all():
        assertContains(response, f'value="{operation.pk}"')
    assertContains(response, "GET /v1/penduduk/{nik} (Ambil data penduduk)")
    # Everything ticked to start with, "all operations" an explicit choice.
    assertContains(response, '<input type="checkbox" name="all_operations" data-check-all="operations" '
                             'aria-describedby="id_all_operations_helptext" id="id_all_operations" checked>', html=True)
    assertContains(response, "Semua operasi")
    for number, operation in enumerate(published_version.operations.order_by("path", "method")):
        assertContains(response, f'<input type="checkbox" name="operations" value="{operation.pk}" '
                                 f'id="id_operations_{number}" checked>', html=True)
    assertNotContains(response, "Jangan centang apa pun")
    assertContains(response, 'type="date"')
    today = timezone.localdate()
    assertContains(response, f'name="period_start" value="{today:%Y-%m-%d}"')
    assertContains(response, f'name="period_end" value="{today + datetime.timedelta(days=365):%Y-%m-%d}"')


def test_request_for_some_operations(requester_client, requester, requester_org, published_version):
    operation = published_version.operations.get(method="GET")

    response = requester_client.post(REQUEST_FORM, request_data(operations=[operation.pk]), follow=True)

    assertRedirects(response, "/permohonan-saya/")
    assertContains(response, "Permohonan Anda telah dikirim kepada administrator untuk diputuskan.")
    access_request = AccessRequest.objects.get()
    assert access_request.requester == requester_org
    assert access_request.applicant == requester
    assert access_request.all_operations is False
    assert list(access_request.operations.all()) == [operation]
    assertContains(response, "<code>GET /v1/penduduk/{nik}</code>", html=True)


def test_request_for_all_operations(requester_client, published_version):
    every = [operation.pk for operation in published_version.operations.all()]
    requester_client.post(REQUEST_FORM, request_data(all_operations="on", operations=every))

    access_request = AccessRequest.objects.get()
    assert access_request.all_operations is True
    assert not access_request.operations.exists()


def test_request_with_all_operations_but_one_unticked_is_refused(requester_client, published_version):
    operation = published_version.operations.get(method="GET")

    response = requester_client.post(REQUEST_FORM, request_data(all_operations="on", operations=[operation.pk]))

    assert response.context["form"].errors["all_operations"] == [
        'Ada operasi yang tidak dicentang padahal "Semua operasi" dicentang: hapus centang "Semua operasi" untuk '
        "meminta operasi yang dicentang saja."]
    assert not AccessRequest.objects.exists()


def test_request_with_no_operation_at_all_is_refused(requester_client, published_version):
    response = requester_client.post(REQUEST_FORM, request_data(operations=[]))

    assert response.context["form"].errors["operations"] == [
        'Centang sedikitnya satu operasi, atau centang "Semua operasi".']
    assert not AccessRequest.objects.exists()


def test_request_without_purpose_is_refused(requester_client, published_version):
    response = requester_client.post(REQUEST_FORM, request_data(purpose="  "))

    assertContains(response, '<div class="field field-textarea has-error">', count=1)
    assert not AccessRequest.objects.exists()


def test_request_period_checked_by_the_service_is_shown_on_its_field(requester_client, published_version):
    today = timezone.localdate()
    data = request_data(period_start=today.isoformat(), period_end=(today - datetime.timedelta(days=1)).isoformat())

    response = requester_client.post(REQUEST_FORM, data)

    assertContains(response, '<div class="field field-date has-error">', count=1)
    assertContains(response, 'id="id_period_end_error"')
    assert not AccessRequest.objects.exists()


def test_an_organisation_with_a_request_under_way_is_sent_back_to_the_api_page(requester_client, submitted_request):
    for response in (requester_client.get(REQUEST_FORM, follow=True),
                     requester_client.post(REQUEST_FORM, request_data(), follow=True)):
        assertRedirects(response, "/direktori/api/data-penduduk/")
        assertContains(response, "Perangkat daerah Anda sudah memiliki akses ke API ini atau permohonan yang sedang "
                                 "diproses.")
    assert AccessRequest.objects.count() == 1


def test_request_form_for_unpublished_version_is_not_found(requester_client, draft_version):
    assert requester_client.get(REQUEST_FORM).status_code == 404
    assert requester_client.post(REQUEST_FORM, request_data()).status_code == 404
    assert not AccessRequest.objects.exists()


def test_requester_of_several_organisations_chooses_one_of_them(requester, published_version, outsider_org):
    second = OrganizationFactory(name="Puskesmas Wajo", code="puskesmas-wajo")
    member(requester, second, R.REQUESTER)
    client = client_for(requester)

    form = client.get(REQUEST_FORM)
    assertContains(form, f'<option value="{second.pk}">Puskesmas Wajo</option>', html=True)
    assertNotContains(form, outsider_org.name)

    refused = client.post(REQUEST_FORM, request_data(requester=outsider_org.pk))
    assertContains(refused, "has-error")
    client.post(REQUEST_FORM, request_data(requester=second.pk))
    assert AccessRequest.objects.get().requester == second


# My requests


def test_my_requests_shows_status_and_decision_reason(requester_client, submitted_request, admin_user,
                                                      outsider, outsider_org, published_version):
    access_services.access_request_reject(
        actor=admin_user, access_request=submitted_request, reason="Dasar hukum kurang"
    )
    submit_request(outsider, outsider_org, published_version, purpose="Milik orang lain")

    response = requester_client.get("/permohonan-saya/")

    assertContains(response, "Permohonan saya")
    assertContains(response, "Data Penduduk")
    assertContains(response, '<span class="badge badge-rejected">')
    assertContains(response, "Alasan keputusan")
    assertContains(response, "Dasar hukum kurang")
    assertNotContains(response, "Milik orang lain")
    assertNotContains(response, "Tarik permohonan")


def test_withdraw_while_submitted(requester_client, submitted_request):
    page = requester_client.get("/permohonan-saya/")
    assertContains(page, "Tarik permohonan")
    url = f"/permohonan-saya/{submitted_request.pk}/tarik/"
    assert requester_client.get(url).status_code == 405

    response = requester_client.post(url, follow=True)

    assertContains(response, "Permohonan telah ditarik.")
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.WITHDRAWN

    again = requester_client.post(url, follow=True)
    assertContains(again, '<div class="alert alert-error" role="status">')
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.WITHDRAWN


def test_withdraw_an_approval_before_the_grant(requester_client, approved_request):
    page = requester_client.get("/permohonan-saya/")
    assertContains(page, "Disetujui, menunggu pemberian akses")
    assertContains(page, "Tarik permohonan")

    response = requester_client.post(f"/permohonan-saya/{approved_request.pk}/tarik/", follow=True)

    assertContains(response, "Permohonan telah ditarik.")
    approved_request.refresh_from_db()
    assert approved_request.status == S.WITHDRAWN


def test_expired_approval_is_shown_with_a_link_to_apply_again(requester_client, approved_request):
    with time_machine.travel(approved_request.decided_at + datetime.timedelta(days=14), tick=False):
        access_services.access_request_expire(actor=None, access_request=approved_request)
    response = requester_client.get("/permohonan-saya/")
    assertContains(response, '<span class="badge badge-expired">Kedaluwarsa</span>', html=True)
    assertContains(response, f'href="{REQUEST_FORM}">Ajukan lagi</a>')
    assertNotContains(response, "Tarik permohonan")


def test_outsider_cannot_withdraw_another_organisations_request(outsider_client, submitted_request):
    assert outsider_client.post(f"/permohonan-saya/{submitted_request.pk}/tarik/").status_code == 404
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED


# Returned for changes ("Minta perbaikan"): the note, the edit page, resubmission


NOTE = "Dasar hukum belum dicantumkan: sebutkan <pasal> yang mengizinkan akses NIK."


def returned(access_request, admin_user, note=NOTE):
    return access_services.access_request_request_changes(actor=admin_user, access_request=access_request,
                                                          note=note)


def edit_url(access_request):
    return f"/permohonan-saya/{access_request.pk}/perbaiki/"


def test_a_returned_request_comes_first_with_the_note_and_the_way_to_fix_it(
    requester_client, requester, requester_org, submitted_request, admin_user, publish
):
    returned(submitted_request, admin_user)
    newer = submit_request(requester, requester_org, publish("jadwal-vaksin"))

    response = requester_client.get("/permohonan-saya/")

    assert list(response.context["requests"]) == [submitted_request, newer]
    assertContains(response, '<span class="badge badge-changes_requested">Dikembalikan ke pemohon untuk diperbaiki'
                             '</span>', html=True)
    assertContains(response, "Administrator meminta perbaikan berikut:", count=1)
    assertContains(response, "sebutkan &lt;pasal&gt; yang mengizinkan")
    assertContains(response, f'href="{edit_url(submitted_request)}">Perbaiki dan ajukan lagi</a>', count=1)
    assertContains(response, f'action="/permohonan-saya/{submitted_request.pk}/tarik/"')

    only = requester_client.get("/permohonan-saya/", {"status": S.CHANGES_REQUESTED})
    assert list(only.context["requests"]) == [submitted_request]
    assertContains(only, '<option value="changes_requested" selected>Dikembalikan ke pemohon untuk diperbaiki'
                         '</option>', html=True)
    active = requester_client.get("/permohonan-saya/", {"status": "active"})
    assert list(active.context["requests"]) == [submitted_request, newer]


def test_the_api_page_points_a_returned_request_to_its_edit_page(requester_client, submitted_request, admin_user):
    returned(submitted_request, admin_user)

    page = requester_client.get("/direktori/api/data-penduduk/")

    assertContains(page, "Administrator mengembalikan permohonan Anda untuk diperbaiki (Dinas Kesehatan).")
    assertContains(page, f'href="{edit_url(submitted_request)}"')
    assertNotContains(page, "/minta-akses/")


def test_the_edit_page_is_the_request_form_filled_with_the_request(
    requester, requester_org, published_version, admin_user
):
    operation = published_version.operations.get(method="GET")
    start, end = period(days=90)
    access_request = submit_request(requester, requester_org, published_version, operations=[operation],
                                    period_start=start, period_end=end, expected_daily_volume=250)
    returned(access_request, admin_user)

    response = client_for(requester).get(edit_url(access_request))

    assertContains(response, "<h1>Perbaiki permohonan</h1>", html=True)
    assertContains(response, "Administrator meminta perbaikan berikut:")
    assertContains(response, "sebutkan &lt;pasal&gt; yang mengizinkan")
    assertContains(response, '<textarea name="purpose" cols="40" rows="3" required id="id_purpose">'
                             'Verifikasi NIK pasien</textarea>', html=True)
    assertContains(response, "Permenkes 24/2022</textarea>")
    assertContains(response, f'name="period_start" value="{start:%Y-%m-%d}"')
    assertContains(response, f'name="period_end" value="{end:%Y-%m-%d}"')
    assertContains(response, 'name="expected_daily_volume" value="250"')
    # The operations asked for, not "all".
    assertContains(response, '<input type="checkbox" name="all_operations" data-check-all="operations" '
                             'aria-describedby="id_all_operations_helptext" id="id_all_operations">', html=True)
    for number, op in enumerate(published_version.operations.order_by("path", "method")):
        checked = " checked" if op == operation else ""
        assertContains(response, f'<input type="checkbox" name="operations" value="{op.pk}" '
                                 f'id="id_operations_{number}"{checked}>', html=True)
    assertContains(response, '<button type="submit" class="btn btn-primary">Ajukan lagi</button>', html=True)
    assertContains(response, 'href="/permohonan-saya/">Batal</a>')


def test_resubmitting_from_the_edit_page_returns_the_request_to_the_administrator(
    requester_client, submitted_request, admin_user
):
    returned(submitted_request, admin_user)

    response = requester_client.post(edit_url(submitted_request), request_data(legal_basis="UU 24/2013 Pasal 79"),
                                     follow=True)

    assertRedirects(response, "/permohonan-saya/")
    assertContains(response, "Permohonan Anda yang telah diperbaiki dikirim kepada administrator untuk diputuskan.")
    assertContains(response, '<span class="badge badge-submitted">Menunggu keputusan administrator</span>',
                   html=True)
    assertNotContains(response, "Administrator meminta perbaikan berikut:")
    submitted_request.refresh_from_db()
    assert (submitted_request.status, submitted_request.legal_basis) == (S.SUBMITTED, "UU 24/2013 Pasal 79")
    assert submitted_request.all_operations is True
    # Not returned any more: nothing to change.
    again = requester_client.get(edit_url(submitted_request), follow=True)
    assertRedirects(again, "/permohonan-saya/")
    assertContains(again, "Hanya permohonan yang dikembalikan administrator untuk diperbaiki yang dapat diubah.")


@pytest.mark.parametrize(
    "overrides, field",
    [({"purpose": "  "}, "field-textarea"),
     # Checked by the service, as on submission: the terbuka policy allows at most 730 days.
     ({"period_end": (timezone.localdate() + datetime.timedelta(days=800)).isoformat()}, "field-date")],
)
def test_an_invalid_resubmission_shows_the_errors_and_saves_nothing(
    overrides, field, requester_client, submitted_request, admin_user
):
    returned(submitted_request, admin_user)
    before = AccessRequest.objects.values().get(pk=submitted_request.pk)

    response = requester_client.post(edit_url(submitted_request),
                                     request_data(legal_basis="UU 24/2013 Pasal 79", **overrides))

    assertContains(response, f'<div class="field {field} has-error">', count=1)
    assertContains(response, "Administrator meminta perbaikan berikut:")
    assert AccessRequest.objects.values().get(pk=submitted_request.pk) == before


def test_outsiders_cannot_open_or_post_the_edit_page(outsider_client, publisher_client, submitted_request,
                                                     admin_user):
    returned(submitted_request, admin_user)
    url = edit_url(submitted_request)
    # A requester of another organisation: as if the request did not exist.
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, request_data(purpose="Milik saya")).status_code == 404
    assertContains(publisher_client.get(url), "Halaman ini khusus untuk operator pemohon.", status_code=403)
    submitted_request.refresh_from_db()
    assert (submitted_request.status, submitted_request.purpose) == (S.CHANGES_REQUESTED, "Verifikasi NIK pasien")


# Requests for my APIs


def test_incoming_requests_show_the_grant_form_once_approved(publisher_client, approved_request, outsider,
                                                            outsider_org, admin_user, theme):
    response = publisher_client.get("/permohonan-masuk/")

    assertContains(response, "Permohonan untuk API saya")
    assertContains(response, "Dinas Kesehatan")
    assertContains(response, "Verifikasi NIK pasien")
    assertContains(response, f'action="/permohonan-masuk/{approved_request.pk}/beri-akses/"')
    assertContains(response, "Panggilan per menit")
    assertContains(response, "Alamat IP yang diizinkan")


def test_incoming_requests_waiting_for_the_administrator_have_no_grant_form(publisher_client, submitted_request):
    response = publisher_client.get("/permohonan-masuk/")
    assertContains(response, "Verifikasi NIK pasien")
    assertNotContains(response, "/beri-akses/")


def test_outsider_publisher_sees_no_foreign_requests_and_cannot_grant(outsider_client, approved_request):
    response = outsider_client.get("/permohonan-masuk/")
    assertContains(response, "Belum ada permohonan untuk API Anda.")

    for action in ("beri-akses", "tolak", "cabut"):
        url = f"/permohonan-masuk/{approved_request.pk}/{action}/"
        assert outsider_client.post(url, {"reason": "x"}).status_code == 404
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED


def test_grant_with_limits_tells_the_publisher_the_key_goes_to_the_requester(publisher_client, approved_request):
    url = f"/permohonan-masuk/{approved_request.pk}/beri-akses/"

    response = publisher_client.post(url, {
        "rate_limit_per_minute": "30", "rate_limit_per_day": "5000", "ip_allowlist": "10.0.0.0/24\n192.168.1.5",
    }, follow=True)

    assertContains(response, "Kunci API akan ditampilkan satu kali kepada operator perangkat daerah pemohon")
    assert shown_keys(response) == []
    approved_request.refresh_from_db()
    assert approved_request.status == S.GRANTED
    grant = approved_request.grant
    assert (grant.rate_limit_per_minute, grant.rate_limit_per_day) == (30, 5000)
    assert grant.ip_allowlist == "10.0.0.0/24\n192.168.1.5"
    assertContains(response, "30 panggilan per menit, 5000 per hari")
    assertContains(response, "Cabut akses")


def test_grant_with_a_bad_ip_is_refused(publisher_client, approved_request):
    url = f"/permohonan-masuk/{approved_request.pk}/beri-akses/"

    response = publisher_client.post(url, {"ip_allowlist": "bukan-ip"}, follow=True)

    assertContains(response, "bukan-ip")
    assertContains(response, '<div class="alert alert-error" role="status">')
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED


def test_grant_with_a_negative_limit_is_refused(publisher_client, approved_request):
    url = f"/permohonan-masuk/{approved_request.pk}/beri-akses/"
    response = publisher_client.post(url, {"rate_limit_per_minute": "-5"}, follow=True)
    assertContains(response, '<div class="alert alert-error" role="status">')
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED


def test_grant_before_the_administrator_approves_is_refused(publisher_client, submitted_request):
    response = publisher_client.post(f"/permohonan-masuk/{submitted_request.pk}/beri-akses/", {}, follow=True)

    assertContains(response, '<div class="alert alert-error" role="status">')
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED


def test_granting_user_who_also_operates_the_requester_sees_the_key_once(publisher, requester_org,
                                                                          approved_request):
    member(publisher, requester_org, R.REQUESTER)
    client = client_for(publisher)

    response = client.post(f"/permohonan-masuk/{approved_request.pk}/beri-akses/", {})

    assertContains(response, "Anda juga operator perangkat daerah pemohon")
    assert "no-store" in response["Cache-Control"]
    [raw] = shown_keys(response)
    key = ApiKey.objects.get()
    assert key_matches(raw, key.key_hash)
    assert key.pending_secret == ""
    assert shown_keys(client.get("/kunci-saya/")) == []


def test_publisher_declines_with_a_reason_and_the_requester_sees_it(publisher_client, requester_client,
                                                                   approved_request):
    page = publisher_client.get("/permohonan-masuk/")
    url = f"/permohonan-masuk/{approved_request.pk}/tolak/"
    assertContains(page, f'action="{url}"')
    assertContains(page, "Alasan penolakan")
    assertContains(page, "Tolak pemberian akses")

    refused = publisher_client.post(url, {"reason": " "}, follow=True)
    assertContains(refused, "Alasan wajib diisi.")
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED

    response = publisher_client.post(url, {"reason": "Server <b>dimigrasi</b>"}, follow=True)
    assertContains(response, "Permohonan ditolak; pemohon telah diberi tahu.")
    assertContains(response, '<span class="badge badge-declined">Ditolak oleh penyedia API</span>', html=True)
    assertNotContains(response, f'action="{url}"')
    approved_request.refresh_from_db()
    assert approved_request.status == S.DECLINED

    mine = requester_client.get("/permohonan-saya/")
    assertContains(mine, "Alasan penolakan oleh penyedia API")
    assertContains(mine, "Server &lt;b&gt;dimigrasi&lt;/b&gt;")
    assertContains(mine, f'href="{REQUEST_FORM}">Ajukan lagi</a>')
    assertNotContains(mine, "Tarik permohonan")


def test_revoke_requires_a_reason(publisher_client, granted_request):
    url = f"/permohonan-masuk/{granted_request.pk}/cabut/"

    refused = publisher_client.post(url, {"reason": ""}, follow=True)
    assertContains(refused, '<div class="alert alert-error" role="status">')
    granted_request.refresh_from_db()
    assert granted_request.status == S.GRANTED

    response = publisher_client.post(url, {"reason": "Disalahgunakan"}, follow=True)
    assertContains(response, "Akses telah dicabut.")
    granted_request.refresh_from_db()
    assert granted_request.status == S.REVOKED
    assert granted_request.grant.keys.get().revoked_at is not None


# My keys


def test_key_is_revealed_exactly_once(requester_client, granted_request):
    key = granted_request.grant.keys.get()
    page = requester_client.get("/kunci-saya/")
    assertContains(page, "Kunci saya")
    assertContains(page, key.prefix)
    assertContains(page, "Belum ditampilkan")
    assertContains(page, f'action="/kunci-saya/{key.pk}/tampilkan/"')
    assertNotContains(page, key.key_hash)
    reveal = f"/kunci-saya/{key.pk}/tampilkan/"
    assert requester_client.get(reveal).status_code == 405

    response = requester_client.post(reveal)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [raw] = shown_keys(response)
    key.refresh_from_db()
    assert key_matches(raw, key.key_hash)
    assertContains(response, "Kunci ini tidak akan ditampilkan lagi")
    assertContains(response, "Salin")
    assertNotContains(response, key.key_hash)

    reloaded = requester_client.get("/kunci-saya/")
    assert shown_keys(reloaded) == []
    assertNotContains(reloaded, "/tampilkan/")

    again = requester_client.post(reveal, follow=True)
    assert shown_keys(again) == []
    assertContains(again, '<div class="alert alert-error" role="status">')


def test_outsider_cannot_see_or_use_another_organisations_key(outsider_client, granted_request):
    key = granted_request.grant.keys.get()
    assertNotContains(outsider_client.get("/kunci-saya/"), key.prefix)
    for action in ("tampilkan", "rotasi", "cabut"):
        assert outsider_client.post(f"/kunci-saya/{key.pk}/{action}/").status_code == 404
    key.refresh_from_db()
    assert key.pending_secret and key.revoked_at is None


def test_rotate_shows_the_new_key_once_and_revokes_the_old(requester_client, granted_request):
    old = granted_request.grant.keys.get()

    response = requester_client.post(f"/kunci-saya/{old.pk}/rotasi/")

    [raw] = shown_keys(response)
    new = granted_request.grant.keys.exclude(pk=old.pk).get()
    assert key_matches(raw, new.key_hash)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assertContains(response, "Dicabut")
    assert shown_keys(requester_client.get("/kunci-saya/")) == []


def test_revoke_a_key(requester_client, granted_request):
    key = granted_request.grant.keys.get()

    response = requester_client.post(f"/kunci-saya/{key.pk}/cabut/", follow=True)

    assertContains(response, "Kunci telah dicabut.")
    key.refresh_from_db()
    assert key.revoked_at is not None
    assertNotContains(response, "/tampilkan/")


# The whole Pasal 7 flow through the pages


def test_pasal_7_flow_through_the_portal(requester, publisher, admin_user, published_version):
    requester_client, publisher_client = client_for(requester), client_for(publisher)

    # (a) The requester applies through the SPLP application.
    detail = requester_client.get("/direktori/api/data-penduduk/")
    assertContains(detail, REQUEST_FORM)
    response = requester_client.post(REQUEST_FORM, request_data(), follow=True)
    assertContains(response, "Permohonan Anda telah dikirim")
    access_request = AccessRequest.objects.get()
    assert access_request.status == S.SUBMITTED

    # (b) The administrator approves (in the admin; here through the same service).
    access_services.access_request_approve(actor=admin_user, access_request=access_request)

    # (c) The publisher gives access in the portal.
    incoming = publisher_client.get("/permohonan-masuk/")
    assertContains(incoming, "Berikan akses")
    response = publisher_client.post(f"/permohonan-masuk/{access_request.pk}/beri-akses/", {}, follow=True)
    assertContains(response, "Akses telah diberikan.")
    assert shown_keys(response) == []

    # The requester sees the key once on "Kunci saya".
    keys_page = requester_client.get("/kunci-saya/")
    key = ApiKey.objects.get()
    assertContains(keys_page, f'action="/kunci-saya/{key.pk}/tampilkan/"')
    revealed = requester_client.post(f"/kunci-saya/{key.pk}/tampilkan/")
    [raw] = shown_keys(revealed)
    assert key_matches(raw, key.key_hash)

    refused = requester_client.post(f"/kunci-saya/{key.pk}/tampilkan/", follow=True)
    assert shown_keys(refused) == []
    assertContains(refused, '<div class="alert alert-error" role="status">')
    assertContains(requester_client.get("/permohonan-saya/"), '<span class="badge badge-granted">')


# Fixed query counts


@pytest.fixture
def five_apis(publish):
    """Published versions of five APIs; the first one is created at once, the others on demand."""
    versions = [publish("api-0")]
    return versions, lambda: versions.extend(publish(f"api-{i}") for i in range(1, 5))


def test_my_requests_keeps_a_fixed_query_count(requester, requester_org, five_apis, assert_fixed_queries):
    versions, add_apis = five_apis
    submit_request(requester, requester_org, versions[0])

    def add_requests():
        add_apis()
        for version in versions[1:]:
            submit_request(requester, requester_org, version)

    response = assert_fixed_queries(client_for(requester), "/permohonan-saya/", add_requests)
    assertContains(response, "Tarik permohonan", count=5)


def grant(requester, requester_org, admin_user, publisher, version):
    access_request = submit_request(requester, requester_org, version)
    access_services.access_request_approve(actor=admin_user, access_request=access_request)
    return access_services.access_request_grant(actor=publisher, access_request=access_request)


def test_incoming_requests_keep_a_fixed_query_count(publisher, requester, requester_org, admin_user, five_apis,
                                                    assert_fixed_queries):
    versions, add_apis = five_apis
    grant(requester, requester_org, admin_user, publisher, versions[0])

    def add_requests():
        add_apis()
        # A mix of states: granted, approved (with its grant form), submitted.
        grant(requester, requester_org, admin_user, publisher, versions[1])
        for version in versions[2:4]:
            access_services.access_request_approve(
                actor=admin_user, access_request=submit_request(requester, requester_org, version)
            )
        submit_request(requester, requester_org, versions[4])

    response = assert_fixed_queries(client_for(publisher), "/permohonan-masuk/", add_requests)
    assertContains(response, "Verifikasi NIK pasien", count=5)


def test_my_keys_keeps_a_fixed_query_count(publisher, requester, requester_org, admin_user, five_apis,
                                           assert_fixed_queries):
    versions, add_apis = five_apis
    grant(requester, requester_org, admin_user, publisher, versions[0])

    def add_keys():
        add_apis()
        for version in versions[1:]:
            grant(requester, requester_org, admin_user, publisher, version)

    response = assert_fixed_queries(client_for(requester), "/kunci-saya/", add_keys)
    assertContains(response, "/tampilkan/", count=5)


def test_deprecated_api_request_cannot_be_granted(publisher_client, approved_request, publisher):
    directory_services.api_version_deprecate(actor=publisher, api_version=approved_request.api_version,
                                             sunset_on=sunset())

    response = publisher_client.post(f"/permohonan-masuk/{approved_request.pk}/beri-akses/", {}, follow=True)

    assertContains(response, '<div class="alert alert-error" role="status">')
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED
