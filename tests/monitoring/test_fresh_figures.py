"""Figures are never stale: a report rolls up its own period first (after draining the buffer), and the
dashboard counts the calls drained since the last rollup. The exact bug: 45 calls, a report at once, and it
said the key had made no call at all."""

import datetime
import re
import threading
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from monitoring.models import MonevReport, RequestLog, RollupHour, UsageRollup
from monitoring.monev import services as monev
from monitoring.monev.periods import period_bounds
from monitoring.rollups import live_since, pending_hours, rollup_hour, rollup_pending, rollup_period, usage_by
from monitoring.services import DRAIN_LOCK, request_log_drain
from monitoring.spbe.services import pack_generate

from ..bus.conftest import bus, bus_version, call, grant_with_key, upstream, upstream_server  # noqa: F401
from .test_rollups import log_row, make_batch

JKT = zoneinfo.ZoneInfo("Asia/Jakarta")
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
# 10:20 WIB on 10 March 2026: the rollup job of 10:05 has run, the calls below come after it.
NOW = datetime.datetime(2026, 3, 10, 10, 20, tzinfo=JKT)
H = datetime.datetime(2026, 3, 10, 3, tzinfo=UTC)  # the open hour, 10:00 WIB


@pytest.fixture
def bus_grant(requester, requester_org, bus_version, admin_user, publisher):  # noqa: F811
    """A grant and its key, made the day before NOW."""
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        return grant_with_key(requester, requester_org, bus_version, admin_user, publisher)


def bus_calls(bus, raw, count):
    for _ in range(count):
        assert call(bus, "GET", "/gateway/data-bus/v1/echo", {"Authorization": f"Bearer {raw}"}).status == 200
    bus.buffer.flush()  # what every process does within SPLP_LOG_FLUSH_SECONDS; nobody drained it


# -- The bug ---------------------------------------------------------------------------------------------


def test_45_calls_then_a_report_at_once_counts_them(bus, bus_grant, client, admin_user):
    grant, raw = bus_grant
    with time_machine.travel(NOW, tick=False):
        bus_calls(bus, raw, 45)
        assert not RequestLog.objects.exists() and not UsageRollup.objects.exists()
        out = StringIO()
        call_command("generate_monev_report", "--from", "2026-03-01", "--to", "2026-03-31", "--user", "alice",
                     stdout=out)
    report = MonevReport.objects.get()
    connector = next(c for c in report.figures["usage"]["connectors"] if c["grant_id"] == grant.pk)
    assert connector["calls"] == 45 and not connector["dormant"]
    assert report.figures["usage"]["total"]["calls"] == 45
    assert report.figures["data_as_of"] == "2026-03-10T10:20:00+07:00"

    client.force_login(admin_user)
    page = client.get(reverse("monitoring:report", args=[report.pk])).content.decode()
    assert "Data s.d. 10/03/2026 10:20 WIB" in page
    assert "1 izin akses aktif pada periode ini; 0 di antaranya tidak melakukan panggilan sama sekali" in page
    assert "Tidak ada panggilan pada periode ini" not in page


def test_the_yearly_job_and_the_admin_button_roll_up_too(bus, bus_grant, client, admin_user):
    """All three ways share monev._prepare: the yearly job (system) and the admin's generate view."""
    _grant, raw = bus_grant
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 50, tzinfo=JKT), tick=False):
        bus_calls(bus, raw, 3)
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 10, tzinfo=JKT), tick=False):
        report, created = monev.generate_annual_monev_report()
        assert created and report.figures["usage"]["total"]["calls"] == 3
        # The period is over: the figures cover it up to its end, not up to the moment of generation.
        assert report.figures["data_as_of"] == "2027-01-01T00:00:00+07:00"
        bus_calls(bus, raw, 2)
        client.force_login(admin_user)
        response = client.post(reverse("admin:monitoring_monevreport_generate"),
                               {"period_start": "2027-01-01", "period_end": "2027-01-01", "title": ""})
        assert response.status_code == 302, response.content
    latest = MonevReport.objects.order_by("-id").first()
    assert latest.figures["usage"]["total"]["calls"] == 2


def test_a_report_waits_for_a_drain_already_running(bus, bus_grant):
    """Its rows would otherwise be committed just after the report counted."""
    _grant, raw = bus_grant
    with time_machine.travel(NOW, tick=False):
        bus_calls(bus, raw, 2)
    assert cache.add(DRAIN_LOCK, "1", timeout=300)  # the drain task is running
    assert request_log_drain() == 0  # the task's own behaviour: leave it to the running one
    threading.Timer(0.2, cache.delete, [DRAIN_LOCK]).start()  # ... which finishes
    assert request_log_drain(wait_seconds=30) == 2


# -- Which hours a report rolls up -------------------------------------------------------------------------


