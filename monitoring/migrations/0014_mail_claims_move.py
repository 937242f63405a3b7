"""The reminders and the usage summary now claim their e-mail in splp.MailClaim (splp.mail): what was sent
before is copied there, so nothing goes out a second time after the upgrade."""

from django.db import migrations


def copy_claims(apps, schema_editor):
    ReminderLog = apps.get_model("monitoring", "ReminderLog")
    MailClaim = apps.get_model("splp", "MailClaim")
    MailClaim.objects.bulk_create(
        [MailClaim(kind=log.kind, key=log.period_key, claimed_at=log.sent_at, sent_at=log.sent_at,
                   recipients=log.recipients) for log in ReminderLog.objects.iterator()],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0013_monev_narrative"),
        ("splp", "0005_mail_claim"),
    ]

    operations = [migrations.RunPython(copy_claims, migrations.RunPython.noop)]
