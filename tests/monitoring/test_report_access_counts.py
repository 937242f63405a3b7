"""The report's access figures count audit rows by ``AuditAction``: each action the services write is counted
under its figure (a renamed or misspelt action would zero a figure silently)."""

import datetime
import zoneinfo

import time_machine
from django.utils import translation

from access import services as access_services
from monitoring.models import MonevReport
from monitoring.monev.figures import compute_figures
from monitoring.monev.sections import report_sections

from ..conftest import submit_request

JKT = zoneinfo.ZoneInfo("Asia/Jakarta")
YEAR = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def test_access_figures_count_what_the_services_audited(
    requester, requester_org, outsider, outsider_org, publisher, admin_user, published_version
):
    with time_machine.travel(datetime.datetime(2026, 6, 10, 9, 0, tzinfo=JKT), tick=False):
        request = submit_request(requester, requester_org, published_version)
        access_services.access_request_approve(actor=admin_user, access_request=request)
        grant, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=request)
        access_services.api_key_rotate(actor=requester, grant=grant)  # the first key: rotated
        rejected = submit_request(outsider, outsider_org, published_version)
        # Returned once and changed: still one request submitted, not two.
        access_services.access_request_request_changes(actor=admin_user, access_request=rejected,
                                                       note="Dasar hukum kurang")
        access_services.access_request_resubmit(actor=outsider, access_request=rejected, legal_basis="UU 24/2013")
        access_services.access_request_reject(actor=admin_user, access_request=rejected, reason="Dasar hukum kurang")
        short = submit_request(outsider, outsider_org, published_version, period_start=datetime.date(2026, 6, 10),
                               period_end=datetime.date(2026, 6, 20))
        access_services.access_request_approve(actor=admin_user, access_request=short)
        access_services.access_request_grant(actor=publisher, access_request=short)
    with time_machine.travel(datetime.datetime(2026, 7, 1, 9, 0, tzinfo=JKT), tick=False):
        # Revoking the request closes the second key too.
        access_services.access_request_revoke(actor=admin_user, access_request=request, reason="Tidak dipakai")
        access_services.access_request_expire(actor=None, access_request=short)  # its period ended on 20 June
        withdrawn = submit_request(outsider, outsider_org, published_version)
        access_services.access_request_withdraw(actor=outsider, access_request=withdrawn)
    with time_machine.travel(datetime.datetime(2027, 1, 10, 10, 0, tzinfo=JKT), tick=False):
        access = compute_figures(period_start=YEAR[0], period_end=YEAR[1])["access"]

    assert access["events"] == {
        "submit": 4, "request_changes": 1, "approve": 2, "reject": 1, "withdraw": 1, "grant": 2, "revoke": 1,
        "expire": 1,
    }
    assert access["requests_resubmitted"] == 1
    assert all(type(key) is str for key in access["events"])  # plain JSON keys, as frozen in a report
    assert access["keys_issued"] == 3
    assert access["keys_rotated"] == 1
    assert access["keys_revoked"] == 2  # the rotated key and the one the revocation closed
    assert access["keys_expired"] == 1  # closed by the expiry, so not counted again as lapsed


def test_decision_time_is_the_administrators_not_the_time_the_requester_took_to_change_the_request(
    outsider, outsider_org, admin_user, published_version
):
    def at(day, hour):
        return time_machine.travel(datetime.datetime(2026, 6, day, hour, 0, tzinfo=JKT), tick=False)

    with at(1, 8):
        request = submit_request(outsider, outsider_org, published_version)
    with at(1, 18):  # answered after 10 hours: returned for changes
        access_services.access_request_request_changes(actor=admin_user, access_request=request, note="Dasar hukum")
    with at(5, 8):  # the requester took four days
        access_services.access_request_resubmit(actor=outsider, access_request=request, legal_basis="UU 24/2013")
    with at(5, 10):  # answered after 2 hours: approved
        access_services.access_request_approve(actor=admin_user, access_request=request)
    with time_machine.travel(datetime.datetime(2027, 1, 10, 10, 0, tzinfo=JKT), tick=False):
        access = compute_figures(period_start=YEAR[0], period_end=YEAR[1])["access"]

    assert access["decision_time"] == {"count": 2, "avg_hours": 6.0, "max_hours": 10.0}


def test_the_report_counts_returned_requests_and_reads_zero_from_reports_frozen_before_them(
    requester, requester_org, admin_user, published_version
):
    with time_machine.travel(datetime.datetime(2026, 6, 10, 9, 0, tzinfo=JKT), tick=False):
        access_request = submit_request(requester, requester_org, published_version)
        access_services.access_request_request_changes(actor=admin_user, access_request=access_request,
                                                       note="Lengkapi tujuan")
    with time_machine.travel(datetime.datetime(2027, 1, 10, 10, 0, tzinfo=JKT), tick=False):
        figures = compute_figures(period_start=YEAR[0], period_end=YEAR[1])

    def summary(figures):
        with translation.override("id"):
            access = next(s for s in report_sections(MonevReport(figures=figures)) if s.key == "access")
            rows = dict(next(t for t in access.tables if t.key == "access_summary").rows)
            statuses = dict(next(t for t in access.tables if t.key == "access_status").rows)
        return rows, statuses

    rows, statuses = summary(figures)
    assert rows["Permohonan dikembalikan ke pemohon untuk diperbaiki"] == 1
    assert rows["Permohonan diajukan lagi setelah diperbaiki"] == 0
    assert rows["Permohonan menunggu keputusan (saat laporan dibuat)"] == 0  # with the requester, not the Dinas
    assert statuses["Dikembalikan ke pemohon untuk diperbaiki"] == 1

    del figures["access"]["events"]["request_changes"], figures["access"]["requests_resubmitted"]
    rows, _statuses = summary(figures)
    assert rows["Permohonan dikembalikan ke pemohon untuk diperbaiki"] == 0
    assert rows["Permohonan diajukan lagi setelah diperbaiki"] == 0
