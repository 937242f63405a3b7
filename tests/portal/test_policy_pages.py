"""The classification policy on the portal (issue 9): the rules are shown before submitting, and a grant or
request that breaks one is refused with the rule named, in Indonesian."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from directory.choices import ClassificationChoices as C

from ..conftest import file_request

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 7, 3, 0, tzinfo=datetime.UTC)  # 10:00 WIB


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rahasia_request(publish, filing_admin, requester_org):
    version = publish("penduduk-rentan", classification=C.RAHASIA)
    today = timezone.localdate()
    return file_request(filing_admin, requester_org, version, period_start=today,
                        period_end=today + datetime.timedelta(days=120))


def test_the_request_form_states_the_policy_and_refuses_a_longer_period(requester_client, publish):
    publish("perizinan", classification=C.TERBATAS)
    url = "/direktori/api/perizinan/versi/1.0.0/minta-akses/"
    assertContains(requester_client.get(url), "Kebijakan API Terbatas: periode paling lama 365 hari.")

    response = requester_client.post(url, {
        "all_operations": "on", "purpose": "Verifikasi izin", "legal_basis": "PP 5/2021", "period_start": "2026-12-07",
        "period_end": "2027-12-08", "expected_daily_volume": "10",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["period_end"] == [
        "Kebijakan klasifikasi terbatas: periode paling lama 365 hari."]


def test_waiting_for_the_second_approval_is_shown_to_the_requester_who_may_withdraw(
    requester_client, rahasia_request, admin_user
):
    access_services.access_request_approve(actor=admin_user, access_request=rahasia_request)
    response = requester_client.get("/permohonan-saya/")
    assertContains(response, "Disetujui sekali, menunggu administrator kedua")
    assertContains(response, "Persetujuan pertama")
    assertContains(response, f'action="/permohonan-saya/{rahasia_request.pk}/tarik/"')


def test_the_grant_form_states_the_policy_and_refuses_a_missing_allow_list(
    publisher_client, rahasia_request, admin_user, second_admin
):
    for administrator in (admin_user, second_admin):
        access_services.access_request_approve(actor=administrator, access_request=rahasia_request)
    page = publisher_client.get("/permohonan-masuk/")
    assertContains(page, "Kebijakan API Rahasia: hak akses berlaku paling lama 183 hari sejak diberikan; hak akses "
                         "ini akan berlaku sampai 6 Apr 2027.")
    assertContains(page, "Daftar IP wajib diisi: cantumkan alamat yang boleh memanggil, di dalam intranet Pemda.")

    url = f"/permohonan-masuk/{rahasia_request.pk}/beri-akses/"
    refused = publisher_client.post(url, {"rate_limit_per_minute": "10"}, follow=True)
    assertContains(refused, "Kebijakan klasifikasi rahasia: daftar IP wajib diisi.")
    rahasia_request.refresh_from_db()
    assert rahasia_request.status == S.APPROVED

    granted = publisher_client.post(url, {"ip_allowlist": "10.8.0.0/24"}, follow=True)
    rahasia_request.refresh_from_db()
    assert rahasia_request.status == S.GRANTED
    assertContains(granted, "berlaku sampai 6 Apr 2027")


def test_the_grant_form_of_an_open_api_does_not_ask_for_an_allow_list(publisher_client, approved_request):
    page = publisher_client.get("/permohonan-masuk/")
    assertContains(page, "Kebijakan API Terbuka: hak akses berlaku paling lama 730 hari")
    assertNotContains(page, "Daftar IP wajib diisi")
