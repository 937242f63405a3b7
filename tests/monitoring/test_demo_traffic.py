"""`manage.py demo_traffic` (run by `make run` after seed_demo): real calls through the bus, logged masked."""

import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from access.logmask import value_hash
from access.models import Grant
from directory.demo import SpecContext
from monitoring.models import RequestLog
from monitoring.services import request_log_lookup_identifier
from splp.presets import PEMDA_PRESETS

from ..bus.test_log_masking import tables_holding

pytestmark = pytest.mark.django_db(transaction=True)  # the demo upstream is served by a thread: it reads commits


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEBUG = True
    settings.SPLP_DEMO_UPSTREAM = True
    settings.ALLOWED_HOSTS = ["127.0.0.1"]  # as in the developer profile
    settings.SPLP_DEMO_UPSTREAM_BASE = f"http://127.0.0.1:{free_port()}/demo-upstream"
    settings.SPLP_LOG_BUFFER_PATH = str(tmp_path / "buffer.sqlite3")
    settings.REDIS_URL = ""
    call_command("seed_demo", "--pemda", "kota-baubau", stdout=StringIO())
    return settings


def run():
    out = StringIO()
    call_command("demo_traffic", stdout=out)
    return out.getvalue()


def test_demo_calls_go_through_the_bus_and_leave_only_hashes(demo, django_user_model):
    assert "5 panggilan demo melalui bus ke data-kependudukan (status: 200, 200, 200, 200, 200)" in run()
    grant = Grant.objects.get(organization__code="dinkes", api_version__service__slug="data-kependudukan")
    assert grant.is_active and grant.keys.filter(revoked_at__isnull=True).count() == 1
    rows = RequestLog.objects.filter(grant=grant).order_by("time", "id")
    assert [(r.method, r.path, r.upstream_status) for r in rows] == [
        ("GET", "/gateway/data-kependudukan/v1/penduduk/{nik}", 200),
        ("GET", "/gateway/data-kependudukan/v1/penduduk/{nik}", 200),
        ("GET", "/gateway/data-kependudukan/v1/penduduk/{nik}?kolom", 200),
        ("POST", "/gateway/data-kependudukan/v1/verifikasi-nik", 200),
        ("GET", "/gateway/data-kependudukan/v1/penduduk/{nik}", 200),
    ]
    ctx = SpecContext(preset=PEMDA_PRESETS["kota-baubau"], org_name="", org_email="")
    nik = ctx.nik(1203)
    assert rows[0].params == {"nik": value_hash(nik)}
    assert [tables_holding(ctx.nik(serial)) for serial in (1203, 2417, 3042)] == [[], [], []]
    admin = django_user_model.objects.get(username="admin")
    today = timezone.localdate()
    found = request_log_lookup_identifier(actor=admin, value=nik, date_from=today, date_to=today)
    assert found.count() == 3

    assert "sudah tercatat; tidak ada yang dibuat" in run()
    assert RequestLog.objects.filter(grant=grant).count() == 5


def test_refused_without_debug(demo):
    demo.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG mati"):
        run()
    assert not RequestLog.objects.exists()
