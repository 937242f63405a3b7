"""The Dinas' system status page (/pemantauan/status/): the worker heartbeat and beat's tick, the request-log
drain and buffer, the last rolled-up hour, the task queue and the dependencies, each with a traffic light."""

import datetime
import json
import re
import uuid

import pytest
import redis
import time_machine
from celery.worker.request import Request
from django.urls import reverse
from kombu import Connection

from monitoring.heartbeat import heartbeat_task
from monitoring.logbuffer import REDIS_KEY, REDIS_PROCESSING_KEY, RedisSink, SqliteSink
from monitoring.models import RollupHour, WorkerHeartbeat
from monitoring.services import worker_heartbeat_record
from monitoring.status import queued_tasks, system_status
from splp.celery import app

UTC = datetime.UTC
T = datetime.datetime(2026, 6, 1, 3, 10, tzinfo=UTC)  # 10:10 WIB
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def local_buffer(settings, tmp_path):
    """Only the local buffer file (the embedded profile's), in a folder of the test's own."""
    settings.SPLP_LOG_BUFFER_PATH = str(tmp_path / "buffer.sqlite3")
    settings.REDIS_URL = ""
    return SqliteSink(settings.SPLP_LOG_BUFFER_PATH)


def buffered(sink, when):
    sink.push([json.dumps({"request_id": uuid.uuid4().hex, "time": when.isoformat()})])


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("monitoring:status"))
    assert response.status_code == 200
    return response.content.decode()


def page_lights(html):
    """{row label: light} as the page shows them."""
    return dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td><span class="light light-\w+" data-light="(\w+)"',
                           html))


def lights_at(moment):
    with time_machine.travel(moment, tick=False):
        return {key: item.light for key, item in system_status().items()}


def test_only_dinas_administrators_see_the_status_page(client, admin_user, publisher, requester, outsider):
    url = reverse("monitoring:status")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (publisher, requester, outsider):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403, user
        assert "Status sistem" not in response.content.decode()
    html = page(client, admin_user)
    assert "Status sistem" in html and "Belum ada detak." in html


def test_dashboard_links_to_the_status_page(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("monitoring:dashboard")).content.decode()
    assert f'href="{reverse("monitoring:status")}"' in html


def test_heartbeat_sent_by_beat_and_run_by_the_worker_is_recorded(db):
    """The real message path: the publish signal stamps beat's send time, a worker request runs the task."""
    app.conf.task_always_eager = False
    try:
        with Connection("memory://") as conn:
            queue = conn.SimpleQueue(f"heartbeat-{uuid.uuid4().hex}")
            with time_machine.travel(T, tick=False):
                heartbeat_task.apply_async(connection=conn, queue=queue.queue.name)
            message = queue.get(timeout=1)
            with time_machine.travel(T + 20 * datetime.timedelta(seconds=1), tick=False):
                Request(message, app=app, task=heartbeat_task, hostname="worker1@splp").execute()
            queue.close()
    finally:
        app.conf.task_always_eager = True
    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.sent_at == T
    assert heartbeat.ran_at == T + datetime.timedelta(seconds=20)
    assert heartbeat.hostname == "worker1@splp"
    # The next run replaces it: one row, ever.
    with time_machine.travel(T + MINUTE, tick=False):
        heartbeat_task.delay()
    assert WorkerHeartbeat.objects.get().ran_at == T + MINUTE


def test_heartbeat_is_green_while_fresh_amber_then_red_when_stale(client, admin_user, local_buffer):
    assert lights_at(T)["worker"] == "red"  # no heartbeat ever
    with time_machine.travel(T, tick=False):
        worker_heartbeat_record(sent_at=T - datetime.timedelta(seconds=2), hostname="worker1@splp")
    for moment, light in ((T + MINUTE, "green"), (T + 150 * datetime.timedelta(seconds=1), "amber"),
                          (T + 4 * MINUTE, "red")):
        lights = lights_at(moment)
        assert (lights["worker"], lights["beat"]) == (light, light), moment
    with time_machine.travel(T + 4 * MINUTE, tick=False):
        shown = page_lights(page(client, admin_user))
        status = system_status()
    assert shown["Worker Celery: terakhir terlihat"] == "red"
    assert shown["Celery beat: detak terakhir"] == "red"
    assert status["worker"].number == 240 and status["worker"].value == "worker1@splp"


