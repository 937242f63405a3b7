"""Installs the default schedule of the periodic jobs; the Dinas edits it in the admin afterwards.

Times are in the installation's zone (settings.TIME_ZONE, SPLP_TIME_ZONE): reminders at 07:00 local.
"""

from django.conf import settings
from django.db import migrations

# name, task, schedule: ("every", seconds) or ("cron", minute, hour, day_of_month, month_of_year)
JOBS = [
    ("Kuras log permintaan bus", "monitoring.tasks.drain_request_log_task", ("every", 5)),
    ("Rollup log per jam", "monitoring.rollups.rollup_request_log_task", ("cron", "5", "*", "*", "*")),
    ("Cek kesehatan upstream harian", "monitoring.health.check_upstream_health_task", ("cron", "0", "1", "*", "*")),
    ("Kedaluwarsakan hak akses", "monitoring.reminders.expire_grants_task", ("cron", "30", "0", "*", "*")),
    ("Deteksi temuan pengawasan", "monitoring.findings.detect_findings_task", ("cron", "0", "2", "*", "*")),
    ("Hapus log mentah lama", "monitoring.rollups.purge_request_log_task", ("cron", "30", "3", "*", "*")),
    ("Pengingat pembinaan, pengawasan, Monev, dan akses", "monitoring.reminders.send_reminders_task",
     ("cron", "0", "7", "*", "*")),
    ("Ringkasan penggunaan bulanan", "monitoring.usage.send_usage_summary_task", ("cron", "0", "6", "1", "*")),
    ("Laporan Monev tahunan", "monitoring.reports.generate_annual_monev_report_task", ("cron", "0", "3", "2", "1")),
]


def install(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, task, schedule in JOBS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue  # the Dinas may have edited it: leave it alone
        if schedule[0] == "every":
            interval, _ = IntervalSchedule.objects.get_or_create(every=schedule[1], period="seconds")
            PeriodicTask.objects.create(name=name, task=task, interval=interval)
        else:
            minute, hour, day_of_month, month_of_year = schedule[1:]
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                day_of_week="*", timezone=settings.TIME_ZONE,
            )
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab)


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[j[0] for j in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_monitoring_models"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, uninstall)]
