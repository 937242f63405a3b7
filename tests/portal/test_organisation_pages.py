"""An organisation's own pages for its operators: the calls it made through the bus ("Log panggilan") and the
recommendations of final Monev reports assigned to it ("Rekomendasi Monev"); each shows only the rows of the
user's own organisations."""

import datetime
import uuid

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from access import services as access_services
from monitoring.models import LogBatch, MonevRecommendation, MonevReport, ReportStatusChoices, RequestLog
from monitoring.monev.followup import monev_recommendation_update, recommendation_items_create
from splp import portal
from tests.conftest import submit_request
from tests.factories import R, UserFactory, member

from .conftest import client_for

pytestmark = pytest.mark.django_db

CALLS = "/organisasi-saya/log-panggilan/"
RECOMMENDATIONS = "/organisasi-saya/rekomendasi-monev/"
UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def grant(version, organization, *, requester, admin, publisher):
    """The organisation's grant on ``version``, through the Pasal 7 services."""
    access_request = submit_request(requester, organization, version)
    access_services.access_request_approve(actor=admin, access_request=access_request)
    issued, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=access_request)
    return issued


def log(organization, version, *, when, status=200, error_code="", latency=12.0, key_prefix="splp_ab12",
        request_id=None, method="GET", path="/v1/penduduk/{nik}"):
    """One drained call; the operation is the version's operation with this method and path, if it has one."""
    batch = LogBatch.objects.create(row_count=1, prev_hash="0" * 64, hash=uuid.uuid4().hex * 2)
    return RequestLog.objects.create(
        batch=batch, request_id=request_id or uuid.uuid4().hex, time=when, organization=organization,
        service=version.service, api_version=version,
        operation=version.operations.filter(method=method, path=path).first(), key_prefix=key_prefix,
        method=method, path=path, status=status, latency_ms=latency, error_code=error_code,
    )


def shown_ids(response):
    return [call.request_id for call in response.context["page"].rows]


@pytest.fixture
def sekolah(publish):
    return publish("data-sekolah", name="Data Sekolah")


@pytest.fixture
def granted(published_version, sekolah, requester, requester_org, outsider, outsider_org, admin_user, publisher):
    """The requester's organisation holds grants on both APIs, the outsider's on the first."""
    for version in (published_version, sekolah):
        grant(version, requester_org, requester=requester, admin=admin_user, publisher=publisher)
    grant(published_version, outsider_org, requester=outsider, admin=admin_user, publisher=publisher)
    return published_version, sekolah


# The call log


def test_the_requester_sees_its_calls_newest_first_in_words(requester_client, granted, requester_org, outsider_org):
    penduduk, _sekolah = granted
    older = log(requester_org, penduduk, when=T0, request_id="req-older", latency=41.6)
    refused = log(requester_org, penduduk, when=T0 + datetime.timedelta(minutes=5), status=403,
                  error_code="operation_not_granted", request_id="req-refused", key_prefix="splp_zz99")
    log(outsider_org, penduduk, when=T0 + datetime.timedelta(minutes=1), request_id="req-outsider")
    # A path stored before masking (access/logmask.py) holds whatever the caller sent.
    log(requester_org, penduduk, when=T0 - datetime.timedelta(minutes=1), path="/v1/<script>alert(1)</script>")

    page = requester_client.get(CALLS)

    assert page.status_code == 200
    assert shown_ids(page)[:2] == [refused.request_id, older.request_id]
    assertNotContains(page, "req-outsider")
    assertContains(page, '<td class="api">Data Penduduk <small class="muted nowrap">1.0.0</small></td>', html=True,
                   count=3)
    assertContains(page, "Ambil data penduduk")  # the operation's summary
    assertContains(page, '<span class="method method-get">GET</span>', html=True, count=3)
    assertContains(page, "<code>/<wbr>v1/<wbr>penduduk/<wbr>{nik}</code>", html=True, count=2)
    assertContains(page, "<code>/<wbr>v1/<wbr>&lt;script&gt;alert(1)&lt;/<wbr>script&gt;</code>", html=True)
    assertNotContains(page, "<script>alert")
    assertContains(page, '<span class="badge badge-http-4xx">403</span>', html=True)
    assertContains(page, "<code>operation_not_granted</code>", html=True)
    assertContains(page, "Operasi ini tidak termasuk dalam hak akses.")  # the bus' error in words
    assertContains(page, "42 ms")
    assertContains(page, "<code>splp_zz99…</code>", html=True)


