"""The Pasal 6(5) interoperability standard becomes the Dinas' data (directory.interop, InteropStandard), seeded
as version 1 with the checklist the code applied until now; each check result records the version applied."""

import directory.interop
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Frozen here (not imported from directory.interop): a migration seeds what was true when it was written.
BLOCKING_ON = {"enabled": True, "severity": "blocking"}
WARNING_OFF = {"enabled": False, "severity": "warning"}
SEED = {
    "version": 1,
    "allowed_media_types": ["application/json", "*/*+json"],
    "rules": {
        **{code: BLOCKING_ON for code in ("valid_document", "has_operations", "summaries", "success_schema",
                                          "json_media", "versioned", "https_upstream")},
        "security_scheme": WARNING_OFF,
        "error_schema": WARNING_OFF,
    },
}


def seed(apps, schema_editor):
    InteropStandard = apps.get_model("directory", "InteropStandard")
    if not InteropStandard.objects.exists():
        InteropStandard.objects.create(**SEED)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0011_version_sunset'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='apiversion',
            name='interop_standard_version',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='interoperability standard version applied'),
        ),
        migrations.CreateModel(
            name='InteropStandard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('allowed_media_types', models.JSONField(help_text='One per line; * matches anything, e.g. */*+json. Legacy services: application/xml, text/xml, */*+xml; documents: application/pdf.', validators=[directory.interop.validate_media_types], verbose_name='allowed media types')),
                ('rules', models.JSONField(validators=[directory.interop.validate_rules], verbose_name='rules')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
            ],
            options={
                'verbose_name': 'Interoperability standard',
                'verbose_name_plural': 'Interoperability standard',
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
