from django.conf import settings
from django.core.management.base import BaseCommand

from monitoring.rollups import DEFAULT_RETENTION_DAYS, request_log_purge


class Command(BaseCommand):
    help = (
        "Delete raw request-log rows older than SPLP_LOG_RETENTION_DAYS, whole batches whose hours are rolled "
        "up only (what the daily Celery job does). Rollups and the batches' hash chain are kept."
    )

    def handle(self, *args, **options):
        batches, rows = request_log_purge()
        days = getattr(settings, "SPLP_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
        self.stdout.write(f"{rows} log rows of {batches} batches older than {days} days deleted.")