# 20:00 UTC on 9 March is already 10 March in each of Indonesia's zones.
@pytest.mark.parametrize(("zone", "shown"), [("Asia/Jakarta", "10 Mar 2026<br>03:00:05 WIB"),
                                             ("Asia/Makassar", "10 Mar 2026<br>04:00:05 WITA"),
                                             ("Asia/Jayapura", "10 Mar 2026<br>05:00:05 WIT")])
def test_times_are_shown_in_the_installations_zone(settings, requester_client, granted, requester_org, zone, shown):
    settings.TIME_ZONE = zone
    log(requester_org, granted[0], when=datetime.datetime(2026, 3, 9, 20, 0, 5, tzinfo=UTC))
    assertContains(requester_client.get(CALLS), f'<td class="nowrap">{shown}</td>', html=True)


def test_the_period_is_in_local_days(requester_client, granted, requester_org):
    # 17:30 UTC is 00:30 WIB the next day.
    late = log(requester_org, granted[0], when=datetime.datetime(2026, 3, 9, 17, 30, tzinfo=UTC))
    before = log(requester_org, granted[0], when=datetime.datetime(2026, 3, 9, 16, 30, tzinfo=UTC))
    next_day = log(requester_org, granted[0], when=datetime.datetime(2026, 3, 10, 17, 0, tzinfo=UTC))

    assert shown_ids(requester_client.get(CALLS, {"dari": "2026-03-10", "sampai": "2026-03-10"})) == [late.request_id]
    assert shown_ids(requester_client.get(CALLS, {"sampai": "2026-03-09"})) == [before.request_id]
    assert shown_ids(requester_client.get(CALLS, {"dari": "2026-03-11"})) == [next_day.request_id]


def test_the_api_and_status_filters(requester_client, granted, requester_org):
    penduduk, sekolah = granted
    ok = log(requester_org, penduduk, when=T0)
    refused = log(requester_org, penduduk, when=T0 + datetime.timedelta(minutes=1), status=429,
                  error_code="rate_limited")
    failed = log(requester_org, penduduk, when=T0 + datetime.timedelta(minutes=2), status=502,
                 error_code="upstream_unreachable")
    school = log(requester_org, sekolah, when=T0 + datetime.timedelta(minutes=3), status=201)

    def ids(**filters):
        return set(shown_ids(requester_client.get(CALLS, filters)))

    assert ids(api="data-sekolah") == {school.request_id}
    assert ids(status="ok") == {ok.request_id, school.request_id}
    assert ids(status="4xx") == {refused.request_id}
    assert ids(status="5xx") == {failed.request_id}
    assert ids(api="data-penduduk", status="ok") == {ok.request_id}
    page = requester_client.get(CALLS, {"api": "data-sekolah"})
    assertContains(page, '<option value="data-sekolah" selected>Data Sekolah</option>', html=True)
    assertContains(page, f'href="{CALLS}"')  # the reset link, shown once filtered
    assertContains(requester_client.get(CALLS, {"status": "5xx", "api": "data-sekolah"}),
                   "Tidak ada panggilan yang cocok dengan filter.")


def test_a_filter_it_cannot_use_is_refused_with_a_message_and_the_rest_apply(requester_client, granted,
                                                                              requester_org, outsider_org, publish):
    log(requester_org, granted[0], when=T0)
    school = log(requester_org, granted[1], when=T0 + datetime.timedelta(minutes=1))
    # An API the organisation holds no grant for is not offered.
    publish("data-pajak", name="Data Pajak")
    page = requester_client.get(CALLS, {"api": "data-pajak"})
    assertNotContains(page, "Data Pajak")
    assert page.context["form"].errors["api"]
    assert len(shown_ids(page)) == 2

    page = requester_client.get(CALLS, {"api": "data-sekolah", "dari": "2026-03-11", "sampai": "2026-03-01"})
    assertContains(page, "Periode berakhir sebelum dimulai.")
    assert shown_ids(page) == []  # the valid filters still apply: from 11 March on there is no call
    assert shown_ids(requester_client.get(CALLS, {"api": "data-sekolah", "status": "7xx"})) == [school.request_id]


