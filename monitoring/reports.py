"""The Laporan Monitoring dan Evaluasi SPLP (Pasal 9): its figures, the services that store it, the yearly job.

``compute_figures`` reads the hourly rollups (never the raw request log) with a handful of grouped SQL
queries, so a year of rollups for a whole city stays a matter of seconds; latency percentiles come from the
summed fixed histograms. The result is plain JSON, frozen into the MonevReport when it is generated: the
report shows what was known then, whatever happens to the data afterwards.

Before it reads them, every way of generating a report (the admin's button, the command, the yearly job: all
through ``_prepare``) drains the request-log buffer and rolls up the hours of its period that are missing or
stale, so the figures include every call drained up to that moment ("data s.d." in the report).
"""

import datetime
from collections import Counter, defaultdict

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Prefetch, Q, Sum
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access.choices import WAITING_FOR_ADMINISTRATOR, AccessRequestStatusChoices
from access.models import AccessRequest, ApiKey, Grant
from directory.choices import MembershipRoleChoices
from directory.models import LIVE_STATUSES, ApiOperation, ApiService, ApiVersion, Organization, Theme
from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.context_processors import current_pemda, site_url
from splp.models import AuditEvent
from splp.timezones import format_local
from splp.workflow import TransitionError, lock, require, require_state

from . import rules
from .health import availability_by_service
from .incidents import incident_clock, notification_deadline
from .monev import document
from .models import (
    LATENCY_BUCKETS_MS,
    Activity,
    Finding,
    FindingKindChoices,
    FindingStatusChoices,
    MonevReport,
    PersonalDataIncident,
    ReminderLog,
    ReportStatusChoices,
    RequestLog,
    UsageRollup,
)
from .rollups import percentile_from_histogram, rollup_period, summary_by
from .services import request_log_drain

FIGURES_VERSION = 1
# Counted columns of a rollup, summed per group.
SUM_FIELDS = (
    "calls", "status_2xx", "status_4xx", "status_5xx", "refused_401", "refused_403", "refused_429",
    "not_granted", "inactive_key", "bytes_in", "bytes_out", "latency_sum_ms",
)
HISTOGRAM_SIZE = len(LATENCY_BUCKETS_MS) + 1
# Thresholds of the generated recommendations.
SERVER_ERROR_RATE_PCT = 1.0
AVAILABILITY_TARGET_PCT = 99.0
LIST_LIMIT = 10
SYSTEM_REPORT_CLAIM = "monev_report_auto"
# Buffered calls are drained within seconds, or after an outage of the buffer: a period that ended longer
# ago than this has nothing left in the buffer.
DRAIN_HORIZON = datetime.timedelta(days=2)
# A drain already running elsewhere is waited for, so its rows are in the report too.
DRAIN_WAIT_SECONDS = 30


# -- Periods -------------------------------------------------------------------------------------


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


# -- Rollup aggregates (SQL, grouped) ------------------------------------------------------------


def _sums():
    aggregates = {name: Sum(name) for name in SUM_FIELDS}
    aggregates["latency_max_ms"] = Max("latency_max_ms")
    return aggregates


def _clean(row):
    return {key: (value or 0) for key, value in row.items()}


def _rollups(start, end):
    return UsageRollup.objects.filter(hour__gte=start, hour__lt=end).order_by()


def usage_grouped(start, end, field):
    """{group value: summed counters} over the rollups of [start, end), grouped by one column."""
    rows = _rollups(start, end).values(field).annotate(**_sums())
    return {row.pop(field): _clean(row) for row in rows}


def usage_by_month(period_start, period_end, *, live_from=None):
    """[{"month": first day, "calls", "errors"}] for every month of the period, zeros included.

    One scan with a filtered sum per month: truncating every row's hour to its local month costs far more.
    With ``live_from`` (monitoring.rollups.live_since), the hours from then on are counted in the request log
    instead: calls drained but not rolled up yet.
    """
    start, end = period_bounds(period_start, period_end)
    tz = timezone.get_current_timezone()
    months = list(months_between(period_start, period_end))

    def monthly(queryset, time_field, calls, errors):
        aggregates = {}
        for index, month in enumerate(months):
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            in_month = Q(**{
                f"{time_field}__gte": max(start, datetime.datetime.combine(month, datetime.time.min, tzinfo=tz)),
                f"{time_field}__lt": min(end, datetime.datetime.combine(following, datetime.time.min, tzinfo=tz)),
            })
            aggregates[f"calls_{index}"] = calls(in_month)
            aggregates[f"errors_{index}"] = errors(in_month)
        return queryset.aggregate(**aggregates) if aggregates else {}

    split = end if live_from is None else min(end, max(start, live_from))
    rows = [monthly(_rollups(start, split), "hour", lambda q: Sum("calls", filter=q),
                    lambda q: Sum(F("status_4xx") + F("status_5xx"), filter=q))]
    if split < end:
        rows.append(monthly(RequestLog.objects.filter(time__gte=split, time__lt=end).order_by(), "time",
                            lambda q: Count("id", filter=q),
                            lambda q: Count("id", filter=q & Q(status__gte=400, status__lt=600))))
    return [
        {"month": month.isoformat(),
         "calls": sum(row[f"calls_{index}"] or 0 for row in rows),
         "errors": sum(row[f"errors_{index}"] or 0 for row in rows)}
        for index, month in enumerate(months)
    ]


