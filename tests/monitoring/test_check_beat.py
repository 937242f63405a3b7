"""manage.py check_beat, the beat service's health check: healthy only while beat keeps sending jobs."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 8, tzinfo=datetime.UTC), tick=False):
        yield


def test_healthy_while_beat_records_recent_runs():
    PeriodicTask.objects.filter(name="Kuras log permintaan bus").update(
        last_run_at=timezone.now() - datetime.timedelta(seconds=170)
    )
    out = io.StringIO()
    call_command("check_beat", stdout=out)
    assert "Celery beat sent a scheduled job 170 s ago." in out.getvalue()


def test_unhealthy_when_beat_stopped_sending():
    PeriodicTask.objects.update(last_run_at=None)
    with pytest.raises(CommandError, match="has not run any scheduled job yet"):
        call_command("check_beat")
    PeriodicTask.objects.update(last_run_at=timezone.now() - datetime.timedelta(minutes=11))
    with pytest.raises(CommandError, match="660 s ago .* more than 600 s: is beat running"):
        call_command("check_beat")
    # A job the Dinas disabled does not count as beat being alive.
    PeriodicTask.objects.filter(name="Kuras log permintaan bus").update(enabled=False, last_run_at=timezone.now())
    with pytest.raises(CommandError):
        call_command("check_beat", "--max-age", "300")
