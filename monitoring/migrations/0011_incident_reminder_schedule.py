"""Schedules the hourly reminder for personal data incidents whose notice is due (UU 27/2022 Pasal 46)."""

from django.db import migrations

NAME = "Pengingat pemberitahuan insiden data pribadi"
TASK = "monitoring.reminders.send_incident_reminders_task"


def install(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return  # the Dinas may have edited it: leave it alone
    # Hourly: the deadline is counted in hours; each reminder still goes out once per its own span.
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.create(name=NAME, task=TASK, interval=interval)


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0010_personal_data_incident"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, uninstall)]
