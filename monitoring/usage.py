"""Usage figures for administrators (every API) and publishers (their own APIs): the daily figures of the
usage API, and the monthly summary e-mailed to them."""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_noop as N_

from directory.audiences import administrators, emails, publisher_organizations
from directory.models import ApiService, Organization
from directory.selectors import is_administrator, publisher_org_ids
from splp.mail import send_each_once

from .models import UsageRollup
from .monev.periods import period_bounds
from .rollups import live_since, usage_by

MAX_RANGE_DAYS = 366
DAY_FIELDS = (
    "calls", "status_2xx", "status_4xx", "status_5xx", "errors", "refusals", "refused_401", "refused_403",
    "refused_429", "latency_p50_ms", "latency_p95_ms",
)


def _own_service_ids(user):
    """None for administrators (every API), else the ids of the APIs of the user's publishing organisations;
    anyone else is refused."""
    if is_administrator(user):
        return None
    organizations = publisher_org_ids(user)
    if not organizations:
        raise PermissionDenied(_("Usage figures are for the Dinas administrators and the publishers of the APIs."))
    return list(ApiService.objects.filter(owner_id__in=organizations).values_list("id", flat=True))


EMPTY_DAY = {name: (None if name.startswith("latency") else 0) for name in DAY_FIELDS}


def _figures(row):
    return {name: row[name] for name in DAY_FIELDS}


def usage_daily(
    *, user: User, date_from: datetime.date, date_to: datetime.date, api: str | None = None,
    organization: str | None = None, now: datetime.datetime | None = None,
) -> dict:
    """Calls, errors by class, the bus' refusals and latency p50/p95 per local day of [date_from, date_to],
    every day listed; the calls drained seconds ago included (monitoring.rollups.usage_by). ``api`` (slug)
    and ``organization`` (the calling organisation's code) narrow it. Another publisher's API is a 404, as
    if it did not exist."""
    now = now or timezone.now()
    own = _own_service_ids(user)
    filters = {}
    if own is not None:
        filters["service_id__in"] = own
    if api:
        service = ApiService.objects.filter(slug=api, **({} if own is None else {"id__in": own})).first()
        if service is None:
            raise Http404(_("No API with this slug among those whose usage you may see."))
        filters = {"service_id": service.pk}
    if organization:
        org_id = Organization.objects.filter(code=organization).values_list("id", flat=True).first()
        if org_id is None:
            raise Http404(_("No organisation with this code."))
        filters["organization_id"] = org_id
    start, end = period_bounds(date_from, date_to)
    live_from = live_since(now=now)
    by_day = {row["day"]: row for row in usage_by(start=start, end=end, by_day=True, live_from=live_from, **filters)}
    total = usage_by(start=start, end=end, live_from=live_from, **filters)[0]
    days = [date_from + datetime.timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    return {
        "from": date_from, "to": date_to, "time_zone": settings.TIME_ZONE,
        "data_as_of": min(end, now), "api": api or None, "organization": organization or None,
        "total": _figures(total),
        "days": [{"date": day, **(_figures(by_day[day]) if day in by_day else EMPTY_DAY)} for day in days],
    }


def consumers_daily(*, service_id: int, date_from: datetime.date, date_to: datetime.date,
                    now: datetime.datetime | None = None) -> dict:
    """How many requesting organisations called an API, per local day of [date_from, date_to] and over the
    whole range (``total``). The caller has checked that the user may see this API (usage_daily)."""
    start, end = period_bounds(date_from, date_to)
    rows = usage_by(start=start, end=end, fields=("organization_id",), by_day=True, live_from=live_since(now=now),
                    service_id=service_id, organization_id__isnull=False)
    by_day, everyone = {}, set()
    for row in rows:
        if row["calls"]:
            by_day.setdefault(row["day"], set()).add(row["organization_id"])
            everyone.add(row["organization_id"])
    return {"total": len(everyone), "days": {day: len(organizations) for day, organizations in by_day.items()}}


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = today.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1), first


def usage_by_service(start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """Per API: calls, errors (5xx) and refusals (401/403/429) in [start, end), from the rollups."""
    rows = (
        UsageRollup.objects.filter(hour__gte=start, hour__lt=end, service__isnull=False)
        .values("service_id", "service__name", "service__owner_id")
        .annotate(calls=Sum("calls"), errors=Sum("status_5xx"), r401=Sum("refused_401"),
                  r403=Sum("refused_403"), r429=Sum("refused_429"))
        .order_by("-calls")
    )
    return [dict(r, refusals=r["r401"] + r["r403"] + r["r429"]) for r in rows]


def usage_summary_send(*, today: datetime.date | None = None) -> int:
    """Send last month's summary once (splp.mail.send_each_once). Returns the number of e-mails."""
    today = today or timezone.localdate()
    first, next_first = previous_month(today)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tz)
    end = datetime.datetime.combine(next_first, datetime.time.min, tz)
    rows = usage_by_service(start, end)
    # e-mail -> the rows that person may see: every API for an administrator, else its organisations' APIs.
    admins = set(emails(administrators()))
    recipients = {email: rows for email in admins}
    for email, organization_ids in publisher_organizations().items():
        if email not in admins:
            recipients[email] = [r for r in rows if r["service__owner_id"] in organization_ids]
    return send_each_once(
        "usage_summary", f"{first:%Y-%m}",
        {email: {"rows": own, "month": first} for email, own in recipients.items()},
        subject=N_("Usage summary %(month)s"), subject_args={"month": f"{first:%m/%Y}"},
        template="emails/usage_summary.txt",
    )


@shared_task
def send_usage_summary_task() -> int:
    return usage_summary_send()
