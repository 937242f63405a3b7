"""Hourly rollups of the request log (Pasal 9 monitoring), their summaries, and the raw log's retention.

Reports read ``UsageRollup`` rows, never raw ``RequestLog`` rows in Python loops:

- ``rollup_hour`` computes one hour with ONE aggregate SQL query (GROUP BY API, version, organisation,
  operation and grant; the latency histogram as conditional counts) and replaces that hour's rollups.
  Recomputing an hour gives the same rows: the job is idempotent, and its ``RollupHour`` row is locked while
  it runs, so two workers on the same hour take turns instead of writing two sets of rows.
- ``rollup_pending`` (the hourly Celery job) rolls up every complete hour since the last settled one and
  re-rolls the last two hours, which catches log rows drained late (Redis outage, worker restart).
  Rows drained later than that are picked up by a backfill: ``manage.py rollup_request_log --from ... --to ...``
  or by the next report of their period (``rollup_period``).
- ``rollup_period`` brings a period's rollups up to date before a report freezes its figures: every hour with
  more logged calls than its rollup counted (never rolled up, drained later, or the open hour) is re-rolled.
- ``usage_by`` is what the dashboard and the usage API read: settled hours from the rollups, the hours after
  them straight from the request log, so a call drained seconds ago already counts.
- ``summary`` aggregates a queryset of rollups in SQL, histograms included, and derives percentiles.
- ``request_log_purge`` applies the retention period to raw rows (rollups are kept for good).

Hours are UTC hours (``[hour, hour + 1h)``); Asia/Jakarta (UTC+7) hours start at the same instants.
"""

import datetime
import math

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, FloatField, IntegerField, Max, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncHour
from django.utils import timezone

from splp.audit import AuditAction, audit_record

from .models import LATENCY_BUCKETS_MS, LogBatch, RequestLog, RollupHour, UsageRollup

HOUR = datetime.timedelta(hours=1)
UTC = datetime.UTC
# The grouping of a rollup row; refused calls may have no organisation, grant, operation or even API.
GROUP_FIELDS = ("service_id", "api_version_id", "organization_id", "operation_id", "grant_id")
COUNTERS = (
    "calls", "status_2xx", "status_4xx", "status_5xx", "upstream_errors", "refused_401", "refused_403", "refused_429",
    "not_granted", "inactive_key", "bytes_in", "bytes_out",
)
# Error codes the bus itself answers with (a refusal) as opposed to an upstream's own 401/403/429.
INACTIVE_KEY_CODES = ("key_inactive", "grant_inactive")
# The bus' own answers when the upstream gave no good answer (502/504) all start with this.
UPSTREAM_ERROR_PREFIX = "upstream_"
RECENT_HOURS = 2  # re-rolled on every pending run, for late drains
# A rollup computed this long after its hour closed is settled: the bus' calls of that hour have been drained
# by then (each process flushes within SPLP_LOG_FLUSH_SECONDS, the drain runs every few seconds).
SETTLE = datetime.timedelta(minutes=1)
DEFAULT_RETENTION_DAYS = 400


