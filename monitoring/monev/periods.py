"""The dates a report covers: periods given inclusive, bounded in the SPLP's time zone."""

import datetime

from django.utils import timezone


def period_bounds(period_start, period_end):
    """[start, end) as aware datetimes in the SPLP's time zone, for dates given inclusive."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period_start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def year_period(year):
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def months_between(period_start, period_end):
    month = period_start.replace(day=1)
    while month <= period_end:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def previous_year(today=None):
    today = today or timezone.localdate()
    return year_period(today.year - 1)


def local_iso(value):
    """A date or moment as the figures store it: ISO 8601, moments in local time."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()