def add_histograms(histograms):
    total = [0] * HISTOGRAM_SIZE
    for histogram in histograms:
        for index, count in enumerate(histogram):
            total[index] += count
    return total


def percent(part, whole, digits=2):
    return round(100.0 * part / whole, digits) if whole else None


def _percentile(histogram, q, maximum):
    value = percentile_from_histogram(histogram, q, maximum=maximum or 0)
    return None if value is None else round(value, 1)


def usage_numbers(counters, histogram):
    """The figures of one group (an API, a theme, the total) from its summed counters and histogram."""
    calls = counters.get("calls", 0)
    errors = counters.get("status_4xx", 0) + counters.get("status_5xx", 0)
    latency_max = counters.get("latency_max_ms", 0) or 0
    return {
        "calls": calls,
        "status_2xx": counters.get("status_2xx", 0),
        "status_4xx": counters.get("status_4xx", 0),
        "status_5xx": counters.get("status_5xx", 0),
        "errors": errors,
        "error_rate_pct": percent(errors, calls),
        "server_error_rate_pct": percent(counters.get("status_5xx", 0), calls),
        "refused_401": counters.get("refused_401", 0),
        "refused_403": counters.get("refused_403", 0),
        "refused_429": counters.get("refused_429", 0),
        "not_granted": counters.get("not_granted", 0),
        "inactive_key": counters.get("inactive_key", 0),
        "latency_avg_ms": round(counters.get("latency_sum_ms", 0) / calls, 1) if calls else None,
        "latency_max_ms": round(latency_max, 1) if calls else None,
        "p50_ms": _percentile(histogram, 0.50, latency_max),
        "p95_ms": _percentile(histogram, 0.95, latency_max),
        "p99_ms": _percentile(histogram, 0.99, latency_max),
        "bytes_in": counters.get("bytes_in", 0),
        "bytes_out": counters.get("bytes_out", 0),
        "latency_histogram": list(histogram),
    }


def _merge(counter_dicts):
    total = defaultdict(float)
    latency_max = 0
    for counters in counter_dicts:
        for key, value in counters.items():
            if key == "latency_max_ms":
                latency_max = max(latency_max, value or 0)
            else:
                total[key] += value or 0
    merged = {key: (value if key == "latency_sum_ms" else int(value)) for key, value in total.items()}
    merged["latency_max_ms"] = latency_max
    return merged


# -- Sections ------------------------------------------------------------------------------------


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _live_version(service):
    live = [v for v in service.versions.all() if v.status in LIVE_STATUSES]
    if live:
        return max(live, key=lambda v: v.id)
    versions = list(service.versions.all())
    return max(versions, key=lambda v: v.id) if versions else None


def _inventory():
    services = list(
        ApiService.objects.select_related("owner", "theme")
        .prefetch_related(Prefetch("versions", queryset=ApiVersion.objects.defer("spec", "upstream_auth_secret")))
        .order_by("name", "id")
    )
    operation_counts = dict(
        ApiOperation.objects.order_by().values_list("api_version_id").annotate(n=Count("id"))
    )
    apis = []
    for service in services:
        version = _live_version(service)
        is_live = version is not None and version.status in LIVE_STATUSES
        failures = [c.get("label", c.get("code", "")) for c in (version.interop_report if version else [])
                    if c.get("blocking") and not c.get("passed")]
        apis.append({
            "id": service.pk,
            "name": service.name,
            "slug": service.slug,
            "owner_id": service.owner_id,
            "owner": service.owner.name,
            "theme_id": service.theme_id,
            "theme": service.theme.name,
            "classification": service.classification,
            "personal_data": service.has_personal_data,
            "suspended": service.is_suspended,
            "version": version.version if version else "",
            "status": version.status if version else "",
            "live": is_live,
            "published_at": _iso(version.published_at) if version else None,
            "operations": operation_counts.get(version.pk, 0) if version else 0,
            "interop_passed": bool(version and version.interop_passed),
            "interop_failures": failures,
        })
    return apis


def _count_by(apis, key, name_key):
    groups = {}
    for api in apis:
        group = groups.setdefault(api[key], {"name": api[name_key], "apis": 0, "live": 0})
        group["apis"] += 1
        group["live"] += int(api["live"])
    return sorted(groups.values(), key=lambda g: (-g["live"], g["name"]))