def test_pages_go_back_in_time_without_a_count(monkeypatch, requester_client, granted, requester_org):
    monkeypatch.setattr(portal, "PAGE_SIZE", 2)
    # Five calls, two of them in the same microsecond across a page's edge: the id orders those.
    times = [T0, T0 + datetime.timedelta(seconds=1), T0 + datetime.timedelta(seconds=2),
             T0 + datetime.timedelta(seconds=2), T0 + datetime.timedelta(seconds=3)]
    calls = [log(requester_org, granted[0], when=when, request_id=f"req-{index}") for index, when in enumerate(times)]
    newest_first = [call.request_id for call in reversed(calls)]

    first = requester_client.get(CALLS, {"status": "ok"})
    assert shown_ids(first) == newest_first[:2]
    assertNotContains(first, "Terbaru")
    second = requester_client.get(CALLS, {"status": "ok", "sebelum": first.context["page"].older})
    assert shown_ids(second) == newest_first[2:4]
    assertContains(second, f'href="?status=ok&amp;sesudah={second.context["page"].newer}"')  # the filter kept
    assertContains(second, 'href="?status=ok">Terbaru</a>')
    third = requester_client.get(CALLS, {"status": "ok", "sebelum": second.context["page"].older})
    assert shown_ids(third) == newest_first[4:]
    assert third.context["page"].older is None
    back = requester_client.get(CALLS, {"status": "ok", "sesudah": third.context["page"].newer})
    assert shown_ids(back) == newest_first[2:4]
    top = requester_client.get(CALLS, {"status": "ok", "sesudah": back.context["page"].newer})
    assert shown_ids(top) == newest_first[:2]
    assert top.context["page"].newer is None


@pytest.mark.parametrize("cursor", ["abc", "1-", "999999999999999999-1", "1" * 19 + "-1", "-5-3"])
def test_a_cursor_it_cannot_read_shows_the_first_page(requester_client, granted, requester_org, cursor):
    call = log(requester_org, granted[0], when=T0)
    for name in ("sebelum", "sesudah"):
        assert shown_ids(requester_client.get(CALLS, {name: cursor})) == [call.request_id]


def test_the_log_costs_the_same_queries_however_many_calls(assert_fixed_queries, requester_client, granted,
                                                           requester_org):
    penduduk, sekolah = granted
    log(requester_org, penduduk, when=T0)

    def more_calls():
        for minute, version in enumerate((penduduk, sekolah, sekolah, penduduk), start=1):
            log(requester_org, version, when=T0 + datetime.timedelta(minutes=minute), method="POST",
                path="/v1/penduduk", status=200 + 100 * minute)

    response = assert_fixed_queries(requester_client, CALLS + "?status=4xx&dari=2026-03-01", more_calls)
    assert len(shown_ids(response)) == 1


def test_an_organisation_of_several_shows_which_made_the_call(granted, requester, requester_org, outsider_org):
    member(requester, outsider_org, R.REQUESTER)
    log(requester_org, granted[0], when=T0)
    log(outsider_org, granted[0], when=T0 + datetime.timedelta(minutes=1))
    page = client_for(requester).get(CALLS)
    assert len(shown_ids(page)) == 2
    assertContains(page, "<td>Bappeda</td>", html=True)
    assertContains(page, "<td>Dinas Kesehatan</td>", html=True)


def test_another_organisation_never_sees_the_calls(outsider_client, publisher_client, granted, requester_org,
                                                   outsider_org):
    log(requester_org, granted[0], when=T0, request_id="req-dinkes")
    mine = log(outsider_org, granted[0], when=T0, request_id="req-bappeda")
    assert shown_ids(outsider_client.get(CALLS)) == [mine.request_id]
    # The publisher of the API called sees the calls on its usage page, not here: its own organisation made none.
    page = publisher_client.get(CALLS)
    assert shown_ids(page) == []
    assertContains(page, "Belum ada panggilan.")
    assertNotContains(page, "req-dinkes")


def test_the_log_needs_an_organisation(client, admin_user):
    assertRedirects(client.get(CALLS), f"/masuk/?next={CALLS}", fetch_redirect_response=False)
    loner = client_for(UserFactory(username="dave"))
    assertContains(loner.get(CALLS), "Halaman ini khusus untuk operator perangkat daerah.", status_code=403)
    # An administrator without an operator's membership has the admin's full log.
    assert client_for(admin_user).get(CALLS).status_code == 403


# Monev recommendations