def test_drain_lag_is_the_age_of_the_oldest_waiting_call(client, admin_user, local_buffer):
    with time_machine.travel(T, tick=False):
        status = system_status()
    assert (status["drain"].light, status["drain"].number, status["log_buffer"].number) == ("green", 0, 0)
    buffered(local_buffer, T - datetime.timedelta(seconds=10))
    buffered(local_buffer, T - datetime.timedelta(seconds=2))
    with time_machine.travel(T, tick=False):
        status = system_status()
    assert (status["drain"].light, status["drain"].number, status["log_buffer"].number) == ("green", 10, 2)
    with time_machine.travel(T + 10 * MINUTE, tick=False):
        status = system_status()
        html = page(client, admin_user)
    assert status["drain"].light == "red"
    assert page_lights(html)["Pengurasan log permintaan"] == "red"
    assert "jeda 610 dtk" in html


def test_last_rolled_up_hour_turns_red_when_the_hourly_job_stops(db, local_buffer):
    assert lights_at(T)["rollup"] == "grey"
    RollupHour.objects.create(hour=T.replace(minute=0) - datetime.timedelta(hours=1))  # 09:00-10:00 WIB
    assert lights_at(T)["rollup"] == "green"
    assert lights_at(T + datetime.timedelta(hours=1))["rollup"] == "green"  # 11:10: the 11:05 run may be a little late
    assert lights_at(T + datetime.timedelta(hours=1, minutes=20))["rollup"] == "amber"
    assert lights_at(T + datetime.timedelta(hours=3))["rollup"] == "red"


def test_tasks_waiting_are_counted_through_the_broker(db, settings, local_buffer):
    """kombu's generic queue declaration: the same probe for Redis and the virtual (embedded) transports."""
    broker = settings.CELERY_BROKER_URL if settings.CELERY_BROKER_URL.startswith("redis") else "memory://"
    name = f"status-test-{uuid.uuid4().hex}"
    previous = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.broker_url, app.conf.task_default_queue = broker, name
    try:
        assert queued_tasks() == 0
        with Connection(broker) as conn:
            queue = conn.SimpleQueue(name)
            for i in range(3):
                queue.put({"n": i})
            status = system_status()
            assert (status["queue"].number, status["queue"].value, status["queue"].light) == (3, "3", "green")
            queue.clear()
            queue.close()
    finally:
        app.conf.broker_url, app.conf.task_default_queue = previous


def test_an_unreachable_broker_is_red_and_the_page_still_renders(client, admin_user, local_buffer):
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        html = page(client, admin_user)
    finally:
        app.conf.broker_url = previous
    assert page_lights(html)["Tugas menunggu"] == "red"
    assert "Tidak dapat membaca antrean" in html


def test_dependencies_reuse_the_readiness_checks(db, local_buffer):
    status = system_status()
    assert (status["database"].light, status["database"].number) == ("green", 1)
    assert "cache" not in status  # no Redis configured


def test_redis_state_and_buffer_are_shown_when_configured(client, admin_user, settings, tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (make test-services runs it against the machine's Redis)")
    settings.SPLP_LOG_BUFFER_PATH = str(tmp_path / "buffer.sqlite3")
    client_redis = redis.Redis.from_url(settings.REDIS_URL)
    client_redis.delete(REDIS_KEY, REDIS_PROCESSING_KEY)
    try:
        RedisSink(client_redis).push([json.dumps({"request_id": "r1", "time": (T - MINUTE).isoformat()})])
        with time_machine.travel(T, tick=False):
            status = system_status()
            shown = page_lights(page(client, admin_user))
    finally:
        client_redis.delete(REDIS_KEY, REDIS_PROCESSING_KEY)
    assert shown["Redis (cache)"] == "green" and shown["Redis (antrean tugas)"] == "green"
    assert (status["log_buffer"].number, status["drain"].number, status["drain"].light) == (1, 60, "amber")