def floor_hour(moment):
    """The start of the (UTC) hour holding ``moment``."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _histogram_aggregates():
    """One conditional count per latency bucket: bucket i holds (bounds[i-1], bounds[i]] ms, the last one
    everything above the highest bound."""
    aggregates = {}
    lower = None
    for i, upper in enumerate(LATENCY_BUCKETS_MS):
        condition = Q(latency_ms__lte=upper)
        if lower is not None:
            condition &= Q(latency_ms__gt=lower)
        aggregates[f"h{i}"] = Count("id", filter=condition)
        lower = upper
    aggregates[f"h{len(LATENCY_BUCKETS_MS)}"] = Count("id", filter=Q(latency_ms__gt=lower))
    return aggregates


def _hour_aggregates():
    refused = ~Q(error_code="")
    return {
        "calls": Count("id"),
        "status_2xx": Count("id", filter=Q(status__gte=200, status__lt=300)),
        "status_4xx": Count("id", filter=Q(status__gte=400, status__lt=500)),
        "status_5xx": Count("id", filter=Q(status__gte=500, status__lt=600)),
        "upstream_errors": Count(
            "id", filter=Q(error_code__startswith=UPSTREAM_ERROR_PREFIX) | Q(upstream_status__gte=500)
        ),
        "refused_401": Count("id", filter=Q(status=401) & refused),
        "refused_403": Count("id", filter=Q(status=403) & refused),
        "refused_429": Count("id", filter=Q(status=429) & refused),
        "not_granted": Count("id", filter=Q(error_code="operation_not_granted")),
        "inactive_key": Count("id", filter=Q(error_code__in=INACTIVE_KEY_CODES)),
        "latency_sum_ms": Sum("latency_ms"),
        "latency_max_ms": Max("latency_ms"),
        "bytes_in": Sum("bytes_in"),
        "bytes_out": Sum("bytes_out"),
        **_histogram_aggregates(),
    }


def _compute_hour(hour):
    """The rollup rows of one hour: one aggregate query, one dict per group."""
    buckets = len(LATENCY_BUCKETS_MS) + 1
    groups = (
        RequestLog.objects.filter(time__gte=hour, time__lt=hour + HOUR)
        .order_by()
        .values(*GROUP_FIELDS)
        .annotate(**_hour_aggregates())
    )
    rows = []
    for group in groups:
        histogram = [group.pop(f"h{i}") for i in range(buckets)]
        rows.append(UsageRollup(hour=hour, latency_histogram=histogram, **group))
    return rows


@transaction.atomic
def rollup_hour(*, hour):
    """(Re)compute the rollups of the hour holding ``hour``. Returns the number of log rows it covers.

    The hour's ``RollupHour`` row is created or locked first (SELECT ... FOR UPDATE): a second worker on
    the same hour waits, then replaces the first one's rows with the same numbers.
    """
    hour = floor_hour(hour)
    claim, _created = RollupHour.objects.select_for_update().get_or_create(hour=hour)
    rows = _compute_hour(hour)
    UsageRollup.objects.filter(hour=hour).delete()
    UsageRollup.objects.bulk_create(rows, batch_size=1000)
    claim.log_rows = sum(r.calls for r in rows)
    claim.save(update_fields=["log_rows", "computed_at"])
    return claim.log_rows


def _hours(start, end):
    """Hour starts h with floor(start) <= h < end."""
    hour = floor_hour(start)
    while hour < end:
        yield hour
        hour += HOUR


def rollup_range(*, start, end):
    """Backfill: roll up every hour from the one holding ``start`` to the one before ``end`` (exclusive).
    Each hour is its own transaction. Returns (hours, log_rows)."""
    hours = rows = 0
    for hour in _hours(start, end):
        rows += rollup_hour(hour=hour)
        hours += 1
    return hours, rows


def _last_settled_hour():
    """The latest hour whose rollup was computed at least SETTLE after it closed. A report may roll up the
    open hour; that rollup is partial and does not count here."""
    settled = RollupHour.objects.filter(
        computed_at__gte=ExpressionWrapper(F("hour") + (HOUR + SETTLE), output_field=DateTimeField())
    )
    return settled.order_by("-hour").values_list("hour", flat=True).first()


def pending_hours(*, now=None):
    """The hours ``rollup_pending`` would compute: complete hours after the last settled one (or from the
    first log row), plus the last ``RECENT_HOURS`` complete hours again. Never the current, open hour."""
    end = floor_hour(now or timezone.now())
    last = _last_settled_hour()
    if last is not None:
        start = min(last + HOUR, end - RECENT_HOURS * HOUR)
    else:
        first = RequestLog.objects.order_by("time").values_list("time", flat=True).first()
        if first is None:
            return []
        start = floor_hour(first)
    return list(_hours(start, end))


def rollup_pending(*, now=None, max_hours=None):
    """The hourly job. Returns (hours, log_rows). ``max_hours`` bounds one run (the oldest hours first;
    the next run continues where this one stopped)."""
    hours = pending_hours(now=now)
    if max_hours is not None and len(hours) > max_hours:
        hours = hours[:max_hours]
    rows = 0
    for hour in hours:
        rows += rollup_hour(hour=hour)
    return len(hours), rows


def rollup_period(*, start, end, now=None):
    """Bring the rollups of [start, end) up to date with the request log, before a report freezes them.
    Returns (hours, log_rows).

    An hour is rolled up again when the log holds more of its calls than its rollup counted: it was never
    rolled up, rows were drained after it was computed (even rows committed while it was computing), or it is
    the open hour. One grouped COUNT over the log's time index finds them, with no join to the batches: log
    rows are only ever added, except by the retention purge, which is why only a count *above* the rollup's
    means stale. Hours before the retention cutoff are left alone: their raw rows may be partly purged, and
    re-rolling them would lose calls.
    """
    now = now or timezone.now()
    start = max(start, floor_hour(retention_cutoff(now)) + HOUR)
    if start >= end:
        return 0, 0
    logged = (
        RequestLog.objects.filter(time__gte=start, time__lt=end)
        .annotate(h=TruncHour("time", tzinfo=UTC)).order_by().values_list("h").annotate(n=Count("id"))
    )
    rolled = dict(RollupHour.objects.filter(hour__gte=floor_hour(start), hour__lt=end).values_list("hour", "log_rows"))
    stale = sorted(hour for hour, count in logged if count > rolled.get(hour, -1))
    rows = sum(rollup_hour(hour=hour) for hour in stale)
    return len(stale), rows


@shared_task
def rollup_request_log_task():
    # Bounded so one run stays well inside the task time limit; a long backlog takes a few runs.
    hours, rows = rollup_pending(max_hours=24 * 31)
    return {"hours": hours, "log_rows": rows}


# -- Reading rollups ---------------------------------------------------------------------------------


def percentile_from_histogram(histogram, q, *, maximum=None):
    """The q-quantile (0 < q <= 1, nearest rank) of a latency histogram, as the upper bound (ms) of the bucket
    holding it.

    Resolution: the true value lies in (previous bound, returned bound]; the bounds are LATENCY_BUCKETS_MS
    (1, 2, 5, 10, 20, 50, ... 30000 ms), so the answer is at most ~2.5x the truth. When ``maximum`` (the
    largest latency seen) is given the answer is capped by it, and the overflow bucket (above 30 s) answers
    with it; without it the overflow bucket answers ``math.inf``. An empty histogram answers None.
    """
    total = sum(histogram)
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for i, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            bound = LATENCY_BUCKETS_MS[i] if i < len(LATENCY_BUCKETS_MS) else math.inf
            if maximum is not None:
                bound = min(bound, maximum)
            return float(bound)
    return None  # pragma: no cover  (seen reaches total)


def _summary_aggregates():
    aggregates = {name: Coalesce(Sum(name), 0) for name in COUNTERS}
    aggregates["latency_sum_ms"] = Coalesce(Sum("latency_sum_ms"), 0.0, output_field=FloatField())
    aggregates["latency_max_ms"] = Max("latency_max_ms")
    # The histogram summed in SQL, one bucket per JSON array element (PostgreSQL jsonb, SQLite JSON1).
    for i in range(len(LATENCY_BUCKETS_MS) + 1):
        aggregates[f"h{i}"] = Coalesce(Sum(Cast(KT(f"latency_histogram__{i}"), IntegerField())), 0)
    return aggregates


def _finish(row):
    """Turn one aggregate row into the summary dict."""
    buckets = len(LATENCY_BUCKETS_MS) + 1
    histogram = [int(row.pop(f"h{i}")) for i in range(buckets)]
    calls = row["calls"]
    refusals = row["refused_401"] + row["refused_403"] + row["refused_429"]
    errors = row["status_4xx"] + row["status_5xx"]
    maximum = row["latency_max_ms"]
    row.update(
        errors=errors,
        error_rate=errors / calls if calls else None,
        refusals=refusals,
        latency_avg_ms=row["latency_sum_ms"] / calls if calls else None,
        latency_max_ms=maximum if calls else None,
        latency_p50_ms=percentile_from_histogram(histogram, 0.50, maximum=maximum),
        latency_p95_ms=percentile_from_histogram(histogram, 0.95, maximum=maximum),
        latency_p99_ms=percentile_from_histogram(histogram, 0.99, maximum=maximum),
        latency_histogram=histogram,
    )
    return row


def summary(rollups):
    """Figures of a queryset of UsageRollup rows in ONE aggregate query (histograms summed in SQL too):

    calls, status_2xx/4xx/5xx, errors (4xx + 5xx, whoever answered) and error_rate, refused_401/403/429 and
    refusals (the bus' own refusals), not_granted, inactive_key, bytes_in/out, latency_sum/avg/max and
    p50/p95/p99 (ms, histogram resolution: see ``percentile_from_histogram``), latency_histogram.
    """
    return _finish(rollups.order_by().aggregate(**_summary_aggregates()))


def summary_by(rollups, *fields):
    """``summary`` per group (e.g. ``summary_by(qs, "service_id")``), still one query: a list of dicts, each
    with the group fields first."""
    groups = rollups.order_by().values(*fields).annotate(**_summary_aggregates()).order_by(*fields)
    return [_finish(dict(group)) for group in groups]


def live_since(*, now=None):
    """Where reading switches from the rollups to the raw request log: the hour after the last settled rollup
    (or the first logged hour, before any; or the current hour when nothing was logged)."""
    last = _last_settled_hour()
    if last is not None:
        return last + HOUR
    first = RequestLog.objects.order_by("time").values_list("time", flat=True).first()
    return floor_hour(first if first is not None else (now or timezone.now()))


def usage_by(*, start, end, fields=(), by_day=False, now=None, live_from=None, **filters):
    """``summary`` per group over [start, end) that includes the calls drained seconds ago: settled hours
    come from the rollups, the hours after them (``live_since``) from the request log, one aggregate query
    each, merged per group. ``fields`` are columns both tables share (service_id, organization_id, ...);
    ``by_day`` adds the local date as ``day``; ``filters`` apply to both tables; ``live_from`` saves the
    ``live_since`` query when the caller has it. A list of dicts.

    A day in the SPLP's time zone is a whole number of UTC hours (WIB, WITA and WIT are whole-hour
    offsets), so the rollups of an hour never straddle two days.
    """
    if live_from is None:
        live_from = live_since(now=now)
    live = min(max(start, live_from), end)
    rollups = UsageRollup.objects.filter(hour__gte=start, hour__lt=live, **filters)
    log = RequestLog.objects.filter(time__gte=live, time__lt=end, **filters)
    keys = list(fields)
    if by_day:
        tz = timezone.get_current_timezone()
        rollups = rollups.annotate(day=TruncDate("hour", tzinfo=tz))
        log = log.annotate(day=TruncDate("time", tzinfo=tz))
        keys.append("day")
    merged = {}
    for queryset, aggregates in ((rollups, _summary_aggregates()), (log, _hour_aggregates())):
        queryset = queryset.order_by()
        rows = queryset.values(*keys).annotate(**aggregates) if keys else [queryset.aggregate(**aggregates)]
        for row in rows:
            group = tuple(row.pop(key) for key in keys)
            total = merged.setdefault(group, {})
            for name, value in row.items():
                if name == "latency_max_ms":
                    total[name] = max(total.get(name) or 0, value or 0)
                else:
                    total[name] = total.get(name, 0) + (value or 0)
    return [{**dict(zip(keys, group, strict=True)), **_finish(total)} for group, total in merged.items()]


def log_summary_by(rows, *fields):
    """``summary_by`` for raw RequestLog rows (those not rolled up yet): the same figures, in one query."""
    groups = rows.order_by().values(*fields).annotate(**_hour_aggregates()).order_by(*fields)
    return [_finish(dict(group)) for group in groups]


# -- Retention of raw rows -----------------------------------------------------------------------------


def retention_cutoff(now=None):
    days = getattr(settings, "SPLP_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    return (now or timezone.now()) - datetime.timedelta(days=days)


def _purge_horizon(cutoff):
    """Rows before the returned moment may go: older than the cutoff AND in hours already rolled up.

    The first hour holding rows but no ``RollupHour`` (never rolled up) stops the purge there."""
    row_hours = set(
        RequestLog.objects.filter(time__lt=cutoff)
        .annotate(h=TruncHour("time", tzinfo=UTC))
        .order_by()
        .values_list("h", flat=True)
        .distinct()
    )
    if not row_hours:
        return cutoff
    rolled = set(RollupHour.objects.filter(hour__in=row_hours).values_list("hour", flat=True))
    missing = row_hours - rolled
    return min(cutoff, min(missing)) if missing else cutoff


def request_log_purge(*, now=None, chunk=200):
    """Delete raw log rows older than SPLP_LOG_RETENTION_DAYS (default 400), whole batches at a time, and
    only batches whose every row is past the retention period in an hour already rolled up. The LogBatch
    rows stay (they carry the hash chain). Returns (batches, rows) deleted; a second run deletes nothing.

    Verifying the chain recomputes each batch's hash from its rows, so a purged batch can no longer be
    verified row by row: ``request_log_verify`` must treat it as purged (chain links only).
    """
    horizon = _purge_horizon(retention_cutoff(now))
    batch_ids = list(
        LogBatch.objects.annotate(newest=Max("rows__time"))
        .filter(newest__lt=horizon)
        .order_by("id")
        .values_list("id", flat=True)
    )
    purged_batches = purged_rows = 0
    for i in range(0, len(batch_ids), chunk):
        ids = batch_ids[i:i + chunk]
        with transaction.atomic():
            deleted, _by_model = RequestLog.objects.filter(batch_id__in=ids).delete()
            # The batches keep their place in the hash chain; verify checks the links of purged ones.
            LogBatch.objects.filter(id__in=ids).update(purged_at=timezone.now())
            last = LogBatch.objects.get(pk=ids[-1])
            audit_record(
                actor=None, target=last, action=AuditAction.REQUEST_LOG_PURGE,
                data={"batches": [ids[0], ids[-1]], "batch_count": len(ids), "rows": deleted,
                      "before": horizon.isoformat()},
            )
        purged_batches += len(ids)
        purged_rows += deleted
    return purged_batches, purged_rows


@shared_task
def purge_request_log_task():
    batches, rows = request_log_purge()
    return {"batches": batches, "rows": rows}
