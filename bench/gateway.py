#!/usr/bin/env python
"""Benchmark the bus: upstream direct (nginx `return`), nginx `proxy_pass`, and the gateway with auth + rate
limit + logging on, under the production server (`python -m splp.serve`, as the README says) on the
production profile (PostgreSQL + Redis). Then a graceful stop (SIGTERM) and a count of log rows lost.

Usage: .venv/bin/python bench/gateway.py [--duration 15] [--connections 50] [--workers 4] [--threads 4]
       [--server gunicorn --workers 4 --threads 4]  (gunicorn gthread, for comparison)
Needs: wrk, nginx, a PostgreSQL on 127.0.0.1:5432 (user postgres) and a Redis on 127.0.0.1:6379
(BENCH_DATABASE_URL, BENCH_REDIS_URL and --port move them). Prints numbers; asserts nothing. Traffic goes
to 127.0.0.1 only.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ENV = {
    **os.environ,
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/splp_bench"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    "SECRET_KEY": "bench-only",
    "DEBUG": "0",
    "SPLP_TIME_ZONE": "Asia/Jakarta",
    "SPLP_LOG_HASH_KEY": "bench-only-log-hash-key",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SPLP_INTERNAL_HOSTS": "127.0.0.1",
    "SPLP_VAR_DIR": tempfile.mkdtemp(prefix="splp-bench-"),
    "CONN_MAX_AGE": "600",
}

SETUP = """
import datetime
from django.contrib.auth import get_user_model
from django.utils import timezone
from access import services as a
from directory import services as d
from directory.models import Membership, Organization, Theme
U = get_user_model()
dinas = Organization.objects.create(name="Dinas Kominfo", code="diskominfo", kind="dinas", is_administrator=True)
pub = Organization.objects.create(name="Disdukcapil", code="disdukcapil", kind="dinas")
req = Organization.objects.create(name="Dinas Kesehatan", code="dinkes", kind="dinas")
admin = U.objects.create_user("admin", "a@x.test", "x")
Membership.objects.create(user=admin, organization=dinas, role="administrator")
p = U.objects.create_user("publisher", "p@x.test", "x")
Membership.objects.create(user=p, organization=pub, role="publisher")
r = U.objects.create_user("requester", "r@x.test", "x")
Membership.objects.create(user=r, organization=req, role="requester")
theme = Theme.objects.create(name="Kependudukan", slug="kependudukan")
ok = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
spec = {"openapi": "3.0.3", "info": {"title": "Bench", "version": "1.0.0"},
        "paths": {"/v1/ping": {"get": {"summary": "Ping", "responses": ok}}}}
s, v = d.api_service_register(actor=p, owner=pub, slug="bench", version="1.0.0",
    upstream_base_url="http://127.0.0.1:%(port)d/api", spec=spec, name="Bench", description="bench", theme=theme,
    classification="terbuka", legal_basis="-", update_frequency="harian", contact_name="x",
    contact_email="x@x.test", sla="-", data_producer="x", data_steward="x")
d.api_version_submit_for_review(actor=p, api_version=v); d.api_version_publish(actor=admin, api_version=v)
today = timezone.localdate()
ar = a.access_request_submit(actor=r, requester=req, api_version=v, purpose="bench", legal_basis="-",
    period_start=today, period_end=today + datetime.timedelta(days=30), expected_daily_volume=1)
