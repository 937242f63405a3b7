import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from monitoring.rollups import rollup_pending, rollup_range


def _moment(value):
    """A date (its midnight, in the server's time zone) or an ISO date-time."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"Not a date or date-time: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM).")
        moment = datetime.datetime.combine(day, datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Roll the request log up into hourly usage rollups. Without options: the pending complete hours "
        "(what the hourly Celery job does). With --from/--to: recompute that range (backfill; idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first hour to recompute (date or date-time)")
        parser.add_argument("--to", dest="end", help="end of the range, exclusive (default: now)")

    def handle(self, *args, start=None, end=None, **options):
        if start is None and end is not None:
            raise CommandError("--to needs --from.")
        if start is None:
            hours, rows = rollup_pending()
        else:
            start, end = _moment(start), _moment(end) if end else timezone.now()
            if end <= start:
                raise CommandError("--to must be after --from.")
            hours, rows = rollup_range(start=start, end=end)
        self.stdout.write(f"{hours} hours rolled up ({rows} log rows).")
