"""Moves the schedules made while the zone was fixed to Asia/Jakarta into the installation's zone.

Until SPLP_TIME_ZONE existed every crontab row was created in Asia/Jakarta, whatever the Pemda's zone: a Pemda
in WITA got its 07:00 reminders at 08:00. Rows in Asia/Jakarta are moved to settings.TIME_ZONE (nothing to
do for a Pemda in WIB); the beat scheduler is told the schedule changed.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_FIXED_ZONE = "Asia/Jakarta"


def move_to_local_zone(apps, schema_editor):
    if settings.TIME_ZONE == OLD_FIXED_ZONE:
        return
    moved = apps.get_model("django_celery_beat", "CrontabSchedule").objects.filter(
        timezone=OLD_FIXED_ZONE
    ).update(timezone=settings.TIME_ZONE)
    if moved:
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_logbatch_purged_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(move_to_local_zone, migrations.RunPython.noop)]
