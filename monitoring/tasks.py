"""Every Celery task of the SPLP, so the worker registers them all (each lives beside its service)."""

from celery import shared_task

from . import anchors, findings, health, heartbeat, reminders, rollups, usage  # noqa: F401  (their @shared_task)
from .monev import services as monev_services  # noqa: F401
from .services import request_log_drain


@shared_task
def drain_request_log_task():
    return request_log_drain()
