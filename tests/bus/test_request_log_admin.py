import pytest

from tests.conftest import sent_away

from .conftest import call
from .test_gateway import ECHO, bearer, drain


@pytest.fixture
def logged_calls(bus, bus_grant):
    _grant, raw = bus_grant
    call(bus, "GET", ECHO, bearer(raw))
    call(bus, "GET", ECHO)
    drain(bus)


def test_admin_browses_and_filters_the_log_read_only(client, admin_user, logged_calls):
    client.force_login(admin_user)
    page = client.get("/admin/monitoring/requestlog/")
    assert page.status_code == 200
    # The operation's template; a call refused before its operation is known keeps only the API (logmask).
    assert "/gateway/data-bus/v1/echo" in page.content.decode()
    assert "/gateway/data-bus/{rest}" in page.content.decode()
    only_401 = client.get("/admin/monitoring/requestlog/?status__exact=401")
    assert [(r.status, r.error_code) for r in only_401.context["cl"].result_list] == [(401, "missing_key")]
    assert "missing_key" in only_401.content.decode()
    row = client.get("/admin/monitoring/requestlog/").context["cl"].result_list[0]
    change = client.post(f"/admin/monitoring/requestlog/{row.pk}/change/", {"status": 200})
    assert change.status_code == 403
    assert client.get("/admin/monitoring/requestlog/add/").status_code == 403


def test_operators_do_not_reach_the_log(client, requester, outsider, logged_calls):
    for operator in (requester, outsider):
        operator.is_staff = True
        operator.save()
        client.force_login(operator)
        assert sent_away(client.get("/admin/monitoring/requestlog/"))
