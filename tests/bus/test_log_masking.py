"""UU 27/2022 PDP: the request log, its buffer and the lookup keep no path or query value in clear."""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from access.logmask import value_hash
from monitoring import views
from monitoring.logbuffer import LogBuffer, RedisSink
from monitoring.models import RequestLog
from monitoring.services import request_log_drain
from splp.models import AuditEvent

from .conftest import call
from .test_gateway import bearer
from .test_request_log import redis_client  # noqa: F401 (fixture)

NIK = "7472010000000001"
OTHER_NIK = "7472010000000002"
ITEMS = "/gateway/data-bus/v1/items/"


def calls_carrying_the_nik(bus, raw):
    assert call(bus, "GET", ITEMS + NIK, bearer(raw), query=f"nik={NIK}&fields=name").status == 200
    assert call(bus, "GET", "/gateway/data-bus/v1/nowhere/" + NIK, bearer(raw)).status == 404  # unknown_operation
    assert call(bus, "GET", ITEMS + NIK).status == 401  # refused before the operation is known
    assert call(bus, "GET", "/gateway/no-such-api/" + NIK, query=NIK).status == 404  # api_not_found, bare query


def tables_holding(value):
    """Every table of the database whose rows, as text, contain ``value`` (all columns, on any backend)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            if any(value in str(row) for row in cursor.fetchall()):
                found.append(table)
    return found


def lookup(client, value, **period):
    today = timezone.localdate().isoformat()
    return client.post(reverse("monitoring:identifier-lookup"),
                       {"value": value, "date_from": today, "date_to": today, **period})


def test_no_nik_in_the_buffer_file_nor_in_any_table(bus, bus_grant, client, admin_user):
    _grant, raw = bus_grant
    calls_carrying_the_nik(bus, raw)
    bus.buffer.flush()
    buffer = Path(bus.buffer.fallback.path)
    parts = list(buffer.parent.glob(buffer.name + "*"))  # the file and its WAL, as written on disk
    assert buffer in parts and b"/gateway/data-bus/v1/items/{id}" in b"".join(p.read_bytes() for p in parts)
    assert not [part for part in parts if NIK.encode() in part.read_bytes()]
    assert request_log_drain() == 4
    call_command("verify_request_log")  # the hashes are chained (jsonb reorders keys: canonical form sorts)

    rows = {row.error_code: row for row in RequestLog.objects.all()}
    ok = rows[""]
    assert ok.path == "/gateway/data-bus/v1/items/{id}?nik&fields" and ok.operation.path == "/v1/items/{id}"
    assert ok.params == {"id": value_hash(NIK), "?nik": [value_hash(NIK)], "?fields": [value_hash("name")]}
    assert rows["unknown_operation"].path == "/gateway/data-bus/{rest}"
    assert rows["unknown_operation"].params == {"rest": [value_hash(s) for s in ("v1", "nowhere", NIK)]}
    assert rows["missing_key"].path == "/gateway/data-bus/{rest}"
    assert rows["api_not_found"].path == "/gateway/{rest}?_"
    assert rows["api_not_found"].params == {"rest": [value_hash("no-such-api"), value_hash(NIK)],
                                             "?_": [value_hash(NIK)]}

    client.force_login(admin_user)
    listing = client.get("/admin/monitoring/requestlog/").content.decode()
    assert "/gateway/data-bus/v1/items/{id}?nik&amp;fields" in listing and NIK not in listing
    assert client.get("/admin/monitoring/requestlog/", {"q": NIK}).context["cl"].result_count == 0

    found = lookup(client, NIK)
    assert found.status_code == 200
    assert found.context["page_obj"].paginator.count == 4
    html = found.content.decode()
    assert "4 panggilan membawa nilai ini dalam periode tersebut." in html
    assert "GET /gateway/data-bus/v1/items/{id}?nik&amp;fields" in html and "Bus test" in html
    assert _grant.organization.name in html
    event = AuditEvent.objects.get(action="identifier_lookup")
    assert event.actor == admin_user and event.data["value_hash"] == value_hash(NIK)
    # The lookup left nothing in clear either (the audit keeps the hash).
    assert tables_holding(NIK) == []

    nothing = lookup(client, OTHER_NIK)
    assert nothing.context["page_obj"].paginator.count == 0
    assert "0 panggilan membawa nilai ini" in nothing.content.decode()
    assert AuditEvent.objects.filter(action="identifier_lookup").count() == 2


def test_no_nik_in_the_redis_buffer(redis_client, bus, bus_grant, settings):  # noqa: F811
    _grant, raw = bus_grant
    bus._setup()
    settings.REDIS_URL = redis_client.url  # the drain reads the Redis buffer too
    sink = RedisSink(redis_client)
    bus.buffer = LogBuffer(sink, bus.buffer.fallback, 0.1)
    calls_carrying_the_nik(bus, raw)
    bus.buffer.flush()
    assert sink.size() == 4
    assert not any(NIK.encode() in line for line in redis_client.lrange("splp:reqlog", 0, -1))
    assert request_log_drain() == 4
    assert tables_holding(NIK) == []


def test_lookup_pages_and_bounds_the_period(bus, bus_grant, client, admin_user, monkeypatch):
    _grant, raw = bus_grant
    for _ in range(3):
        call(bus, "GET", ITEMS + NIK, bearer(raw))
    bus.buffer.flush(), request_log_drain()
    monkeypatch.setattr(views, "LOOKUP_PAGE_SIZE", 2)
    client.force_login(admin_user)
    form = client.get(reverse("monitoring:identifier-lookup")).content.decode()
    assert "Dari tanggal" in form and "Sampai tanggal" in form  # the period's labels, in Indonesian
    first = lookup(client, NIK)
    assert len(first.context["page_obj"]) == 2 and 'name="halaman" value="2"' in first.content.decode()
    assert len(lookup(client, NIK, halaman=2).context["page_obj"]) == 1

    today = timezone.localdate()
    too_long = lookup(client, NIK, date_from=(today - datetime.timedelta(days=400)).isoformat())
    assert too_long.context["page_obj"] is None
    assert "Periode paling lama 366 hari." in too_long.content.decode()
    backwards = lookup(client, NIK, date_to=(today - datetime.timedelta(days=1)).isoformat())
    assert "Periode berakhir sebelum dimulai." in backwards.content.decode()
    assert AuditEvent.objects.filter(action="identifier_lookup").count() == 2  # refused lookups are not run


@pytest.mark.django_db
def test_only_dinas_administrators_look_up_identifiers(client, publisher, requester, outsider):
    url = reverse("monitoring:identifier-lookup")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert lookup(client, NIK).status_code == 302
    for user in (publisher, requester, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 403, user
        assert lookup(client, NIK).status_code == 403, user
    assert not AuditEvent.objects.filter(action="identifier_lookup").exists()
