from django.core.management.base import BaseCommand

from monitoring.health import health_check_run


class Command(BaseCommand):
    help = "Probe every published API's upstream once (what the daily Celery job does)."

    def handle(self, *args, **options):
        checks = health_check_run()
        for check in checks:
            state = "up" if check.ok else "DOWN"
            detail = f"HTTP {check.status_code}, {check.latency_ms:.0f} ms" if check.ok else check.error
            self.stdout.write(f"{check.service.slug}: {state} ({detail})")
        self.stdout.write(f"{len(checks)} APIs checked, {sum(1 for c in checks if not c.ok)} down.")
