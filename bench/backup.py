#!/usr/bin/env python
"""Benchmark a backup and a restore drill: how long `manage.py backup` and `manage.py restore` take, and how big
the archive is, for a request log of a given size.

Usage: .venv/bin/python bench/backup.py [--rows 200000] [--files 50]

- Migrates a scratch PostgreSQL database, loads the demo data, writes ``--rows`` request-log rows through
  ``request_log_write_batch`` (so the hash chain is real: 5,000 rows a batch) and ``--files`` evidence-sized
  files (200 KB each) into a scratch MEDIA_ROOT.
- Times ``manage.py backup`` (pg_dump in an exported snapshot, the counts, the files, gzip), then
  ``manage.py restore`` into a second, new database (pg_restore, the count and chain-head checks, and the
  full chain verification, which rehashes every row).

Prints numbers; asserts nothing. Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and pg_dump/pg_restore.
The databases splp_bench_backup and splp_bench_backup_restore are DROPPED and created again.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SOURCE, TARGET = "splp_bench_backup", "splp_bench_backup_restore"

GENERATE = """
import datetime, os
from access.models import Grant
from monitoring.services import request_log_write_batch
rows, files = int(os.environ["BENCH_ROWS"]), int(os.environ["BENCH_FILES"])
grant = Grant.objects.first()
start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
for first in range(0, rows, 5000):
    request_log_write_batch([
        {"request_id": f"bench-{i}", "time": (start + datetime.timedelta(seconds=i)).isoformat(),
         "grant_id": grant.pk if grant else None, "organization_id": grant.organization_id if grant else None,
         "method": "GET", "path": "/gateway/data-kependudukan/v1/penduduk/{nik}", "params": {"nik": "ab" * 32},
         "status": 200,
         "upstream_status": 200, "latency_ms": 12.5, "upstream_latency_ms": 10.1, "client_ip": "10.1.2.3",
         "bytes_in": 0, "bytes_out": 512}
        for i in range(first, min(first + 5000, rows))
    ])
media = os.environ["MEDIA_ROOT"]
os.makedirs(f"{media}/activities/2026", exist_ok=True)
for n in range(files):
    with open(f"{media}/activities/2026/bench-{n}.pdf", "wb") as f:
        f.write(b"%PDF-1.4\\n" + os.urandom(200 * 1024))
"""


def manage(*args, database, work, **extra):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "splp.settings", "DEBUG": "0", "SECRET_KEY": "bench-backup",
           "DATABASE_URL": f"{SERVER}/{database}", "REDIS_URL": "", "SPLP_VAR_DIR": str(work / "var"),
           "MEDIA_ROOT": str(work / f"media-{database}"), "SPLP_INTERNAL_HOSTS": "127.0.0.1",
           "SPLP_TIME_ZONE": "Asia/Jakarta", "SPLP_LOG_HASH_KEY": "bench-only-log-hash-key", **extra}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def psql(sql):
    subprocess.run(["psql", f"{SERVER}/postgres", "-qc", sql], check=True, capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=50)
    args = parser.parse_args()
    for name in (SOURCE, TARGET):
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {name}")
    with tempfile.TemporaryDirectory(prefix="splp-bench-backup-") as work:
        work = Path(work)
        (work / "backups").mkdir()
        manage("migrate", "--noinput", database=SOURCE, work=work)
        manage("seed_demo", "--force", database=SOURCE, work=work)
        seconds, _ = manage("shell", "-c", GENERATE, database=SOURCE, work=work,
                            BENCH_ROWS=str(args.rows), BENCH_FILES=str(args.files))
        print(f"generated {args.rows:,} log rows and {args.files} files of 200 KB in {seconds:.1f} s")
        seconds, out = manage("backup", str(work / "backups"), database=SOURCE, work=work)
        (archive,) = (work / "backups").glob("splp-backup-*.tar.gz")
        print(f"backup:  {seconds:6.1f} s, archive {archive.stat().st_size / 1e6:.1f} MB")
        seconds, out = manage("restore", str(archive), database=TARGET, work=work)
        print(f"restore: {seconds:6.1f} s (load, count and chain-head checks, full chain verification)")
        print(out.strip())
    for name in (SOURCE, TARGET):
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
