#!/usr/bin/env python
"""CPU cost per upstream call of the bus' HTTP client (access/upstream_client.py), in-process.

Sequential keep-alive calls to nginx on 127.0.0.1 (a small JSON answer, and a 64 KiB one), measured with
process_time, so the upstream's own CPU is not counted. Prints numbers; asserts nothing.

Usage: .venv/bin/python bench/upstream_client.py [--calls 20000]
Needs: nginx (apt-get install nginx-light).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from access.upstream_client import Pools  # noqa: E402

PORT = 18091
CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location /small {{ default_type application/json; return 200 '{{"ok":true,"service":"bench"}}'; }}
    location /large {{ alias {dir}/large.json; default_type application/json; }}
  }}
}}
"""


def measure(pool, target, calls):
    headers = [("accept", "application/json"), ("x-request-id", "0" * 32), ("x-forwarded-for", "127.0.0.1"),
               ("x-splp-organization", "dinkes"), ("user-agent", "bench")]
    cpu, wall, size = time.process_time(), time.perf_counter(), 0
    for _ in range(calls):
        response = pool.request("GET", target, headers, b"", 2.0, 5.0)
        for chunk in response.stream():
            size += len(chunk)
        response.release()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / calls * 1e6, wall / calls * 1e6, size // calls


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    if not shutil.which("nginx"):
        raise SystemExit("nginx is needed (apt-get install nginx-light)")
    tmp = Path(tempfile.mkdtemp(prefix="splp-bench-client-"))
    tmp.chmod(0o755)  # nginx workers run as an unprivileged user
    (tmp / "large.json").write_text('{"data": "' + "x" * (64 * 1024 - 12) + '"}')
    (tmp / "nginx.conf").write_text(CONF.format(dir=tmp, port=PORT))
    nginx = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"])
    try:
        time.sleep(0.5)
        pool = Pools(8).for_origin("http", "127.0.0.1", PORT)
        measure(pool, "/small", 500)  # warm-up: connection, imports
        for name in ("/small", "/large"):
            cpu, wall, size = measure(pool, name, args.calls)
            print(f"GET {name:<7} {size:>6} B body: {cpu:7.1f} us CPU/call, {wall:7.1f} us wall/call "
                  f"({args.calls} keep-alive calls, pid {os.getpid()})")
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


if __name__ == "__main__":
    main()
