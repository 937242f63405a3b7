"""API tokens moved from rest_framework.authtoken (kept in clear, never expiring) to django-rest-knox (hashed,
expiring). The old table held live credentials in clear: drop it, and forget its migrations so the app could be
installed again from scratch. Its users log in again for a new token."""

from django.db import migrations

FORWARD = [
    "DROP TABLE IF EXISTS authtoken_token",
    "DELETE FROM django_migrations WHERE app = 'authtoken'",
]


class Migration(migrations.Migration):
    dependencies = [("splp", "0001_initial")]

    operations = [migrations.RunSQL(sql, reverse_sql=migrations.RunSQL.noop) for sql in FORWARD]
