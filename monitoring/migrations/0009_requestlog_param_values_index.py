"""The identifier lookup on PostgreSQL reads an index of every hash a log row carries (path, query and
unmatched segments alike) instead of scanning a year of rows. The expression must stay the one
monitoring.services.PARAM_VALUES builds, or the planner cannot use the index. SQLite scans (embedded use)."""

from django.db import migrations

INDEX = "monitoring_requestlog_param_values"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON monitoring_requestlog USING gin "
            "((jsonb_path_query_array(params, 'strict $.** ? (@.type() == \"string\")')) jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0008_requestlog_params'),
    ]

    operations = [migrations.RunPython(create, drop)]
