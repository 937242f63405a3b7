"""The signed PDF of a finalised Monev report, and the daily anchoring of the request-log chain head outside the
database (00:10 local: after the day's last drain)."""

from django.conf import settings
from django.db import migrations, models

NAME = "Jangkar rantai log permintaan harian"
TASK = "monitoring.anchors.anchor_request_log_task"


def install(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return  # the Dinas may have edited it: leave it alone
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="10", hour="0", day_of_month="*", month_of_year="*", day_of_week="*", timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.create(name=NAME, task=TASK, crontab=crontab)


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0018_policy_register"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="monevreport",
            name="signed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="signed"),
        ),
        migrations.AddField(
            model_name="monevreport",
            name="signed_by_subject",
            field=models.CharField(blank=True, max_length=500, verbose_name="signer"),
        ),
        migrations.AddField(
            model_name="monevreport",
            name="signed_pdf",
            field=models.FileField(blank=True, upload_to="monev/", verbose_name="signed PDF"),
        ),
        migrations.AddField(
            model_name="monevreport",
            name="signing_certificate",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(install, uninstall),
    ]
