"""Schedules the worker heartbeat every minute (the system status page and /metrics read its row)."""

from django.db import migrations

NAME = "Detak worker dan beat"
TASK = "monitoring.heartbeat.heartbeat_task"


def install(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return  # the Dinas may have edited it: leave it alone
    interval, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    # Expires before the next one is sent: a backlog of stale heartbeats would only hide a late worker.
    PeriodicTask.objects.create(name=NAME, task=TASK, interval=interval, expire_seconds=55)


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_status_heartbeat_upstream_errors"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, uninstall)]