def _connectors(start, end, by_grant, used_recently, unused_days):
    grants = (
        Grant.objects.filter(granted_at__lt=end, expires_at__gte=start)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gte=start))
        .select_related("organization", "api_version__service__owner", "api_version__service__theme")
        .order_by("api_version__service__name", "organization__name", "id")
    )
    as_of = min(end, timezone.now())  # a period may end in the future
    unused_cutoff = as_of - datetime.timedelta(days=unused_days)
    rows = []
    for grant in grants:
        usage = by_grant.get(grant.pk, {})
        service = grant.api_version.service
        if grant.revoked_at is not None and grant.revoked_at < as_of:
            state = "revoked"
        elif grant.expires_at < as_of:
            state = "expired"
        else:
            state = "active"
        calls = usage.get("calls", 0)
        errors = usage.get("status_4xx", 0) + usage.get("status_5xx", 0)
        rows.append({
            "grant_id": grant.pk,
            "access_request_id": grant.access_request_id,
            "organization_id": grant.organization_id,
            "organization": grant.organization.name,
            "api_id": service.pk,
            "api": service.name,
            "api_slug": service.slug,
            "owner": service.owner.name,
            "theme": service.theme.name,
            "version": grant.api_version.version,
            "granted_at": _iso(grant.granted_at),
            "expires_at": _iso(grant.expires_at),
            "revoked_at": _iso(grant.revoked_at),
            "state": state,
            "calls": calls,
            "status_2xx": usage.get("status_2xx", 0),
            "errors": errors,
            "error_rate_pct": percent(errors, calls),
            "refused": usage.get("refused_401", 0) + usage.get("refused_403", 0) + usage.get("refused_429", 0),
            "last_call": _iso(usage.get("last_call")) if usage.get("last_call") else None,
            "dormant": calls == 0,
            # The key's "90" is historical (stored figures keep it); the days are figures["rules"]["unused_days"].
            "unused_90_days": state == "active" and grant.granted_at <= unused_cutoff
            and grant.pk not in used_recently,
        })
    return rows


def _usage_section(start, end, period_start, period_end, apis, unused_days):
    # Per API, counters and summed histograms in one query (monitoring.rollups).
    by_service, histograms = {}, {}
    for row in summary_by(_rollups(start, end), "service_id"):
        service_id = row["service_id"]
        histograms[service_id] = row["latency_histogram"]
        by_service[service_id] = {key: row[key] or 0 for key in (*SUM_FIELDS, "latency_max_ms")}
    by_org = usage_grouped(start, end, "organization_id")
    by_grant_rows = (
        _rollups(start, end).filter(grant__isnull=False).values("grant_id")
        .annotate(last_call=Max("hour", filter=Q(calls__gt=0))).annotate(**_sums())
    )
    by_grant = {row.pop("grant_id"): {k: (v if k == "last_call" else v or 0) for k, v in row.items()}
                for row in by_grant_rows}
    as_of = min(end, timezone.now())
    used_recently = set(
        UsageRollup.objects.filter(hour__gte=as_of - datetime.timedelta(days=unused_days), hour__lt=as_of,
                                   calls__gt=0, grant__isnull=False)
        .order_by().values_list("grant_id", flat=True).distinct()
    )
    # {service id: (up, total)} from the health checks of the period, one query (monitoring.health).
    availability = availability_by_service(start=start, end=end)
    empty = [0] * HISTOGRAM_SIZE

    api_index = {api["id"]: api for api in apis}
    per_api = []
    for service_id in sorted(set(by_service) | {a["id"] for a in apis if a["live"]},
                             key=lambda s: (s is None, api_index.get(s, {}).get("name", ""), s or 0)):
        api = api_index.get(service_id)
        numbers = usage_numbers(by_service.get(service_id, {}), histograms.get(service_id, empty))
        up, checks = availability.get(service_id, (0, 0))
        per_api.append({
            "api_id": service_id,
            "api": api["name"] if api else "",
            "api_slug": api["slug"] if api else "",
            "owner": api["owner"] if api else "",
            "theme_id": api["theme_id"] if api else None,
            "theme": api["theme"] if api else "",
            "health_checks": checks,
            "availability_pct": percent(up, checks),
            **numbers,
        })

    per_theme = {}
    for row in per_api:
        if row["theme_id"] is None:
            continue
        theme = per_theme.setdefault(row["theme_id"], {"theme": row["theme"], "counters": [], "histograms": []})
        theme["counters"].append(by_service.get(row["api_id"], {}))
        theme["histograms"].append(histograms.get(row["api_id"], empty))
    themes = []
    for theme in per_theme.values():
        numbers = usage_numbers(_merge(theme["counters"]), add_histograms(theme["histograms"]))
        themes.append({"theme": theme["theme"], **{k: numbers[k] for k in (
            "calls", "errors", "error_rate_pct", "status_5xx", "p95_ms")}})
    themes.sort(key=lambda t: (-t["calls"], t["theme"]))

    total = usage_numbers(_merge(by_service.values()), add_histograms(histograms.values()))
    checks = sum(total_checks for _up, total_checks in availability.values())
    total["health_checks"] = checks
    total["availability_pct"] = percent(sum(up for up, _total in availability.values()), checks)

    months = usage_by_month(period_start, period_end)

    org_names = dict(Organization.objects.values_list("id", "name"))
    per_org = []
    for org_id, counters in by_org.items():
        errors = counters.get("status_4xx", 0) + counters.get("status_5xx", 0)
        per_org.append({
            "organization_id": org_id, "organization": org_names.get(org_id, ""),
            "calls": counters.get("calls", 0), "errors": errors,
            "error_rate_pct": percent(errors, counters.get("calls", 0)),
            "refused": counters.get("refused_401", 0) + counters.get("refused_403", 0)
            + counters.get("refused_429", 0),
        })
    per_org.sort(key=lambda o: (-o["calls"], o["organization"]))

    connectors = _connectors(start, end, by_grant, used_recently, unused_days)
    return {
        "total": total,
        "months": months,
        "per_api": per_api,
        "per_theme": themes,
        "per_organization": per_org,
        "connectors": connectors,
        "connectors_total": len(connectors),
        "connectors_dormant": sum(1 for c in connectors if c["dormant"]),
        "connectors_unused_90_days": sum(1 for c in connectors if c["unused_90_days"]),
    }


