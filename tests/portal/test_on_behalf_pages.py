"""A request the Dinas recorded from an organisation's letter, as the portal shows it: the organisation finds it
in "Permohonan saya" with the letter's number, may withdraw it, and sees the rahasia API; the publisher sees
the letter on its incoming list; nobody else sees any of it."""

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from access.choices import AccessRequestStatusChoices as S

from ..conftest import LETTER, file_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_policy_day")]

API_PAGE = "/direktori/api/penduduk-rentan/"




@pytest.fixture
def filed(rahasia, filing_admin, requester_org):
    return file_request(filing_admin, requester_org, rahasia, period_start=datetime.date(2026, 12, 7),
                        period_end=datetime.date(2027, 3, 7))


def test_before_the_letter_is_recorded_the_requester_cannot_see_the_api(requester_client, rahasia):
    assert requester_client.get(API_PAGE).status_code == 404


def test_the_organisation_sees_the_request_with_its_letter_and_the_api(requester_client, filed):
    page = requester_client.get("/permohonan-saya/")
    assertContains(page, "Nomor surat permohonan")
    assertContains(page, f"{LETTER} <span class=\"muted\">(dicatat oleh administrator Dinas)</span>", html=False)
    assertContains(page, "oleh frank")
    assertContains(page, f'action="/permohonan-saya/{filed.pk}/tarik/"')
    assert requester_client.get(API_PAGE).status_code == 200


def test_the_organisation_withdraws_the_request_filed_for_it(requester_client, filed):
    response = requester_client.post(f"/permohonan-saya/{filed.pk}/tarik/", follow=True)
    assertContains(response, "Permohonan telah ditarik.")
    filed.refresh_from_db()
    assert filed.status == S.WITHDRAWN


def test_the_publisher_sees_the_letter_on_its_incoming_list(publisher_client, filed):
    assertContains(publisher_client.get("/permohonan-masuk/"), LETTER)


def test_a_request_without_a_letter_shows_no_letter_line(requester_client, submitted_request):
    assertNotContains(requester_client.get("/permohonan-saya/"), "Nomor surat permohonan")


def test_an_outsider_sees_neither_the_request_nor_the_api(outsider_client, filed):
    assertNotContains(outsider_client.get("/permohonan-saya/"), LETTER)
    assertNotContains(outsider_client.get("/permohonan-masuk/"), LETTER)
    assert outsider_client.post(f"/permohonan-saya/{filed.pk}/tarik/").status_code == 404
    assert outsider_client.get(API_PAGE).status_code == 404
    filed.refresh_from_db()
    assert filed.status == S.SUBMITTED


def test_anonymous_sees_nothing(client, filed):
    assert client.get(API_PAGE).status_code == 404
    response = client.get("/permohonan-saya/")
    assert response.status_code == 302 and LETTER not in response.content.decode()

