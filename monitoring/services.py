"""Draining the request-log buffer into the database as hash-chained batches, verifying the chain, and the
worker heartbeat."""

import datetime
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Func, JSONField, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from access.logmask import value_hash
from splp.audit import AuditAction, audit_record

from .logbuffer import sinks
from .models import LogBatch, RequestLog, WorkerHeartbeat

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
ROW_FIELDS = (
    "request_id", "time", "organization_id", "grant_id", "service_id", "api_version_id", "operation_id",
    "key_prefix", "method", "path", "client_ip", "status", "upstream_status", "latency_ms",
    "upstream_latency_ms", "bytes_in", "bytes_out", "error_code", "params",
)
DRAIN_LOCK = "splp:reqlog:drain-lock"


def canonical_row(row: RequestLog) -> str:
    values = []
    for name in ROW_FIELDS:
        value = getattr(row, name)
        if isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        values.append(value)
    # "params" came later: left out when empty, so rows chained before it existed still verify. Keys sorted,
    # as PostgreSQL's jsonb does not keep their order.
    if not values[-1]:
        values.pop()
    return json.dumps(values, separators=(",", ":"), sort_keys=True)


def chain_hash(prev_hash: str, rows: Iterable[RequestLog]) -> str:
    digest = hashlib.sha256(prev_hash.encode())
    for row in rows:
        digest.update(b"\n" + canonical_row(row).encode())
    return digest.hexdigest()


def _row(record):
    record = dict(record)
    record["time"] = datetime.datetime.fromisoformat(record["time"])
    return RequestLog(**{name: record.get(name) for name in ROW_FIELDS if name in record})


@transaction.atomic
def request_log_write_batch(records: Sequence[dict]) -> int:
    """Store one batch; rows already stored (an interrupted earlier drain) are skipped, so it is idempotent."""
    ids = [r["request_id"] for r in records]
    stored = set(RequestLog.objects.filter(request_id__in=ids).values_list("request_id", flat=True))
    seen = set()
    rows = []
    for record in records:
        if record["request_id"] in stored or record["request_id"] in seen:
            continue
        seen.add(record["request_id"])
        rows.append(_row(record))
    if not rows:
        return 0
    last = LogBatch.objects.select_for_update().order_by("-id").first()
    prev_hash = last.hash if last else GENESIS
    batch = LogBatch.objects.create(row_count=len(rows), prev_hash=prev_hash, hash=chain_hash(prev_hash, rows))
    for row in rows:
        row.batch = batch
    RequestLog.objects.bulk_create(rows)
    return len(rows)


def request_log_drain(*, batch_size: int = 5000, wait_seconds: float = 0.0) -> int:
    """Move everything buffered into the database. One drain at a time (a lock); returns rows stored.

    With ``wait_seconds``, a drain already running is waited for (then this one drains what is left), so the
    caller knows every call buffered before it was called is stored; without, it returns 0 at once.
    """
    deadline = time.monotonic() + wait_seconds
    while not cache.add(DRAIN_LOCK, "1", timeout=300):
        if time.monotonic() >= deadline:
            return 0
        time.sleep(0.05)
    stored = 0
    try:
        for sink in sinks():
            while True:
                try:
                    marker, lines = sink.peek(batch_size)
                except Exception:  # Redis down: what it holds waits there; the local buffer still drains
                    logger.warning("request log: cannot read %s", type(sink).__name__, exc_info=True)
                    break
                if not lines:
                    break
                try:
                    stored += request_log_write_batch([json.loads(line) for line in lines])
                except IntegrityError:
                    # Another drain chained a batch at the same moment: leave the items for the next run.
                    return stored
                sink.ack(marker)
    finally:
        cache.delete(DRAIN_LOCK)
    return stored


