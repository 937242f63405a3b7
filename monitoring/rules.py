"""The Pasal 8 and 9 duties of the Dinas in one place: its targets and thresholds, the activity categories,
and when a duty is met. Every page, reminder and report asks this module (docs/regulation.md points here).

The numbers are data: one ``MonevRules`` row, seeded with the regulation's minimums (``DEFAULTS``) and
edited by administrators through ``monev_rules_update``, which audits the old and new values.

- Pasal 8: coaching (pembinaan = sosialisasi + pelatihan) and supervision (pengawasan), counted from the
  activity register against ``pembinaan_per_year`` and ``pengawasan_per_year`` (at least 2 each). Each
  half-year is expected to hold half of the year's target (rounded down), so the duty is spread over the year.
- Pasal 9: monitoring and evaluation, at least ``monev_per_year`` (1) a year. A year is done when final
  Laporan Monitoring dan Evaluasi cover it: the year is cut into ``monev_per_year`` equal parts (1: the whole
  year) and each part lies inside the period of a final report. The final report is the evidence, not a
  "monev" entry in the activity register: Pasal 9(3) asks for monitoring through the log and an evaluation
  of every connector, which is what the report's frozen figures are and what the Dinas signs by finalising
  it; a meeting in the register proves neither. Such entries stay in the register, listed, not counted.
- ``unused_days`` (90): a grant without a call for that many days is unused, for the supervision findings
  and for the report's evaluation of the connectors alike.
- ``reminder_days_before`` (30): how early administrators are reminded of a half-year below the Pasal 8
  targets and of a year without its Pasal 9 report (1 December, for 30).
"""

import calendar
import datetime

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext_lazy

from directory.selectors import is_administrator
from splp.audit import AuditAction, settings_row_update
from splp.workflow import lock, require

from .models import (
    Activity,
    ActivityKindChoices as AK,
    MonevReport,
    MonevRules,
    ReportStatusChoices,
)

# Today's values of the regulation (Perwali Baubau 32/2024 and Perbup Bungo 28/2024 alike); the data
# migration seeds them, and they stand in when the row is missing (a database flushed after migrating).
DEFAULTS = {
    "pembinaan_per_year": 2,
    "pengawasan_per_year": 2,
    "monev_per_year": 1,
    "unused_days": 90,
    "reminder_days_before": 30,
}
RULE_FIELDS = tuple(DEFAULTS)

GREEN, AMBER, RED = "green", "amber", "red"
_WORST = {GREEN: 0, AMBER: 1, RED: 2}


class ActivityCategoryChoices(models.TextChoices):
    """The duties the register's activities count for; the keys of every status and report figure."""

    PEMBINAAN = "pembinaan", pgettext_lazy("monitoring-pasal8", "Coaching")
    PENGAWASAN = "pengawasan", pgettext_lazy("monitoring-pasal8", "Supervision")
    MONEV = "monev", pgettext_lazy("monitoring-pasal8", "Monitoring and evaluation")


CATEGORY_KINDS = {
    ActivityCategoryChoices.PEMBINAAN: (AK.SOSIALISASI, AK.PELATIHAN),
    ActivityCategoryChoices.PENGAWASAN: (AK.PENGAWASAN,),
    ActivityCategoryChoices.MONEV: (AK.MONEV,),
}


def category_label(category) -> str:
    """The category's label; an unknown key (from figures of another version) as it is."""
    try:
        return str(ActivityCategoryChoices(category).label)
    except ValueError:
        return category


# -- The numbers -----------------------------------------------------------------------------------


def current() -> MonevRules:
    """The Dinas' rules; the defaults when the row is missing."""
    return MonevRules.objects.order_by("pk").first() or MonevRules(**DEFAULTS)


def snapshot(rules: MonevRules | None = None) -> dict:
    """The numbers as plain JSON: frozen into a report's figures, so it states what it was judged by."""
    rules = rules or current()
    return {name: getattr(rules, name) for name in RULE_FIELDS}


def of_figures(figures: dict) -> dict:
    """The numbers a stored report was computed with. Figures frozen before the numbers were data hold
    none: they were computed with the regulation's values, the defaults."""
    return {**DEFAULTS, **figures.get("rules", {})}


@transaction.atomic
def monev_rules_update(*, actor, rules: MonevRules, **fields) -> MonevRules:
    """An administrator changes the targets or thresholds (``RULE_FIELDS``). Pages, reminders and new reports
    use them at once; finalised reports keep the numbers they were computed with."""
    require(is_administrator(actor), _("Only a Dinas administrator can change the Pasal 8 and 9 rules."))
    rules = lock(MonevRules, rules.pk)
    return settings_row_update(rules, actor=actor, action=AuditAction.MONEV_RULES_UPDATE, names=RULE_FIELDS,
                               values=fields)


# -- Pasal 8 ---------------------------------------------------------------------------------------


