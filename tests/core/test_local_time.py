"""Times in the Pemda's own zone: shown with WIB/WITA/WIT, "today" and the schedule in local time."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.template import Context, Template
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from monitoring.models import MonevReport
from monitoring.monev.formatting import display
from monitoring.monev.services import generate_annual_monev_report_task
from monitoring.reminders import send_reminders_task
from splp.models import AuditEvent
from splp.timezones import ZONE_ABBREVIATIONS

UTC = datetime.UTC
# 23:00 UTC on 1 January: 06:00 WIB, 07:00 WITA, 08:00 WIT on 2 January.
MOMENT = datetime.datetime(2026, 1, 1, 23, 0, tzinfo=UTC)
schedule_migration = importlib.import_module("monitoring.migrations.0003_beat_schedule")
zone_migration = importlib.import_module("monitoring.migrations.0005_beat_schedule_local_zone")


def render(text, **context):
    return Template("{% load splp_time %}" + text).render(Context(context))


@pytest.fixture
def baubau(settings):
    settings.TIME_ZONE = "Asia/Makassar"
    return settings


@pytest.mark.parametrize("zone, shown", [
    ("Asia/Jakarta", "2 Jan 2026 06:00 WIB"),
    ("Asia/Pontianak", "2 Jan 2026 06:00 WIB"),
    ("Asia/Makassar", "2 Jan 2026 07:00 WITA"),
    ("Asia/Jayapura", "2 Jan 2026 08:00 WIT"),
])
def test_local_datetime_shows_the_installations_zone_and_abbreviation(settings, zone, shown):
    settings.TIME_ZONE = zone
    assert render("{{ t|local_datetime }}", t=MOMENT) == shown


def test_local_datetime_takes_a_format_and_shows_nothing_for_no_time(baubau):
    assert render('{{ t|local_datetime:"d/m/Y H:i" }}', t=MOMENT) == "02/01/2026 07:00 WITA"
    assert render('{{ t|local_datetime:"j F Y, H.i" }}', t=MOMENT) == "2 Januari 2026, 07.00 WITA"
    assert render("[{{ t|local_datetime }}]", t=None) == "[]"


def test_report_cells_show_the_zone(baubau):
    assert display(MOMENT) == "02/01/2026 07:00 WITA"


def test_my_keys_page_shows_when_a_key_was_made_in_wita(baubau, client, requester, granted_request):
    key = granted_request.grant.keys.get()
    type(key).objects.filter(pk=key.pk).update(created_at=MOMENT)
    client.force_login(requester)
    page = client.get("/kunci-saya/").content.decode()
    assert "2 Jan 2026 07:00 WITA" in page


def reinstall_schedule():
    PeriodicTask.objects.all().delete()
    CrontabSchedule.objects.all().delete()
    schedule_migration.install(apps, None)


def crontab_of(task):
    return PeriodicTask.objects.get(task=task).crontab


def test_default_schedule_is_installed_in_the_installations_zone(baubau, db):
    reinstall_schedule()
    assert {str(c.timezone) for c in CrontabSchedule.objects.all()} == {"Asia/Makassar"}


def test_reminders_run_at_seven_in_the_morning_wita_on_the_local_date(baubau, admin_user):
    baubau.SITE_URL = "https://splp.baubaukota.go.id"
    reinstall_schedule()
    schedule = crontab_of("monitoring.reminders.send_reminders_task").schedule
    last_run = datetime.datetime(2026, 5, 29, 23, 0, tzinfo=UTC)  # 07:00 WITA on 30 May
    with time_machine.travel(datetime.datetime(2026, 5, 30, 22, 59, tzinfo=UTC), tick=False):
        assert not schedule.is_due(last_run).is_due  # 06:59 WITA
    # 07:00 WITA on 31 May, 30 days before the half-year ends; still 30 May in UTC and 31 days before.
    with time_machine.travel(datetime.datetime(2026, 5, 30, 23, 0, tzinfo=UTC), tick=False):
        assert schedule.is_due(last_run).is_due
        send_reminders_task()
    [message] = mail.outbox
    assert "Semester 1 tahun 2026" in message.body and "30 hari lagi" in message.body
    assert "https://splp.baubaukota.go.id/admin/" in message.body


def test_yearly_report_runs_on_2_january_wita_for_the_year_before(baubau, admin_user):
    reinstall_schedule()
    schedule = crontab_of("monitoring.reports.generate_annual_monev_report_task").schedule
    last_run = datetime.datetime(2025, 1, 1, 19, 0, tzinfo=UTC)  # 03:00 WITA on 2 January 2025
    with time_machine.travel(datetime.datetime(2026, 1, 1, 18, 59, tzinfo=UTC), tick=False):
        assert not schedule.is_due(last_run).is_due
    with time_machine.travel(datetime.datetime(2026, 1, 1, 19, 0, tzinfo=UTC), tick=False):  # still 1 Jan in UTC
        assert schedule.is_due(last_run).is_due
        generate_annual_monev_report_task()
    report = MonevReport.objects.get()
    assert (report.period_start, report.period_end) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def test_upgrade_moves_the_old_fixed_zone_to_the_installations_zone(baubau, db):
    # As installed before SPLP_TIME_ZONE existed: every crontab row in Asia/Jakarta.
    CrontabSchedule.objects.update(timezone="Asia/Jakarta")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": MOMENT})
    zone_migration.move_to_local_zone(apps, None)
    assert {str(c.timezone) for c in CrontabSchedule.objects.all()} == {"Asia/Makassar"}
    assert PeriodicTasks.objects.get(ident=1).last_update > MOMENT  # beat reloads the schedule


def test_upgrade_leaves_a_wib_installation_alone(settings, db):
    settings.TIME_ZONE = "Asia/Jakarta"
    before = sorted(CrontabSchedule.objects.values_list("id", "timezone"))
    zone_migration.move_to_local_zone(apps, None)
    assert sorted(CrontabSchedule.objects.values_list("id", "timezone")) == before


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"])
def test_dates_django_renders_by_default_carry_the_same_abbreviation(settings, zone):
    # The admin's date-time fields use the time zone database's name (format "T"): it must agree with ours.
    settings.TIME_ZONE = zone
    assert render("{{ t }}", t=MOMENT).endswith(" " + ZONE_ABBREVIATIONS[zone])


def test_audit_trail_in_the_admin_shows_wita(baubau, client, admin_user, submitted_request):
    AuditEvent.objects.update(created_at=MOMENT)
    client.force_login(admin_user)
    page = client.get("/admin/splp/auditevent/").content.decode()
    assert ", 02/01/2026 07:00 WITA</a>" in page
