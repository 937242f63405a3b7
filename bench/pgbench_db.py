"""The throwaway PostgreSQL database every benchmark seeds (its name must start with splp_bench), and the
environment those benchmarks run Django in."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def django_environment(name, **overrides):
    """Set the production profile's environment for a benchmark named ``name`` (DEBUG off, no Redis unless
    ``overrides`` give one) on the database splp_bench_<name>, which BENCH_DATABASE_URL moves; put the project
    on sys.path. Call it before django.setup(). Returns the database URL."""
    sys.path.insert(0, str(ROOT))
    database_url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/splp_bench_{name}")
    os.environ.update({
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "SECRET_KEY": "bench-only",
        "DEBUG": "0",
        "SPLP_TIME_ZONE": "Asia/Jakarta",
        "SPLP_LOG_HASH_KEY": "bench-only-log-hash-key",
        "ALLOWED_HOSTS": "testserver",
        "SPLP_VAR_DIR": tempfile.mkdtemp(prefix=f"splp-bench-{name}-"),
        "DJANGO_SETTINGS_MODULE": "splp.settings",
        **overrides,
    })
    return database_url


def recreate_database(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("splp_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database's name must start with splp_bench")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def timed(runs, read):
    """(p50 ms, p95 ms, what the last run returned) of ``read()`` over ``runs`` runs after a warming one."""
    timings, result = [], None
    for _ in range(runs + 1):
        start = time.perf_counter()
        result = read()
        timings.append((time.perf_counter() - start) * 1000)
    timings = sorted(timings[1:])  # the first run warms the connection and caches
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))], result