a.access_request_approve(actor=admin, access_request=ar)
g, _k, _raw = a.access_request_grant(actor=p, access_request=ar)
# Beyond the product's maxima, so every call is counted by the limiter but none is refused.
type(g).objects.filter(pk=g.pk).update(rate_limit_per_minute=10**8, rate_limit_per_day=10**9)
_k, raw = a.api_key_rotate(actor=r, grant=g)
print("KEY=" + raw)
"""

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  upstream backend {{ server 127.0.0.1:{up}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{up};
    location /api/v1/ping {{ default_type application/json; return 200 '{{"ok":true,"service":"bench"}}'; }}
  }}
  server {{
    listen 127.0.0.1:{proxy};
    location / {{ proxy_pass http://backend/api/; proxy_http_version 1.1; proxy_set_header Connection ""; }}
  }}
}}
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENV, cwd=ROOT, **kw)


def wait_http(url, headers=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2) as r:
                return r.status
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def wrk(url, args, headers=None):
    cmd = ["wrk", f"-t{min(2, args.connections)}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    for h in headers or []:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50": pct(50), "p99": pct(99), "total": total,
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "errors": socket_errors.group(1) if socket_errors else ""}


def show(name, r):
    print(f"{name:<34} {r['rps']:>9.0f} req/s   p50 {r['p50']:>7.2f} ms   p99 {r['p99']:>7.2f} ms   "
          f"requests {r['total']}  non-2xx {r['non2xx']} {r['errors']}")


def server_command(args, port):
    if args.server == "gunicorn":
        return [str(Path(PY).parent / "gunicorn"), "splp.wsgi:application", "-b", f"127.0.0.1:{port}",
                "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads), "--log-level", "warning",
                "--keep-alive", "30"]
    # The production command of the README, with this machine's address and the bench's sizes.
    return [PY, "-m", "splp.serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
            "--blocking-threads", str(args.threads), "--log-level", "warning"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--workers", type=int, default=4)  # as the README runs production: two per core
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18000, help="the gateway's; nginx takes the next two")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    if not shutil.which("nginx"):
        raise SystemExit("nginx is needed for the upstream (apt-get install nginx-light)")
    gateway_port, upstream_port, proxy_port = args.port, args.port + 1, args.port + 2

    db = ENV["DATABASE_URL"].rsplit("/", 1)[1]
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {db}"], check=True)
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {db}"], check=True)
    subprocess.run(["redis-cli", "-n", ENV["REDIS_URL"].rsplit("/", 1)[1], "flushdb"], check=True, capture_output=True)
    run([PY, "manage.py", "migrate", "-v0"])
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"])  # as in production (the bus does not use it)
    setup = run([PY, "manage.py", "shell", "-c", SETUP % {"port": upstream_port}])
    key = re.search(r"KEY=(\S+)", setup.stdout).group(1)
    auth = [f"Authorization: Bearer {key}"]

    tmp = Path(ENV["SPLP_VAR_DIR"])
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(dir=tmp, up=upstream_port, proxy=proxy_port))
    nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"])
    server = subprocess.Popen(server_command(args, gateway_port), cwd=ROOT, env=ENV)
    sent = 0
    try:
        upstream = f"http://127.0.0.1:{upstream_port}/api/v1/ping"
        gateway = f"http://127.0.0.1:{gateway_port}/gateway/bench/v1/ping"
        wait_http(upstream)
        wait_http(gateway, {"Authorization": f"Bearer {key}"})
        sent += 1
        print(f"wrk -t2 -c{args.connections} -d{args.duration}s; {args.server} {args.workers} workers x "
              f"{args.threads} threads; {os.cpu_count()} CPUs, everything on this machine")
        direct = wrk(upstream, args)
        show("upstream direct (nginx return)", direct)
        proxied = wrk(f"http://127.0.0.1:{proxy_port}/v1/ping", args)
        show("nginx proxy_pass", proxied)
        # Warm every worker's cache and pool before measuring.
        warm = wrk(gateway, argparse.Namespace(connections=args.connections, duration=2), auth)
        result = wrk(gateway, args, auth)
        sent += warm["total"] + result["total"]
        show("SPLP gateway (auth+limit+log)", result)
        print(f"gateway / nginx proxy_pass: {result['rps'] / proxied['rps']:.2f} of the throughput; added latency vs "
              f"direct at {args.connections} connections: p50 {result['p50'] - direct['p50']:.2f} ms, "
              f"p99 {result['p99'] - direct['p99']:.2f} ms (queueing: {args.connections} in flight / throughput)")
        # One connection: the bus' own cost per call, without queueing behind other calls.
        one = argparse.Namespace(connections=1, duration=args.duration)
        direct1, single = wrk(upstream, one), wrk(gateway, one, auth)
        sent += single["total"]
        show("upstream direct, 1 connection", direct1)
        show("SPLP gateway, 1 connection", single)
        print(f"added latency per call (1 connection): p50 {single['p50'] - direct1['p50']:.2f} ms, "
              f"p99 {single['p99'] - direct1['p99']:.2f} ms")
    finally:
        # A graceful stop right after the last call: whatever is still in the workers' log buffers must be
        # flushed on the way out, not lost.
        for p in (server, nginx):
            p.send_signal(signal.SIGTERM)
        for p in (server, nginx):
            p.wait(timeout=60)
    out = run([PY, "manage.py", "drain_request_log"]).stdout.strip()
    count = int(run([PY, "manage.py", "shell", "-c",
                     "from monitoring.models import RequestLog; print(RequestLog.objects.count())"]).stdout.split()[-1])
    print(f"graceful stop (SIGTERM): {out} gateway calls answered {sent}, log rows {count}, "
          f"lost {max(0, sent - count)}")
    print(run([PY, "manage.py", "verify_request_log"]).stdout.strip())


if __name__ == "__main__":
    main()