def pasal8_targets(rules: MonevRules) -> tuple[dict, dict]:
    """({category: minimum a year}, {category: minimum a half-year}); a half-year target of 0 is left out."""
    year = {ActivityCategoryChoices.PEMBINAAN.value: rules.pembinaan_per_year,
            ActivityCategoryChoices.PENGAWASAN.value: rules.pengawasan_per_year}
    half = {category: target // 2 for category, target in year.items() if target // 2}
    return year, half


def _light(count, target, *, end, today, expected_by_now=0):
    if count >= target:
        return GREEN
    if end < today or count < expected_by_now:
        return RED
    return AMBER


def half_year_of(day):
    """("h1" | "h2", start, end) of the half-year holding ``day``."""
    if day.month <= 6:
        return "h1", datetime.date(day.year, 1, 1), datetime.date(day.year, 6, 30)
    return "h2", datetime.date(day.year, 7, 1), datetime.date(day.year, 12, 31)


def pasal8_status(*, year, today=None, rules: MonevRules | None = None):
    """Counts of the year's activities against the Pasal 8 targets, per half-year and for the year.

    Two queries (the rules, one aggregate). Returns a plain dict (dates are ``datetime.date``)::

        {
          "year": 2026,
          "as_of": date(2026, 5, 10),             # the day the lights are judged at
          "light": "amber",                       # the worst light of the year's categories
          "counts_by_kind": {"sosialisasi": 1, "pelatihan": 0, "pengawasan": 1, "monev": 0},
          "periods": {
            "h1": {"start": date(2026, 1, 1), "end": date(2026, 6, 30), "light": "green",
                   "categories": {"pembinaan": {"count": 1, "target": 1, "light": "green"},
                                  "pengawasan": {"count": 1, "target": 1, "light": "green"}},
                   "counts_by_kind": {...}},
            "h2": {... same shape, 1 Jul - 31 Dec ...},
            "year": {"start": date(2026, 1, 1), "end": date(2026, 12, 31), "light": "amber",
                     "categories": {"pembinaan": {"count": 1, "target": 2, "light": "amber"},
                                    "pengawasan": {...}},
                     "counts_by_kind": {...}},
          },
        }

    "pembinaan" counts sosialisasi + pelatihan; "monev" entries are counted by kind only (Pasal 9 is judged
    by ``pasal9_status``). Lights: ``green`` the target is met; ``amber`` not yet met while the period is
    still open (or not begun); ``red`` the period ended below target, or the year is behind its half-year
    pace (the first half-year is over with fewer than its target: the year's count is below what the
    half-year targets asked by now).
    """
    today = today or timezone.localdate()
    year_targets, half_targets = pasal8_targets(rules or current())
    half_split = datetime.date(year, 7, 1)
    bounds = {
        "h1": (datetime.date(year, 1, 1), datetime.date(year, 6, 30)),
        "h2": (half_split, datetime.date(year, 12, 31)),
        "year": (datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
    }
    aggregates = {}
    for key, (start, end) in bounds.items():
        in_period = models.Q(date__gte=start, date__lte=end)
        for kind in AK.values:
            aggregates[f"{key}__{kind}"] = models.Count("id", filter=in_period & models.Q(kind=kind))
    row = Activity.objects.filter(date__year=year).aggregate(**aggregates)

    periods = {}
    for key, (start, end) in bounds.items():
        by_kind = {kind: row[f"{key}__{kind}"] for kind in AK.values}
        targets = year_targets if key == "year" else half_targets
        categories = {}
        for category, target in targets.items():
            count = sum(by_kind[kind] for kind in CATEGORY_KINDS[category])
            expected = 0
            if key == "year" and category in half_targets and bounds["h1"][1] < today:
                expected = half_targets[category]  # the first half-year is over
            categories[category] = {
                "count": count, "target": target,
                "light": _light(count, target, end=end, today=today, expected_by_now=expected),
            }
        periods[key] = {
            "start": start, "end": end, "categories": categories, "counts_by_kind": by_kind,
            "light": max((c["light"] for c in categories.values()), key=_WORST.__getitem__, default=GREEN),
        }
    return {
        "year": year,
        "as_of": today,
        "light": periods["year"]["light"],
        "counts_by_kind": periods["year"]["counts_by_kind"],
        "periods": periods,
    }


# -- Pasal 9 ---------------------------------------------------------------------------------------


def monev_parts(year, parts):
    """The ``parts`` equal periods of the year, [(first day, last day)], each a final report must cover."""
    months = 12 // parts
    bounds = []
    for index in range(parts):
        first_month, last_month = index * months + 1, (index + 1) * months
        bounds.append((datetime.date(year, first_month, 1),
                       datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])))
    return bounds


def pasal9_status(*, year, reports=None, rules: MonevRules | None = None):
    """Whether final monitoring and evaluation reports cover the year (see the module's docstring).

    ``reports``: the reports touching the year, in the order the page shows them (queried, newest first,
    when None). Returns ``{"year", "count", "target", "light", "report"}``: ``count`` of the ``target``
    parts are covered by a final report; ``green`` every part is, ``amber`` a report touches the year (a
    draft, or final for too little of it), ``red`` none does. ``report`` is the one to open: a covering
    final report when green, else the first touching one, else None.
    """
    rules = rules or current()
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if reports is None:
        reports = MonevReport.objects.filter(period_start__lte=last, period_end__gte=first).order_by(
            "-period_end", "-generated_at")
    touching = [r for r in reports if r.period_start <= last and r.period_end >= first]
    final = [r for r in touching if r.status == ReportStatusChoices.FINAL]
    parts = monev_parts(year, rules.monev_per_year)

    def covers(report, part):
        return report.period_start <= part[0] and report.period_end >= part[1]

    count = sum(1 for part in parts if any(covers(r, part) for r in final))
    if count == len(parts):
        light, report = GREEN, next(r for r in final if any(covers(r, part) for part in parts))
    elif touching:
        light, report = AMBER, touching[0]
    else:
        light, report = RED, None
    return {"year": year, "count": count, "target": len(parts), "light": light, "report": report}

