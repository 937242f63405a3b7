"""`make run`'s process manager (splp/supervisord.conf, splp/supervise.py), run for real: the portal, the worker
and beat against the suite's database. A process that dies is restarted and leaves nothing behind; one that
cannot start stops everything; SIGINT (Ctrl-C) stops everything."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.bus.test_server import database_url, free_port

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ("web", "worker", "beat")
WAIT = 120  # seconds; generous for a shared machine, never a measure

pytestmark = pytest.mark.django_db(transaction=True)  # the processes read the suite's database


def group(pgid):
    """Live processes of a process group (supervisord starts each program in its own)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_for(condition, what, log):
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what}; supervisord's output:\n{log.read_text()[-4000:]}"
        time.sleep(0.2)


class Supervisor:
    def __init__(self, var_dir, port):
        self.port = port
        self.log = var_dir / "supervisord.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "splp.settings",
            "DEBUG": "0",
            "SECRET_KEY": "supervise-test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": "",
            "SPLP_VAR_DIR": str(var_dir),
            "PORT": str(port),
            # As `make run` does: the configuration's `python` is the project's interpreter.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "supervisor.supervisord", "-c", str(ROOT / "splp" / "supervisord.conf")],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )

    def output(self):
        return self.log.read_text()

    def pids(self, program):
        """Every pid supervisord has started ``program`` with, in order."""
        return [int(p) for p in re.findall(rf"spawned: '{program}' with pid (\d+)", self.output())]

    def running(self, program, times=1):
        return self.output().count(f"success: {program} entered RUNNING state") >= times

    def wait_running(self, *programs, times=1):
        wait_for(lambda: all(self.running(p, times) for p in programs), f"{programs} not running", self.log)

    def serves(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=10) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=WAIT)


@pytest.fixture
def supervisor(tmp_path):
    started = Supervisor(tmp_path, free_port())
    yield started
    started.stop()


def test_a_process_that_dies_is_restarted_and_ctrl_c_stops_everything(supervisor):
    supervisor.wait_running(*PROGRAMS)
    wait_for(supervisor.serves, "the portal does not answer", supervisor.log)
    [web] = supervisor.pids("web")
    granian_worker = [pid for pid in group(web) if pid != web]
    assert granian_worker  # Granian serves from a child process

    os.kill(web, signal.SIGKILL)
    supervisor.wait_running("web", times=2)
    assert "exited: web (terminated by SIGKILL; not expected)" in supervisor.output()
    [_, new_web] = supervisor.pids("web")
    assert new_web != web
    # The killed Granian's worker does not keep serving beside the new one.
    wait_for(lambda: not group(web), f"Granian's old worker {granian_worker} still runs", supervisor.log)
    wait_for(supervisor.serves, "the restarted portal does not answer", supervisor.log)

    [worker] = supervisor.pids("worker")
    os.kill(worker, signal.SIGKILL)
    supervisor.wait_running("worker", times=2)
    assert "exited: worker (terminated by SIGKILL; not expected)" in supervisor.output()
    assert supervisor.process.poll() is None

    # Ctrl-C: supervisord stops every process, each with its children, and exits.
    groups = [supervisor.pids(p)[-1] for p in PROGRAMS]
    assert len([pid for g in groups for pid in group(g)]) > len(PROGRAMS)  # Granian's worker too
    supervisor.process.send_signal(signal.SIGINT)
    assert supervisor.process.wait(timeout=WAIT) == 0
    assert not [pid for g in groups for pid in group(g)]
    assert not (supervisor.log.parent / "make-run.failed").exists()


def test_a_process_that_cannot_start_stops_everything(tmp_path):
    with socket.socket() as taken:  # the portal's port is in use: Granian exits at once, every time
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        supervisor = Supervisor(tmp_path, taken.getsockname()[1])
        try:
            supervisor.process.wait(timeout=WAIT)
        finally:
            supervisor.stop()
    output = supervisor.output()
    assert "gave up: web entered FATAL state" in output
    assert "SPLP: process 'web' could not be started (see its output above); stopping all processes." in output
    assert (tmp_path / "make-run.failed").read_text() == "web"  # `make run` exits non-zero on it
    assert not [pid for p in ("worker", "beat") for g in supervisor.pids(p) for pid in group(g)]