def request_log_verify(anchors: Sequence[dict] = ()) -> tuple[int, LogBatch | None, str]:
    """Recompute the chain. Returns (checked_batches, first_bad_batch_or_None, reason); reason is "" when intact.

    ``anchors``: chain heads recorded outside the database (``monitoring.anchors``). The chain must also reach
    each anchored batch with the anchored hash and cumulative row count, so a chain rebuilt inside the database
    (rows altered, every hash recomputed) fails at the first anchor after the change. A chain that ends before
    an anchored batch fails too, naming its last batch (None when no batch is left)."""
    pending = {anchor["batch"]: anchor for anchor in anchors}
    prev_hash = GENESIS
    checked = rows_total = 0
    batch = None
    for batch in LogBatch.objects.order_by("id").iterator():
        rows = list(RequestLog.objects.filter(batch=batch).order_by("id"))
        if batch.prev_hash != prev_hash:
            return checked, batch, "prev_hash does not match the previous batch"
        if batch.purged_at is not None:
            if rows:
                return checked, batch, f"{len(rows)} rows stored in a batch marked purged"
        elif len(rows) != batch.row_count:
            return checked, batch, f"{len(rows)} rows stored, {batch.row_count} recorded"
        elif chain_hash(prev_hash, rows) != batch.hash:
            return checked, batch, "rows do not match the batch hash"
        rows_total += batch.row_count
        anchor = pending.pop(batch.pk, None)
        if anchor is not None and (anchor["hash"], anchor["rows"]) != (batch.hash, rows_total):
            return checked, batch, (f"hash {batch.hash[:16]}… after {rows_total} rows, the head anchored on "
                                    f"{anchor['date']} says {anchor['hash'][:16]}… after {anchor['rows']} rows")
        prev_hash = batch.hash
        checked += 1
    if pending:
        anchor = pending[min(pending)]
        return checked, batch, f"the chain ends before batch #{anchor['batch']}, anchored on {anchor['date']}"
    return checked, None, ""


# The longest period one identifier lookup may search: the log keeps values only as hashes, so a lookup reads
# every row of the period; a year bounds it (the raw rows are kept SPLP_LOG_RETENTION_DAYS, 400 by default).
IDENTIFIER_LOOKUP_MAX_DAYS = 366


# Every string in a row's params (migration 0009 indexes exactly this expression on PostgreSQL).
PARAM_VALUES = Func(
    F("params"), Value('strict $.** ? (@.type() == "string")'), function="jsonb_path_query_array",
    output_field=JSONField(),
)


def _carrying(digest):
    if connection.vendor == "postgresql":
        return RequestLog.objects.alias(param_values=PARAM_VALUES).filter(param_values__contains=[digest])
    # The JSON text holds each hash quoted, whatever the parameter: a match is that exact value.
    return RequestLog.objects.filter(params__icontains=f'"{digest}"')


@transaction.atomic
def request_log_lookup_identifier(
    *, actor: User, value: str, date_from: datetime.date, date_to: datetime.date
) -> QuerySet[RequestLog]:
    """The calls whose path or query carried ``value`` between the two local dates (inclusive), newest first.

    The value is hashed with the log's key and only the hash is audited: the lookup leaves no identifier
    in clear behind it either."""
    value = value.strip()
    if not value:
        raise ValidationError(_("Enter the value to look up."))
    if date_to < date_from:
        raise ValidationError(_("The period ends before it starts."))
    if (date_to - date_from).days >= IDENTIFIER_LOOKUP_MAX_DAYS:
        raise ValidationError(_("The period may be at most %(days)s days.") % {"days": IDENTIFIER_LOOKUP_MAX_DAYS})
    digest = value_hash(value)
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min))
    audit_record(actor=actor, target=actor, action=AuditAction.IDENTIFIER_LOOKUP, data={
        "value_hash": digest, "from": date_from.isoformat(), "to": date_to.isoformat(),
    })
    return (
        _carrying(digest).filter(time__gte=start, time__lt=end)
        .select_related("organization", "service", "operation")
        .order_by("-time", "-id")
    )


@transaction.atomic
def worker_heartbeat_record(*, sent_at: datetime.datetime | None, hostname: str = "") -> WorkerHeartbeat:
    """Record that a worker ran the heartbeat now (``sent_at``: when beat sent it, if known). One row,
    overwritten every minute: no audit row (a system signal, like the drain, not a decision of anyone)."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        pk=1, defaults={"sent_at": sent_at, "ran_at": timezone.now(), "hostname": hostname[:200]},
    )
    return heartbeat
