"""The request-log chain anchored outside the database.

The hash chain (``monitoring.services``) shows a row changed afterwards, unless whoever changed it recomputed
every batch hash after it: inside the database, the chain alone cannot tell. So once a day the chain head (last
batch, its hash, the rows chained up to it) is appended as one JSON line to SPLP_LOG_ANCHOR_FILE, a file that
production keeps outside the database's directory, and e-mailed to the administrators.
``verify_request_log --anchors FILE`` then checks that the chain still reaches every anchored head, and a final
Monev report prints (and signs) the heads anchored in its period.
"""

import json
import os
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from directory.audiences import administrators, emails
from splp import mail

from .models import LogBatch

MAIL_KIND = "log_anchor"


def request_log_head() -> dict | None:
    """The chain head: the last batch, its hash and the rows of every batch up to it (purged ones included)."""
    last = LogBatch.objects.order_by("-id").first()
    if last is None:
        return None
    rows = LogBatch.objects.filter(id__lte=last.pk).aggregate(total=Sum("row_count"))["total"]
    return {"batch": last.pk, "hash": last.hash, "rows": rows}


def read_anchors(path: str | os.PathLike) -> list[dict]:
    """The anchors of a file, oldest first; a missing file has none. A line that is not an anchor raises
    ValueError (a damaged anchor file must not pass for a short one)."""
    path = Path(path)
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchor = json.loads(line)
            anchor = {"date": str(anchor["date"]), "time": str(anchor["time"]), "batch": int(anchor["batch"]),
                      "hash": str(anchor["hash"]), "rows": int(anchor["rows"])}
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}, line {number}: not a chain anchor ({exc})") from exc
        anchors.append(anchor)
    return anchors


def request_log_anchor(now=None) -> dict | None:
    """Append today's chain head to SPLP_LOG_ANCHOR_FILE (once a day) and e-mail it to the administrators (once;
    a failed send goes out on the next run). Returns the day's anchor, None while the log has no batch.

    A system record like the drain, not anyone's decision: no audit row. Two runs racing may both append a line
    for the day; each is a true head, and the verification checks both."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    path = Path(settings.SPLP_LOG_ANCHOR_FILE)
    anchor = next((anchor for anchor in read_anchors(path) if anchor["date"] == day), None)
    if anchor is None:
        head = request_log_head()
        if head is None:
            return None
        anchor = {"date": day, "time": timezone.localtime(now).isoformat(), **head}
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            handle.write(json.dumps(anchor, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())  # written before anyone is told it was
    mail.send_once(
        MAIL_KIND, day, to=emails(administrators()), subject=N_("Request-log chain head of %(date)s"),
        subject_args={"date": day}, template="monitoring/emails/log_anchor.txt",
        context={"anchor": anchor, "line": json.dumps(anchor, sort_keys=True)},
    )
    return anchor


def anchors_in_period(period_start, period_end) -> list[dict]:
    """The heads anchored during a report's period (local dates, inclusive), oldest first."""
    first, last = period_start.isoformat(), period_end.isoformat()
    return [anchor for anchor in read_anchors(settings.SPLP_LOG_ANCHOR_FILE) if first <= anchor["date"] <= last]


@shared_task
def anchor_request_log_task():
    """Daily (00:10 local, after the day's last drain): the chain head anchored and e-mailed."""
    anchor = request_log_anchor()
    return anchor and anchor["batch"]
