"""The embedded default's broker under the load `make run` puts on it: a real Celery worker with embedded beat
consumes while threads of this process and a second process publish (kombu issue #1551 killed the worker on
the filesystem transport). The worker must stay up and run every task."""

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery import Celery

ROOT = Path(__file__).resolve().parents[2]
NOTIFY = "splp.tasks.send_notification_task"
DRAIN = "monitoring.tasks.drain_request_log_task"
THREADS, PER_THREAD = 4, 150  # in this process; the second process publishes as many again
SUCCEEDED = re.compile(r"Task ([\w.]+)\[([\w-]+)\] succeeded")

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads what the test commits


def broker_app(var_dir):
    """A Celery app publishing to the embedded default's broker under ``var_dir`` (splp/settings.py)."""
    broker = f"sqlite:///{Path(var_dir) / 'celery-broker.sqlite3'}"
    return Celery(broker=broker, broker_transport="splp.broker:Transport")


def publish(var_dir, prefix, threads, per_thread):
    """Send ``threads * per_thread`` notification tasks about no object (the task answers 0), ids prefix-t-i."""
    app = broker_app(var_dir)

    def run(thread):
        for i in range(per_thread):
            app.send_task(NOTIFY, args=["access_submit", "access.accessrequest", 0], task_id=f"{prefix}-{thread}-{i}")

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def succeeded(log):
    return {task_id: name for name, task_id in SUCCEEDED.findall(log.read_text())}


def test_worker_with_beat_consumes_every_task_from_concurrent_producers(tmp_path):
    # Imported here: the second process imports this module for publish() alone, without Django set up.
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from tests.bus.test_server import database_url

    # Beat publishes too, every second, while the others do.
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="soak drain", task=DRAIN, interval=every_second)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "splp.settings",
        "DEBUG": "0",
        "SECRET_KEY": "soak-test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",  # the embedded default's broker
        "SPLP_VAR_DIR": str(tmp_path),
    }
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "splp", "worker", "--beat", "--pool=solo", "--loglevel=info",
             "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        second = subprocess.Popen(
            [sys.executable, "-c", f"from tests.core.test_broker_soak import publish; "
             f"publish({str(tmp_path)!r}, 'other', {THREADS // 2}, {PER_THREAD * 2})"],
            cwd=ROOT, env=env,
        )
        publish(tmp_path, "here", THREADS, PER_THREAD)
        assert second.wait(timeout=300) == 0
        expected = {f"here-{t}-{i}" for t in range(THREADS) for i in range(PER_THREAD)}
        expected |= {f"other-{t}-{i}" for t in range(THREADS // 2) for i in range(PER_THREAD * 2)}

        deadline = time.monotonic() + 300
        while True:
            assert worker.poll() is None, f"the worker died:\n{log.read_text()[-3000:]}"
            done = succeeded(log)
            if expected <= done.keys() and DRAIN in done.values():
                break
            missing = len(expected - done.keys())
            assert time.monotonic() < deadline, f"{missing} tasks not run:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    assert "CRITICAL" not in log.read_text()
    # Consumed messages do not stay in the broker file (kombu keeps them as invisible rows; splp/broker.py not).
    with sqlite3.connect(tmp_path / "celery-broker.sqlite3") as conn:
        left = conn.execute("SELECT count(*) FROM kombu_message WHERE payload LIKE ?", (f"%{NOTIFY}%",)).fetchone()
    assert left == (0,)
