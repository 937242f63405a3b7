import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitoring.findings import findings_detect, previous_day


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class Command(BaseCommand):
    help = (
        "Detect misuse findings (Pasal 8(5)b) in the request log. Without dates: the previous day (what the "
        "daily Celery task does). --from/--to (inclusive local dates) give any period, e.g. a month; --by-day "
        "splits it into days like the daily task (a backfill)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=datetime.date.fromisoformat,
                            help="YYYY-MM-DD, inclusive (default: the --from day)")
        parser.add_argument("--by-day", action="store_true", help="one detection per day of the period")

    def handle(self, *args, date_from=None, date_to=None, by_day=False, **options):
        if date_from is None and date_to is None:
            periods = [previous_day()]
        else:
            if date_from is None:
                raise CommandError("--to needs --from.")
            date_to = date_to or date_from
            if date_to < date_from:
                raise CommandError("--to is before --from.")
            if by_day:
                days = (date_to - date_from).days + 1
                periods = [
                    (_day_start(date_from + datetime.timedelta(days=n)),
                     _day_start(date_from + datetime.timedelta(days=n + 1)))
                    for n in range(days)
                ]
            else:
                periods = [(_day_start(date_from), _day_start(date_to + datetime.timedelta(days=1)))]
        for start, end in periods:
            summary = findings_detect(period_start=start, period_end=end)
            self.stdout.write(
                f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M}: {summary['created']} new, "
                f"{summary['updated']} updated, {summary['unchanged']} unchanged findings."
            )
