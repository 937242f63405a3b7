"""The worker heartbeat: Celery beat sends ``heartbeat_task`` every minute, a worker runs it, and the row
records both moments, so the status page tells a stopped beat from a stopped (or swamped) worker.

Beat's send time travels in a message header stamped at publish time (``before_task_publish`` runs in the
process that sends, here beat); the worker reads it back from the task's request.
"""

import datetime

from celery import shared_task
from celery.signals import before_task_publish
from django.utils import timezone

from .services import worker_heartbeat_record

SENT_AT_HEADER = "splp_sent_at"
TASK_NAME = "monitoring.heartbeat.heartbeat_task"


@before_task_publish.connect
def stamp_sent_at(sender=None, headers=None, **kwargs):
    if sender == TASK_NAME and headers is not None:
        headers[SENT_AT_HEADER] = timezone.now().isoformat()


@shared_task(bind=True, name=TASK_NAME)
def heartbeat_task(self):
    sent = getattr(self.request, SENT_AT_HEADER, None)
    heartbeat = worker_heartbeat_record(
        sent_at=datetime.datetime.fromisoformat(sent) if sent else None, hostname=self.request.hostname or "",
    )
    return heartbeat.ran_at.isoformat()