def test_rollup_period_redoes_missing_and_stale_hours_only(world_org):
    batch = make_batch()
    rows = lambda hour, n: [log_row(batch, hour + i * MINUTE, organization=world_org) for i in range(n)]  # noqa: E731
    RequestLog.objects.bulk_create(rows(H - 3 * HOUR, 2) + rows(H - 2 * HOUR, 3))
    with time_machine.travel(H - HOUR + 5 * MINUTE, tick=False):
        rollup_pending()
    settled = dict(RollupHour.objects.values_list("hour", "computed_at"))
    # Later: a late drain into H-3h, a never rolled-up hour (H-1h), and the open hour.
    RequestLog.objects.bulk_create(rows(H - 3 * HOUR + 30 * MINUTE, 1) + rows(H - HOUR, 4) + rows(H, 5))
    with time_machine.travel(NOW, tick=False):
        start, end = period_bounds(datetime.date(2026, 3, 10), datetime.date(2026, 3, 10))
        assert rollup_period(start=start, end=end) == (3, 3 + 4 + 5)
        assert rollup_period(start=start, end=end) == (0, 0)  # nothing stale any more
    calls = dict(UsageRollup.objects.values_list("hour", "calls"))
    assert calls == {H - 3 * HOUR: 3, H - 2 * HOUR: 3, H - HOUR: 4, H: 5}
    # The untouched hour kept its computation.
    assert RollupHour.objects.get(hour=H - 2 * HOUR).computed_at == settled[H - 2 * HOUR]


def test_rollup_period_leaves_hours_past_retention_alone(world_org, settings):
    """Their raw rows may be partly purged: re-rolling would lose calls."""
    settings.SPLP_LOG_RETENTION_DAYS = 30
    old = H - datetime.timedelta(days=40)
    UsageRollup.objects.create(hour=old, calls=7, status_2xx=7)
    RequestLog.objects.bulk_create([log_row(make_batch(), old, organization=world_org)])
    with time_machine.travel(NOW, tick=False):
        assert rollup_period(start=old - HOUR, end=H + HOUR) == (0, 0)
    assert UsageRollup.objects.get(hour=old).calls == 7


def test_a_partial_rollup_of_the_open_hour_is_redone_by_the_hourly_job(world_org):
    batch = make_batch()
    RequestLog.objects.bulk_create([log_row(batch, H + MINUTE, organization=world_org)])
    with time_machine.travel(NOW, tick=False):
        rollup_hour(hour=H)  # a report generated at 10:20
    RequestLog.objects.bulk_create([log_row(batch, H + 50 * MINUTE, organization=world_org)])
    # The job did not run for hours; when it does, the partial hour is not taken for done.
    with time_machine.travel(H + 5 * HOUR + 5 * MINUTE, tick=False):
        assert H in pending_hours()
        rollup_pending()
    assert UsageRollup.objects.get(hour=H).calls == 2


@pytest.fixture
def world_org(requester_org):
    return requester_org


# -- The dashboard: rollups plus the calls drained since -----------------------------------------------------


def test_dashboard_counts_the_current_hour_before_the_rollup(client, admin_user, world_org, published_version):
    service = published_version.service
    batch = make_batch()
    RequestLog.objects.bulk_create([log_row(batch, H - HOUR + i * MINUTE, service=service) for i in range(4)])
    with time_machine.travel(H + 5 * MINUTE, tick=False):
        rollup_pending()  # 10:05 WIB: the hour before is rolled up
    # Drained in the open hour, not rolled up: counted at once, and the partial rollup of a report is not
    # counted twice.
    RequestLog.objects.bulk_create([log_row(batch, H + i * MINUTE, service=service, status=500) for i in range(6)])
    with time_machine.travel(NOW, tick=False):
        rollup_hour(hour=H)
        RequestLog.objects.bulk_create([log_row(batch, H + 19 * MINUTE, service=service)])
        assert live_since() == H
        client.force_login(admin_user)
        page = client.get(reverse("monitoring:dashboard")).content.decode()
    assert re.search(r"<strong>11</strong><span>panggilan melalui jalur penghubung pada 2026", page)
    assert "Data s.d. 10/03/2026 10:20 WIB" in page
    (row,) = usage_by(start=H - HOUR, end=H + HOUR, now=NOW)
    assert (row["calls"], row["status_5xx"]) == (11, 6)


def test_calls_not_yet_drained_count_in_the_spbe_evidence_pack(bus, bus_grant, admin_user):
    grant, raw = bus_grant
    with time_machine.travel(NOW, tick=False):
        bus_calls(bus, raw, 3)
        assert not UsageRollup.objects.exists()
        pack = pack_generate(actor=admin_user, year=2026)
    assert RequestLog.objects.count() == 3
    # The bus carried calls of a published API in the year: indicator 18 passes level 2.
    assert pack.level_18 >= 2, pack.missing_18
    assert "Tidak ada API terbit yang dipanggil" not in pack.missing_18
