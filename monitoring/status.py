"""The system status the Dinas watches: is the worker alive, does beat tick, does the request log reach the
database and get rolled up, do tasks pile up, are the database and Redis there.

``system_status()`` computes every item once, with a traffic light; the status page shows it and /metrics
exports the same numbers. Thresholds are the constants below: "amber" past the first, "red" past the second.
"""

import datetime
import logging
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy, pgettext_lazy
from kombu.exceptions import ChannelError

from splp.health import dependency_checks

from .logbuffer import sinks
from .models import LogBatch, RollupHour, WorkerHeartbeat
from .rollups import HOUR

logger = logging.getLogger(__name__)

MINUTE = datetime.timedelta(minutes=1)
# Beat sends the heartbeat every minute and a worker runs it at once: 3 minutes without one is an outage.
HEARTBEAT_AMBER, HEARTBEAT_RED = 2 * MINUTE, 3 * MINUTE
# The drain runs every 5 seconds: the oldest buffered call should never be this old.
DRAIN_LAG_AMBER, DRAIN_LAG_RED = datetime.timedelta(seconds=30), 5 * MINUTE
# Rows waiting in the log buffer; one drain stores up to 5000 at a time.
LOG_BUFFER_AMBER, LOG_BUFFER_RED = 5_000, 50_000
# The hourly rollup runs at minute 5: the last rolled-up hour normally ended 1 h 5 min ago at most.
ROLLUP_AMBER, ROLLUP_RED = 75 * MINUTE, 3 * HOUR
# Tasks (e-mails included) waiting in the broker queue for a worker.
QUEUE_AMBER, QUEUE_RED = 100, 1_000

CONTEXT = "monitoring-status"  # short words other areas translate differently
LIGHT_LABELS = {
    "green": pgettext_lazy(CONTEXT, "OK"),
    "amber": pgettext_lazy(CONTEXT, "Late"),
    "red": pgettext_lazy(CONTEXT, "Problem"),
    "grey": pgettext_lazy(CONTEXT, "No data yet"),
}
DEPENDENCY_LABELS = {
    "database": pgettext_lazy(CONTEXT, "Database"),
    "cache": gettext_lazy("Redis (cache)"),
    "broker": gettext_lazy("Redis (task queue)"),
}


@dataclass
class StatusItem:
    label: str
    light: str  # green, amber, red; grey when there is nothing to judge yet
    at: datetime.datetime | None = None  # the moment the item is about, shown in local time
    value: str = ""
    note: str = ""
    number: float | None = None  # the figure /metrics exports (seconds or a count), None when unknown

    @property
    def light_label(self):
        return LIGHT_LABELS[self.light]


def light_for(value, amber, red):
    """green up to ``amber``, amber up to ``red``, red beyond; grey when there is no value."""
    if value is None:
        return "grey"
    if value > red:
        return "red"
    return "amber" if value > amber else "green"


def queued_tasks():
    """Messages waiting in the default task queue, through kombu's generic API (any transport)."""
    from splp.celery import app

    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        try:
            return conn.default_channel.queue_declare(queue=app.conf.task_default_queue, passive=True).message_count
        except ChannelError:  # Redis drops an empty list: no queue is an empty queue
            return 0


def _buffer_state(now):
    """(rows waiting, lag in seconds) over every buffer the drain reads."""
    rows, oldest = 0, None
    for sink in sinks():
        rows += sink.size()
        record = sink.oldest()
        if record is not None:
            moment = datetime.datetime.fromisoformat(record["time"])
            oldest = moment if oldest is None else min(oldest, moment)
    return rows, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def _age(now, moment):
    return (now - moment).total_seconds() if moment else None


