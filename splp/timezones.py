"""The installation's time zone, shown the way Indonesian readers expect: "2 Jan 2026 07:00 WITA".

The zone is ``settings.TIME_ZONE`` (SPLP_TIME_ZONE), one of Indonesia's three legal zones (Keppres 41/1987).
Templates use the ``local_datetime`` filter (``{% load splp_time %}``); Python code calls ``format_local``.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format

# Indonesia's zones in the IANA database and their legal abbreviations. Only these are accepted: every one
# is a whole-hour offset, so the request log's UTC-hour rollups are local hours too.
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
DEFAULT_FORMAT = "j M Y H:i"


def zone_abbreviation():
    """WIB, WITA or WIT: the abbreviation of the installation's zone."""
    return ZONE_ABBREVIATIONS[settings.TIME_ZONE]


def format_local(value, fmt=DEFAULT_FORMAT):
    """An aware datetime in the installation's zone, ``fmt`` (Django date format) then the abbreviation."""
    if value is None:
        return ""
    local = timezone.localtime(value, timezone.get_default_timezone())
    return f"{date_format(local, fmt)} {zone_abbreviation()}"