def _hours_between(pairs):
    hours = [(later - earlier).total_seconds() / 3600 for earlier, later in pairs if earlier and later]
    if not hours:
        return {"count": 0, "avg_hours": None, "max_hours": None}
    return {"count": len(hours), "avg_hours": round(sum(hours) / len(hours), 1), "max_hours": round(max(hours), 1)}


def _access_section(start, end):
    request_type = ContentType.objects.get_for_model(AccessRequest)
    key_type = ContentType.objects.get_for_model(ApiKey)
    events = dict(
        AuditEvent.objects.filter(content_type=request_type, created_at__gte=start, created_at__lt=end)
        .order_by().values_list("action").annotate(n=Count("id"))
    )
    key_events = dict(
        AuditEvent.objects.filter(content_type=key_type, created_at__gte=start, created_at__lt=end)
        .order_by().values_list("action").annotate(n=Count("id"))
    )
    submitted = AccessRequest.objects.filter(created_at__gte=start, created_at__lt=end)
    status_now = dict(submitted.order_by().values_list("status").annotate(n=Count("id")))
    decisions = AccessRequest.objects.filter(decided_at__gte=start, decided_at__lt=end).values_list(
        "created_at", "decided_at"
    )
    grant_times = Grant.objects.filter(granted_at__gte=start, granted_at__lt=end).values_list(
        "access_request__decided_at", "granted_at"
    )
    now = timezone.now()
    lapsed_unclosed = ApiKey.objects.filter(
        expires_at__gte=start, expires_at__lt=min(end, now), revoked_at__isnull=True
    ).count()
    return {
        "requests_submitted": submitted.count(),
        "requests_by_status": {status: status_now.get(status, 0) for status in AccessRequestStatusChoices.values},
        "events": {action.value: events.get(action, 0) for action in (
            AuditAction.SUBMIT, AuditAction.APPROVE, AuditAction.REJECT, AuditAction.WITHDRAW, AuditAction.GRANT,
            AuditAction.REVOKE, AuditAction.EXPIRE)},
        "decision_time": _hours_between(decisions),
        "grant_time": _hours_between(grant_times),
        "keys_issued": ApiKey.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        "keys_revoked": key_events.get(AuditAction.REVOKE, 0) + key_events.get(AuditAction.ROTATE, 0),
        "keys_rotated": key_events.get(AuditAction.ROTATE, 0),
        "keys_expired": key_events.get(AuditAction.EXPIRE, 0) + lapsed_unclosed,
        "pending_decision": AccessRequest.objects.filter(status__in=WAITING_FOR_ADMINISTRATOR).count(),
        "pending_grant": AccessRequest.objects.filter(status=AccessRequestStatusChoices.APPROVED).count(),
    }


