from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from django.utils import timezone
from django_celery_beat.models import PeriodicTask


class Command(BaseCommand):
    help = (
        "Exit with an error unless Celery beat has sent a scheduled job within --max-age seconds: the health "
        "check of the beat service. Beat records each job's last run every 3 minutes; the request-log drain "
        "runs every 5 seconds, so a running beat is never more than a few minutes behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=600, help="Seconds (default 600).")

    def handle(self, *args, max_age, **options):
        last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
        if last is None:
            raise CommandError("Celery beat has not run any scheduled job yet.")
        age = (timezone.now() - last).total_seconds()
        if age > max_age:
            raise CommandError(
                f"Celery beat last sent a scheduled job {age:.0f} s ago "
                f"({timezone.localtime(last):%Y-%m-%d %H:%M:%S %Z}), more than {max_age} s: is beat running?"
            )
        self.stdout.write(f"Celery beat sent a scheduled job {age:.0f} s ago.")