@pytest.fixture
def recommendations(admin_user, requester_org, outsider_org):
    """A final report whose three recommendations the Dinas assigned (two to the requester's organisation, one
    closed), and a draft whose item must not show."""
    final = MonevReport.objects.create(
        title="Laporan Monev SPLP Semester I 2026", period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30), status=ReportStatusChoices.FINAL,
        recommendations="1. Percepat rotasi kunci.\n2. Lengkapi dokumen API.\n3. Cabut akses yang tidak dipakai.",
    )
    rotate, document, revoke = recommendation_items_create(final)
    today = timezone.localdate()
    monev_recommendation_update(actor=admin_user, item=rotate, owner=requester_org,
                                due_date=today - datetime.timedelta(days=3), status="in_progress",
                                note="Rotasi dijadwalkan.")
    monev_recommendation_update(actor=admin_user, item=document, owner=requester_org,
                                due_date=today - datetime.timedelta(days=30), status="done",
                                note="Dokumen dilengkapi <b>Juni</b>.")
    monev_recommendation_update(actor=admin_user, item=revoke, owner=outsider_org, due_date=None, status="open",
                                note="")
    draft = MonevReport.objects.create(title="Draf Semester II", period_start=datetime.date(2026, 7, 1),
                                       period_end=datetime.date(2026, 12, 31))
    MonevRecommendation.objects.create(report=draft, position=1, text="Rekomendasi draf", owner=requester_org)
    return rotate, document, revoke


def test_the_organisation_sees_its_recommendations_and_their_follow_up(requester_client, recommendations):
    rotate, document, _revoke = recommendations

    page = requester_client.get(RECOMMENDATIONS)

    assert page.status_code == 200
    assert [item.pk for item in page.context["items"]] == [rotate.pk, document.pk]  # the open one first
    assertContains(page, "Percepat rotasi kunci.")
    assertContains(page, "Laporan Monev SPLP Semester I 2026")
    assertContains(page, "1 Jan 2026 – 30 Jun 2026")
    assertContains(page, '<span class="badge badge-in_progress">Dalam proses</span>', html=True)
    assertContains(page, '<span class="badge badge-done">Selesai</span>', html=True)
    assertContains(page, "Dokumen dilengkapi &lt;b&gt;Juni&lt;/b&gt;.")  # the Dinas' note, escaped
    # Only the open item past its due date is overdue.
    assertContains(page, '<span class="badge badge-overdue">Lewat tenggat</span>', html=True, count=1)
    assertNotContains(page, "Cabut akses yang tidak dipakai.")  # another organisation's
    assertNotContains(page, "Rekomendasi draf")  # a draft report's
    assertContains(page, "<form", count=1)  # the header's "Log out" only: the Dinas records the follow-up


def test_another_organisation_sees_only_its_own(outsider_client, publisher_client, recommendations):
    page = outsider_client.get(RECOMMENDATIONS)
    assert [item.text for item in page.context["items"]] == ["Cabut akses yang tidak dipakai."]
    assertNotContains(page, "Percepat rotasi kunci.")
    page = publisher_client.get(RECOMMENDATIONS)
    assert list(page.context["items"]) == []
    assertContains(page, "Belum ada rekomendasi untuk organisasi Anda.")


def test_recommendations_need_an_organisation(client):
    assertRedirects(client.get(RECOMMENDATIONS), f"/masuk/?next={RECOMMENDATIONS}", fetch_redirect_response=False)
    loner = client_for(UserFactory(username="dave"))
    assert loner.get(RECOMMENDATIONS).status_code == 403


def test_recommendations_cost_the_same_queries_however_many(assert_fixed_queries, requester_client, admin_user,
                                                           requester_org, recommendations):
    def more():
        report = MonevReport.objects.create(
            title="Laporan Monev SPLP 2025", period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31), status=ReportStatusChoices.FINAL,
            recommendations="Satu.\nDua.",
        )
        for item in recommendation_items_create(report):
            monev_recommendation_update(actor=admin_user, item=item, owner=requester_org, due_date=None,
                                        status="open", note="")

    response = assert_fixed_queries(requester_client, RECOMMENDATIONS, more)
    assert len(response.context["items"]) == 4


# Navigation


def test_operators_find_both_pages_in_the_menu(requester_client, publisher_client, client):
    for operator in (requester_client, publisher_client):
        home = operator.get("/")
        assertContains(home, f'<a href="{CALLS}">Log panggilan</a>', html=True)
        assertContains(home, f'<a href="{RECOMMENDATIONS}">Rekomendasi Monev</a>', html=True)
    assertContains(requester_client.get(CALLS), f'<a href="{CALLS}" class="active">Log panggilan</a>', html=True)
    assertNotContains(client.get("/"), CALLS)
    assertNotContains(client_for(UserFactory(username="dave")).get("/"), RECOMMENDATIONS)


def test_my_keys_leads_to_the_call_log(requester_client):
    assertContains(requester_client.get("/kunci-saya/"), f'<a href="{CALLS}">log panggilan</a>', html=True)