def _heartbeat_items(now):
    heartbeat = WorkerHeartbeat.objects.filter(pk=1).first()
    ran_at = heartbeat.ran_at if heartbeat else None
    sent_at = heartbeat.sent_at if heartbeat else None
    worker_age, beat_age = _age(now, ran_at), _age(now, sent_at)
    amber, red = HEARTBEAT_AMBER.total_seconds(), HEARTBEAT_RED.total_seconds()
    never = _("No heartbeat yet.")
    return {
        "worker": StatusItem(
            _("Celery worker: last seen"), light_for(worker_age, amber, red) if heartbeat else "red", at=ran_at,
            value=heartbeat.hostname if heartbeat else never, number=worker_age,
            note=_("A worker runs the heartbeat task every minute."),
        ),
        "beat": StatusItem(
            _("Celery beat: last tick"), light_for(beat_age, amber, red) if heartbeat else "red", at=sent_at,
            value="" if heartbeat else never, number=beat_age,
            note=_("Beat sends the heartbeat task every minute."),
        ),
    }


def _log_items(now):
    last_batch = LogBatch.objects.order_by("-id").values_list("created_at", flat=True).first()
    try:
        rows, lag = _buffer_state(now)
    except Exception as exc:  # the buffer is unreachable (Redis down): say so, keep the page
        logger.warning("status: cannot read the log buffer", exc_info=True)
        error = _("Cannot read the buffer (%(error)s).") % {"error": exc.__class__.__name__}
        return {
            "drain": StatusItem(_("Request-log drain"), "red", at=last_batch, value=error),
            "log_buffer": StatusItem(_("Calls waiting in the log buffer"), "red", value=error),
        }
    return {
        "drain": StatusItem(
            _("Request-log drain"),
            light_for(lag, DRAIN_LAG_AMBER.total_seconds(), DRAIN_LAG_RED.total_seconds()), at=last_batch,
            value=_("lag %(seconds)d s") % {"seconds": round(lag)}, number=lag,
            note=_("When the last batch of calls reached the database; the lag is the age of the oldest call "
                   "still waiting."),
        ),
        "log_buffer": StatusItem(
            _("Calls waiting in the log buffer"), light_for(rows, LOG_BUFFER_AMBER, LOG_BUFFER_RED),
            value=str(rows), number=rows,
        ),
    }


def _rollup_item(now):
    last = RollupHour.objects.order_by("-hour").values("hour", "computed_at").first()
    if last is None:
        return StatusItem(_("Last rolled-up hour"), "grey", value=_("No hour rolled up yet."))
    age = (now - (last["hour"] + HOUR)).total_seconds()
    computed = timezone.localtime(last["computed_at"])
    return StatusItem(
        _("Last rolled-up hour"), light_for(age, ROLLUP_AMBER.total_seconds(), ROLLUP_RED.total_seconds()),
        at=last["hour"], number=age,
        value=_("computed at %(time)s") % {"time": computed.strftime("%H:%M")},
        note=_("Reports and /metrics read the hourly rollups; the hourly job runs at minute 5."),
    )


def _queue_item():
    note = _("E-mail notifications are sent by tasks: they wait in this queue too.")
    try:
        waiting = queued_tasks()
    except Exception as exc:  # broker down: the other items still matter
        logger.warning("status: cannot read the task queue", exc_info=True)
        return StatusItem(_("Tasks waiting"), "red", note=note,
                          value=_("Cannot read the queue (%(error)s).") % {"error": exc.__class__.__name__})
    return StatusItem(_("Tasks waiting"), light_for(waiting, QUEUE_AMBER, QUEUE_RED), value=str(waiting),
                      number=waiting, note=note)


def system_status(*, now=None):
    """Every item of the status page, in display order: {key: StatusItem}. A fixed number of queries."""
    now = now or timezone.now()
    items = {**_heartbeat_items(now), **_log_items(now), "rollup": _rollup_item(now), "queue": _queue_item()}
    for name, result in dependency_checks().items():
        ok = result == "ok"
        items[name] = StatusItem(str(DEPENDENCY_LABELS[name]), "green" if ok else "red",
                                 value="" if ok else result, number=1 if ok else 0)
    return items
