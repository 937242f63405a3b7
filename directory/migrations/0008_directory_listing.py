"""The directory at 100,000 APIs: a listed flag the publishing services keep (backfilled here) with partial
indexes, and a stored upper-cased search text with a trigram index in place of 0007's on the description.
0007's index on UPPER(name) stays: besides serving name matches, it gives the planner statistics on that
expression (without them it takes "data" for a rare name match and scans every row for a search page)."""

import importlib

import django.db.models.functions.text
from django.db import migrations, models

trigram_0007 = importlib.import_module("directory.migrations.0007_search_trigram_indexes")
LIVE_STATUSES = ("published", "deprecated")


def mark_listed(apps, schema_editor):
    ApiService = apps.get_model("directory", "ApiService")
    ApiVersion = apps.get_model("directory", "ApiVersion")
    live = ApiVersion.objects.filter(service=models.OuterRef("pk"), status__in=LIVE_STATUSES)
    ApiService.objects.filter(models.Exists(live)).update(is_listed=True)


def index_search_text(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS directory_service_description_trgm")
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is not None:  # 0007 warned when it could not be created
            cursor.execute(
                "CREATE INDEX directory_service_search_trgm ON directory_apiservice USING gin (search_text gin_trgm_ops)"
            )


def unindex_search_text(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS directory_service_search_trgm")
    trigram_0007.create_indexes(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0007_search_trigram_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='apiservice',
            name='is_listed',
            field=models.BooleanField(default=False, editable=False, help_text='Has a published or deprecated version.', verbose_name='listed in the directory'),
        ),
        migrations.RunPython(mark_listed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='apiservice',
            index=models.Index(condition=models.Q(('is_listed', True)), fields=['name', 'id'], name='directory_service_listed'),
        ),
        migrations.AddIndex(
            model_name='apiservice',
            index=models.Index(condition=models.Q(('is_listed', True)), fields=['theme', 'name', 'id'], name='directory_service_listed_theme'),
        ),
        migrations.AddField(
            model_name='apiservice',
            name='search_text',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.text.Upper(django.db.models.functions.text.Concat('name', models.Value('\n'), 'description', output_field=models.TextField())), output_field=models.TextField()),
        ),
        migrations.RunPython(index_search_text, unindex_search_text),
    ]