def _findings_section(start, end):
    findings = (
        Finding.objects.filter(period_start__lt=end, period_end__gt=start)
        .select_related("organization", "service", "grant")
        .order_by("kind", "organization__name", "period_start", "id")
    )
    rows = []
    by_kind = defaultdict(lambda: {"open": 0, "followed_up": 0, "count": 0})
    for finding in findings:
        rows.append({
            "id": finding.pk,
            "kind": finding.kind,
            "organization": finding.organization.name,
            "api": finding.service.name if finding.service else "",
            "grant_id": finding.grant_id,
            "period_start": _iso(finding.period_start),
            "period_end": _iso(finding.period_end),
            "count": finding.count,
            "status": finding.status,
            "follow_up_note": finding.follow_up_note,
        })
        group = by_kind[finding.kind]
        group["count"] += finding.count
        group["open" if finding.status == FindingStatusChoices.OPEN else "followed_up"] += 1
    return {
        "rows": rows,
        "total": len(rows),
        "open": sum(g["open"] for g in by_kind.values()),
        "by_kind": dict(by_kind),
    }


def _incidents_section(start, end):
    """Personal data incidents found in the period (UU 27/2022 Pasal 46) and how their notice went; one not
    notified yet is judged at generation time."""
    incidents = (
        PersonalDataIncident.objects.filter(found_at__gte=start, found_at__lt=end)
        .prefetch_related("services", "organizations").order_by("found_at", "id")
    )
    now = timezone.now()
    rows = []
    for incident in incidents:
        rows.append({
            "id": incident.pk,
            "found_at": _iso(incident.found_at),
            "summary": incident.summary,
            "apis": sorted(s.name for s in incident.services.all()),
            "organizations": sorted(o.name for o in incident.organizations.all()),
            "data_affected": incident.data_affected,
            "deadline": _iso(notification_deadline(incident)),
            "notified_at": _iso(incident.notified_at),
            "status": incident.status,
            # on_time, late (notified after the deadline), overdue (not notified, deadline passed), running.
            "clock": incident_clock(incident, now).state,
        })
    states = Counter(row["clock"] for row in rows)
    return {"rows": rows, "total": len(rows), "on_time": states["on_time"], "late": states["late"],
            "not_notified": states["running"] + states["overdue"], "overdue": states["overdue"]}


