"""The use of the bus in a period, from the hourly rollups (never the raw request log): grouped SQL sums, latency
percentiles from the summed fixed histograms, and the evaluation of every connector (grant)."""

import datetime
from collections import defaultdict

from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from access.models import Grant
from directory.models import Organization

from ..health import availability_by_service
from ..models import LATENCY_BUCKETS_MS, RequestLog, UsageRollup
from ..rollups import percentile_from_histogram, summary_by
from .periods import local_iso, months_between, period_bounds

# Counted columns of a rollup, summed per group.
SUM_FIELDS = (
    "calls", "status_2xx", "status_4xx", "status_5xx", "refused_401", "refused_403", "refused_429",
    "not_granted", "inactive_key", "bytes_in", "bytes_out", "latency_sum_ms",
)
HISTOGRAM_SIZE = len(LATENCY_BUCKETS_MS) + 1


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
            "granted_at": local_iso(grant.granted_at),
            "expires_at": local_iso(grant.expires_at),
            "revoked_at": local_iso(grant.revoked_at),
            "state": state,
            "calls": calls,
            "status_2xx": usage.get("status_2xx", 0),
            "errors": errors,
            "error_rate_pct": percent(errors, calls),
            "refused": usage.get("refused_401", 0) + usage.get("refused_403", 0) + usage.get("refused_429", 0),
            "last_call": local_iso(usage.get("last_call")) if usage.get("last_call") else None,
            "dormant": calls == 0,
            # The key's "90" is historical (stored figures keep it); the days are figures["rules"]["unused_days"].
            "unused_90_days": state == "active" and grant.granted_at <= unused_cutoff
            and grant.pk not in used_recently,
        })
    return rows


def usage_section(start, end, period_start, period_end, apis, unused_days):
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
