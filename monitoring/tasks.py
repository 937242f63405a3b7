from celery import shared_task

from .services import request_log_drain


@shared_task
def drain_request_log_task():
    return request_log_drain()