def _plain(value):
    """Dates to ISO strings, recursively: the figures are stored as JSON."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return _iso(value)
    return value


def _activities_section(period_start, period_end, monev_rules):
    activities = (
        Activity.objects.filter(date__gte=period_start, date__lte=period_end)
        .annotate(organizations_count=Count("organizations")).order_by("date", "id")
    )
    return {
        # Pasal 8 status of each calendar year the period touches (monitoring.rules); Pasal 9 is this report.
        "years": [_plain(rules.pasal8_status(year=year, rules=monev_rules))
                  for year in range(period_start.year, period_end.year + 1)],
        "rows": [
            {"id": a.pk, "date": a.date.isoformat(), "kind": a.kind, "title": a.title,
             "organizations": a.organizations_count}
            for a in activities
        ],
    }


def _compliance_section(apis):
    """Pasal 6(3) of the Perangkat Daerah that publish into the SPLP: the Dinas that administers it is not one
    of them (it is not counted, nor listed as an organisation without an API)."""
    organizations = list(Organization.objects.filter(is_administrator=False).order_by("name", "id"))
    live_owners = {api["owner_id"] for api in apis if api["live"]} & {org.pk for org in organizations}
    registered = Counter(api["owner_id"] for api in apis)
    without = [
        {"id": org.pk, "name": org.name, "code": org.code, "kind": org.kind,
         "registered_apis": registered.get(org.pk, 0)}
        for org in organizations
        if org.pk not in live_owners
    ]
    return {
        "organizations": len(organizations),
        "with_api": len(live_owners),
        "without_api": without,
    }


def _overview(apis, connectors, compliance, start, end):
    live = [api for api in apis if api["live"]]
    return {
        "organizations": compliance["organizations"],
        "publishers": len({api["owner_id"] for api in live}),
        "requesters": Grant.objects.filter(granted_at__lt=end).order_by().values("organization_id")
        .distinct().count(),
        "apis_registered": len(apis),
        "apis_published": len(live),
        "operations": sum(api["operations"] for api in live),
        "themes": Theme.objects.count(),
        "themes_used": len({api["theme_id"] for api in live}),
        "connectors": len(connectors),
        "connectors_active_at_end": sum(1 for c in connectors if c["state"] == "active"),
    }


def compute_figures(*, period_start, period_end):
    """Every figure of the Pasal 9 report for the dates [period_start, period_end], as plain JSON."""
    if period_end < period_start:
        raise ValidationError(_("The end of the period must not be before its start."))
    start, end = period_bounds(period_start, period_end)
    pemda = current_pemda()
    apis = _inventory()
    monev_rules = rules.current()
    usage = _usage_section(start, end, period_start, period_end, apis, monev_rules.unused_days)
    compliance = _compliance_section(apis)
    figures = {
        "version": FIGURES_VERSION,
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "computed_at": _iso(timezone.now()),
        "latency_buckets_ms": list(LATENCY_BUCKETS_MS),
        "rules": rules.snapshot(monev_rules),
        "pemda": {"name": pemda.name, "dinas_name": pemda.dinas_name, "domain": pemda.domain,
                  "logo_text": pemda.logo_text},
        "overview": _overview(apis, usage["connectors"], compliance, start, end),
        "inventory": {
            "apis": apis,
            "per_organization": _count_by(apis, "owner_id", "owner"),
            "per_theme": _count_by(apis, "theme_id", "theme"),
            "classification": dict(Counter(api["classification"] for api in apis if api["live"])),
            "interop_passed": sum(1 for api in apis if api["live"] and api["interop_passed"]),
        },
        "usage": usage,
        "access": _access_section(start, end),
        "findings": _findings_section(start, end),
        "incidents": _incidents_section(start, end),
        "activities": _activities_section(period_start, period_end, monev_rules),
        "compliance": compliance,
    }
    figures["recommendations"] = build_recommendations(figures)
    return figures


# -- Recommendations -----------------------------------------------------------------------------


def _names(names):
    names = list(names)
    if len(names) <= LIST_LIMIT:
        return ", ".join(names)
    rest = len(names) - LIST_LIMIT
    return ngettext("%(names)s and %(count)d other", "%(names)s and %(count)d others", rest) % {
        "names": ", ".join(names[:LIST_LIMIT]), "count": rest,
    }


def _finding_kind_label(kind):
    try:
        return str(FindingKindChoices(kind).label)
    except ValueError:
        return kind


def build_recommendations(figures):
    """Recommendations drawn from the figures, in the active language; the Dinas edits them before finalising."""
    items = []
    without = figures["compliance"]["without_api"]
    if without:
        items.append(ngettext(
            "%(count)d Perangkat Daerah does not yet provide an API integrated with the SPLP (Pasal 6(3)): "
            "%(names)s. The Dinas should accompany them in providing their APIs.",
            "%(count)d Perangkat Daerah do not yet provide an API integrated with the SPLP (Pasal 6(3)): "
            "%(names)s. The Dinas should accompany them in providing their APIs.",
            len(without),
        ) % {"count": len(without), "names": _names(org["name"] for org in without)})

    unused = [c for c in figures["usage"]["connectors"] if c["unused_90_days"]]
    for connector in unused[:LIST_LIMIT]:
        items.append(_(
            "The access of %(organization)s to %(api)s (grant #%(grant)s) has not been used for %(days)d days: "
            "consider revoking it."
        ) % {"organization": connector["organization"], "api": connector["api"], "grant": connector["grant_id"],
             "days": rules.of_figures(figures)["unused_days"]})
    if len(unused) > LIST_LIMIT:
        items.append(_("%(count)d more unused accesses are listed in the appendix: consider revoking them.")
                     % {"count": len(unused) - LIST_LIMIT})

    for api in figures["usage"]["per_api"]:
        name = api["api"] or _("(unknown API)")
        rate = api["server_error_rate_pct"]
        if rate is not None and rate >= SERVER_ERROR_RATE_PCT:
            items.append(_(
                "%(api)s answered %(rate)s%% of its calls with a server error (5xx): its publisher should "
                "improve the reliability of the service."
            ) % {"api": name, "rate": _number(rate)})
        availability = api.get("availability_pct")
        if availability is not None and availability < AVAILABILITY_TARGET_PCT:
            items.append(_(
                "The availability of %(api)s was %(availability)s%% in the health checks, below %(target)s%%: "
                "its publisher should check the upstream service."
            ) % {"api": name, "availability": _number(availability), "target": _number(AVAILABILITY_TARGET_PCT)})

    failing = [api for api in figures["inventory"]["apis"] if api["live"] and api["interop_failures"]]
    if failing:
        items.append(_(
            "APIs not meeting the interoperability standard (Pasal 6(5)): %(names)s. Their publishers should "
            "fix the failing checks with the Dinas' accompaniment."
        ) % {"names": _names(api["name"] for api in failing)})

    for kind, group in sorted(figures["findings"]["by_kind"].items()):
        if group["open"]:
            items.append(ngettext(
                "%(count)d supervision finding \"%(kind)s\" has not been followed up yet: follow it up with the "
                "organisation concerned.",
                "%(count)d supervision findings \"%(kind)s\" have not been followed up yet: follow them up with "
                "the organisations concerned.",
                group["open"],
            ) % {"count": group["open"], "kind": _finding_kind_label(kind)})

    incidents = figures["incidents"]
    if incidents["not_notified"]:
        items.append(ngettext(
            "%(count)d personal data incident has no notification recorded: notify the data subjects and the "
            "authority in writing without further delay (UU 27/2022 Pasal 46) and record it in the register.",
            "%(count)d personal data incidents have no notification recorded: notify the data subjects and the "
            "authority in writing without further delay (UU 27/2022 Pasal 46) and record it in the register.",
            incidents["not_notified"],
        ) % {"count": incidents["not_notified"]})
    if incidents["late"]:
        items.append(ngettext(
            "%(count)d personal data incident was notified after the 3 x 24 hour deadline: review the incident "
            "procedure so the next notice goes out in time.",
            "%(count)d personal data incidents were notified after the 3 x 24 hour deadline: review the incident "
            "procedure so the next notice goes out in time.",
            incidents["late"],
        ) % {"count": incidents["late"]})

    for year in figures["activities"]["years"]:
        for group, status in year["periods"]["year"]["categories"].items():
            if status["light"] != "green":
                items.append(_(
                    "%(year)d: %(count)d %(kind)s activities recorded against the minimum of %(minimum)d a year "
                    "(Pasal 8): plan and record the missing activities."
                ) % {"year": year["year"], "count": status["count"],
                     # Lower case inside the sentence ("kegiatan pembinaan"): the labels are single nouns.
                     "kind": rules.category_label(group).lower(),
                     "minimum": status["target"]})

    access = figures["access"]
    if access["pending_decision"]:
        items.append(ngettext(
            "%(count)d access request is waiting for the administrator's decision.",
            "%(count)d access requests are waiting for the administrator's decision.",
            access["pending_decision"],
        ) % {"count": access["pending_decision"]})
    if access["pending_grant"]:
        items.append(ngettext(
            "%(count)d approved access request is waiting for its publisher to grant access.",
            "%(count)d approved access requests are waiting for their publishers to grant access.",
            access["pending_grant"],
        ) % {"count": access["pending_grant"]})
    if not items:
        items.append(_("No issue needing a particular follow-up was found; continue the regular monitoring."))
    return items


def _number(value):
    return number_format(value, decimal_pos=1 if value != int(value) else 0, use_l10n=True)


def recommendations_text(items):
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


# -- Services ------------------------------------------------------------------------------------


def default_title(period_start, period_end, pemda_name):
    if (period_start.month, period_start.day, period_end.month, period_end.day) == (1, 1, 12, 31) \
            and period_start.year == period_end.year:
        return _("SPLP Monitoring and Evaluation Report of %(pemda)s, %(year)d") % {
            "pemda": pemda_name, "year": period_start.year}
    return _("SPLP Monitoring and Evaluation Report of %(pemda)s, %(start)s to %(end)s") % {
        "pemda": pemda_name, "start": period_start.strftime("%d/%m/%Y"), "end": period_end.strftime("%d/%m/%Y")}


def _bring_up_to_date(period_start, period_end):
    """Drain the request-log buffer (unless the period ended more than DRAIN_HORIZON ago) and roll up the
    period's missing or stale hours. Returns the moment the figures cover."""
    start, end = period_bounds(period_start, period_end)
    covered = timezone.now()
    if end > covered - DRAIN_HORIZON:
        request_log_drain(wait_seconds=DRAIN_WAIT_SECONDS)
    rollup_period(start=start, end=end, now=covered)
    return min(end, covered)


