"""The report's access figures count audit rows by ``AuditAction``: each action the services write is counted
under its figure (a renamed or misspelt action would zero a figure silently)."""

import datetime
import zoneinfo

import time_machine

from access import services as access_services
from monitoring.monev.figures import compute_figures

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
        "submit": 4, "approve": 2, "reject": 1, "withdraw": 1, "grant": 2, "revoke": 1, "expire": 1,
    }
    assert all(type(key) is str for key in access["events"])  # plain JSON keys, as frozen in a report
    assert access["keys_issued"] == 3
    assert access["keys_rotated"] == 1
    assert access["keys_revoked"] == 2  # the rotated key and the one the revocation closed
    assert access["keys_expired"] == 1  # closed by the expiry, so not counted again as lapsed
