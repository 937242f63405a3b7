"""Trigram GIN indexes for the directory's substring search, on PostgreSQL only.

Django's icontains on PostgreSQL is UPPER(col::text) LIKE UPPER('%term%'): these indexes are on the same
expressions. pg_trgm is created if missing; without the privilege to create it the indexes are skipped
with a warning (search stays correct, only slower), and SQLite is left alone.
"""

import warnings

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "directory_service_name_trgm": "name",
    "directory_service_description_trgm": "description",
}


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            try:
                with transaction.atomic(using=connection.alias):  # a savepoint: a refusal must not end the migration
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError as exc:
                warnings.warn(
                    f"pg_trgm is not available ({exc}); directory search runs without trigram indexes. "
                    "Ask a database superuser to run CREATE EXTENSION pg_trgm, then re-run this migration.",
                    stacklevel=1,
                )
                return
        for index, column in INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {index} ON directory_apiservice USING gin (UPPER({column}) gin_trgm_ops)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for index in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0006_directory_scale_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
