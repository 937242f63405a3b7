"""How a report's values read: typed cells (a traffic light, a percentage) and their text in Indonesian
formatting, dates and moments, choice labels, the file name of a download."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _, pgettext

from splp.timezones import format_local

from ..models import ReportStatusChoices

CTX = "monitoring-report"


def P(text):
    """The report's own strings carry the msgctxt "monitoring-report"."""
    return pgettext(CTX, text)


@dataclass(frozen=True)
class Light:
    """A traffic light cell: green, amber or red."""

    colour: str

    @property
    def label(self):
        return {"green": P("Met"), "amber": P("Not yet met"), "red": P("Not met")}.get(self.colour, self.colour)


@dataclass(frozen=True)
class Percent:
    value: float | None


def display(value):
    """A typed cell as text, Indonesian formatting (1.234,5; 31/12/2026)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Light):
        return str(value.label)
    if isinstance(value, Percent):
        if value.value is None:
            return "–"
        return number_format(value.value, decimal_pos=2, use_l10n=True, force_grouping=True) + "%"
    if isinstance(value, bool):
        return P("Yes") if value else P("No")
    if isinstance(value, int):
        return number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, float):
        decimals = 0 if value == int(value) else 1
        return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime.datetime):
        return format_local(value, "d/m/Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d/m/Y")
    return str(value)


def local_moment(value):
    """A moment for a person: local date and time with the zone's abbreviation ("29/11/2026 21:50 WIB")."""
    return format_local(value, "d/m/Y H:i")


def data_as_of(value):
    """"Data up to <moment>": the last moment the figures cover."""
    return _("Data up to %(moment)s") % {"moment": local_moment(value)}


def report_data_as_of(report):
    """The moment a report's figures cover (None for reports generated before it was recorded)."""
    return as_datetime(report.figures.get("data_as_of"))


def plain(value):
    """A typed cell as a spreadsheet value (numbers stay numbers, dates stay dates)."""
    if isinstance(value, Light):
        return str(value.label)
    if isinstance(value, Percent):
        return value.value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def as_datetime(text):
    return datetime.datetime.fromisoformat(text) if text else None


def as_date(text):
    return datetime.date.fromisoformat(text) if text else None


def choice_label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def month_label(text, short=False):
    return date_format(as_date(text), "M" if short else "M Y")


def month_labels(months):
    """Chart labels: "Jan", "Feb"... within one year, "Jan 2026"... across years."""
    one_year = len({m["month"][:4] for m in months}) <= 1
    return [(month_label(m["month"], short=one_year), m["calls"]) for m in months]


def incident_state(state):
    return {"on_time": P("On time"), "late": P("Late"), "running": P("Not notified yet, within the deadline"),
            "overdue": P("Not notified, deadline passed")}.get(state, state)


def connector_state(state):
    return {"active": P("Active"), "revoked": P("Revoked"), "expired": P("Expired")}.get(state, state)


def report_status(report):
    return choice_label(ReportStatusChoices, report.status)


def filename(report, extension):
    return f"laporan-monev-splp-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}-{report.pk}.{extension}"
