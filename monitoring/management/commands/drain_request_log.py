from django.core.management.base import BaseCommand

from monitoring.services import request_log_drain


class Command(BaseCommand):
    help = "Move buffered bus calls into the request log (what the Celery task does every few seconds)."

    def handle(self, *args, **options):
        stored = request_log_drain()
        self.stdout.write(f"{stored} log rows stored.")