def _prepare(period_start, period_end, title):
    """Figures, title and recommendations, in the SPLP's language (a Celery worker has no request)."""
    data_as_of = _bring_up_to_date(period_start, period_end)
    with translation.override(settings.LANGUAGE_CODE):
        figures = compute_figures(period_start=period_start, period_end=period_end)
        figures["data_as_of"] = _iso(data_as_of)
        title = (title or "").strip() or default_title(period_start, period_end, figures["pemda"]["name"])
        return figures, title[:200], recommendations_text(figures["recommendations"])


def _store(*, actor, period_start, period_end, prepared):
    figures, title, recommendations = prepared
    report = MonevReport.objects.create(
        period_start=period_start, period_end=period_end, title=title, figures=figures,
        recommendations=recommendations, generated_by=actor,
    )
    audit_record(actor=actor, target=report, action=AuditAction.GENERATE, new_state=report.status,
                 data={"period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
                       "system": actor is None})
    return report


def monev_report_generate(*, actor, period_start, period_end, title=None, again=False):
    """A draft report for any period, on demand (Pasal 9 "whenever needed"): figures frozen now.

    A period that already has a report is refused (code ``duplicate_period``, naming that report) unless
    ``again``: a second report for the same period is a deliberate choice, not a double click.

    The figures are read before the transaction that stores the report: reading a year of rollups must not
    hold the database's write lock (SQLite) while the bus keeps logging.
    """
    require(is_administrator(actor), _("Only a Dinas administrator can generate the monitoring and evaluation report."))
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end of the period must not be before its start.")})
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": _("The period has not started yet.")})
    existing = (MonevReport.objects.filter(period_start=period_start, period_end=period_end)
                .order_by("-generated_at").first())
    if existing is not None and not again:
        raise ValidationError(
            _("This period already has a report: “%(title)s” (%(status)s, generated %(when)s). Confirm to generate "
              "another one for the same period.") % {
                "title": existing.title, "status": existing.get_status_display(),
                "when": format_local(existing.generated_at)},
            code="duplicate_period",
        )
    prepared = _prepare(period_start, period_end, title)
    with transaction.atomic():
        return _store(actor=actor, period_start=period_start, period_end=period_end, prepared=prepared)


