"""The Dinas' Pasal 8 and 9 targets and thresholds become data (monitoring.rules), seeded with the values the
code used until now: the regulation's minimums and the 90 days of an unused grant."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Frozen here (not imported from monitoring.rules): a migration seeds what was true when it was written.
SEED = {"pembinaan_per_year": 2, "pengawasan_per_year": 2, "monev_per_year": 1, "unused_days": 90,
        "reminder_days_before": 30}


def seed(apps, schema_editor):
    MonevRules = apps.get_model("monitoring", "MonevRules")
    if not MonevRules.objects.exists():
        MonevRules.objects.create(**SEED)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0011_incident_reminder_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='finding',
            name='kind',
            field=models.CharField(choices=[('refused_calls', 'Repeated refused calls (401/403)'), ('rate_limited', 'Rate limit hits'), ('not_granted', 'Calls to operations not granted'), ('spike', "Sudden spike against the requester's baseline"), ('unused_grant', 'Grant unused for a long time'), ('inactive_key', 'Calls with a revoked or expired key')], max_length=20, verbose_name='kind'),
        ),
        migrations.CreateModel(
            name='MonevRules',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pembinaan_per_year', models.PositiveSmallIntegerField(help_text='Socialisation and training together (Pasal 8(3): at least 2). Each half-year is expected to hold half of them, rounded down.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(52)], verbose_name='coaching activities a year')),
                ('pengawasan_per_year', models.PositiveSmallIntegerField(help_text='Pasal 8(6): at least 2. Each half-year is expected to hold half of them, rounded down.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(52)], verbose_name='supervision activities a year')),
                ('monev_per_year', models.PositiveSmallIntegerField(choices=[(1, 'One report covering the whole year'), (2, 'One report per half-year'), (3, 'One report per four months'), (4, 'One report per quarter'), (6, 'One report per two months'), (12, 'One report per month')], help_text='Pasal 9(2): at least once a year. A year is done when final reports cover each of its parts.', verbose_name='monitoring and evaluation reports a year')),
                ('unused_days', models.PositiveSmallIntegerField(help_text="Used by the supervision findings and by the report's connector evaluation (Pasal 9(3)b).", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3650)], verbose_name='days without a call before a grant counts as unused')),
                ('reminder_days_before', models.PositiveSmallIntegerField(help_text='Administrators are reminded this many days before a half-year ends with coaching or supervision below target, and before the year ends without its final report.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(180)], verbose_name='reminder lead time (days)')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
            ],
            options={
                'verbose_name': 'Pasal 8 and 9 rules',
                'verbose_name_plural': 'Pasal 8 and 9 rules',
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