def _system_report(period_start, period_end):
    return (MonevReport.objects.filter(period_start=period_start, period_end=period_end, generated_by__isnull=True)
            .order_by("generated_at", "id").first())


def monev_report_generate_system(*, period_start, period_end, title=None):
    """The scheduled report: one per period, however often and on however many workers it runs; the
    administrators are e-mailed that a draft waits for them. Returns (report, created)."""
    key = f"{period_start.isoformat()}/{period_end.isoformat()}"
    if ReminderLog.objects.filter(kind=SYSTEM_REPORT_CLAIM, period_key=key).exists():
        return _system_report(period_start, period_end), False
    prepared = _prepare(period_start, period_end, title)
    try:
        with transaction.atomic():
            # The unique (kind, period) row is the claim: of two workers racing here, one stores the report.
            claim = ReminderLog.objects.create(kind=SYSTEM_REPORT_CLAIM, period_key=key)
            report = _store(actor=None, period_start=period_start, period_end=period_end, prepared=prepared)
            recipients = _administrator_emails()
            claim.recipients = len(recipients)
            claim.save(update_fields=["recipients"])
            transaction.on_commit(lambda: _send_report_ready(report.pk, recipients))
    except IntegrityError:
        return _system_report(period_start, period_end), False
    return report, True


@transaction.atomic
def monev_report_update_recommendations(*, actor, report, text):
    require(is_administrator(actor), _("Only a Dinas administrator can edit the report."))
    report = lock(MonevReport, report.pk)
    require_state(report, (ReportStatusChoices.DRAFT,), _("edit the recommendations"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"recommendations": _("The recommendations must not be empty.")})
    if text != report.recommendations:
        report.recommendations = text
        report.save(update_fields=["recommendations"])
        audit_record(actor=actor, target=report, action=AuditAction.UPDATE_RECOMMENDATIONS, old_state=report.status,
                     new_state=report.status)
    return report


@transaction.atomic
def monev_report_finalise(*, actor, report):
    require(is_administrator(actor), _("Only a Dinas administrator can finalise the report."))
    report = lock(MonevReport, report.pk)
    require_state(report, (ReportStatusChoices.DRAFT,), _("finalise the report"))
    if not report.recommendations.strip():
        raise TransitionError(_("Write the recommendations before finalising the report."))
    document.require_identity()
    frozen = document.freeze_identity(report)  # the signed report keeps this letterhead and signatory
    report.status = ReportStatusChoices.FINAL
    report.finalised_by = actor
    report.finalised_at = timezone.now()
    report.save(update_fields=["status", "finalised_by", "finalised_at", *frozen])
    audit_record(actor=actor, target=report, action=AuditAction.FINALISE, old_state=ReportStatusChoices.DRAFT,
                 new_state=ReportStatusChoices.FINAL)
    return report


# -- Scheduled job -------------------------------------------------------------------------------


def _administrator_emails():
    users = get_user_model().objects.filter(is_active=True).exclude(email="").filter(
        Q(is_superuser=True)
        | Q(memberships__role=MembershipRoleChoices.ADMINISTRATOR, memberships__organization__is_administrator=True)
    ).distinct().order_by("id")
    return [user.email for user in users]


def _send_report_ready(report_id, recipients):
    if not recipients:
        return
    report = MonevReport.objects.get(pk=report_id)
    with translation.override(settings.LANGUAGE_CODE):
        pemda = current_pemda()
        context = {"report": report, "pemda": pemda, "site": site_url(pemda)}
        subject = _("[SPLP] Monitoring and evaluation report ready for review: %(title)s") % {"title": report.title}
        body = render_to_string("monitoring/emails/monev_report_ready.txt", context)
    send_mail(subject, body, None, recipients)


def previous_year(today=None):
    today = today or timezone.localdate()
    return year_period(today.year - 1)


def generate_annual_monev_report(today=None):
    period_start, period_end = previous_year(today)
    return monev_report_generate_system(period_start=period_start, period_end=period_end)


@shared_task
def generate_annual_monev_report_task():
    """Yearly (early January): the draft report of the previous calendar year, once; administrators e-mailed."""
    report, created = generate_annual_monev_report()
    return {"report": report.pk if report else None, "created": created}
