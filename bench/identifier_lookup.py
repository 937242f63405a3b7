#!/usr/bin/env python
"""Benchmark "who accessed this identifier" over a year of request log on PostgreSQL, and what its index costs
the drain.

Usage: .venv/bin/python bench/identifier_lookup.py [--rows 2000000] [--runs 20]

Seeds a throwaway PostgreSQL database with ``--rows`` RequestLog rows spread over 365 days, each carrying a
path parameter hash, a query parameter list and, for one row in ten, unmatched segments (as the bus writes
them). Then times the administrator's lookup (monitoring.services.request_log_lookup_identifier, the page's
first 50 rows and its count) for a value carried by 12 rows, over 366 days: with the param-values index
(migration monitoring 0009) and with it dropped (a scan of the period, as before). Last, the cost of the index
to the drain: 100,000 rows inserted in batches of 500 with and without it. Prints the numbers; asserts nothing.

Needs a PostgreSQL on 127.0.0.1:5432 (user postgres); BENCH_DATABASE_URL moves it. The database (its name
must start with splp_bench) is dropped and re-created.
"""

import argparse
import datetime
import time

from pgbench_db import django_environment, recreate_database, timed  # this folder is on sys.path when the script runs

DATABASE_URL = django_environment("lookup", SPLP_TIME_ZONE="Asia/Makassar")
INDEX = "monitoring_requestlog_param_values"
WANTED = "7472010000000001"
PARAMS_SQL = """jsonb_build_object(
    'nik', CASE WHEN g %% {every} = 0 THEN %(wanted)s ELSE encode(sha256(g::text::bytea), 'hex') END,
    '?fields', jsonb_build_array(encode(sha256(('f' || (g %% 50))::bytea), 'hex'))
) || CASE WHEN g %% 10 = 0 THEN jsonb_build_object('rest', jsonb_build_array(
    encode(sha256(('r' || g)::bytea), 'hex'), encode(sha256(('s' || g)::bytea), 'hex'))) ELSE '{{}}'::jsonb END"""


def insert_rows(cursor, batch_id, first, count, start, span_seconds, every):
    cursor.execute(f"""
        INSERT INTO monitoring_requestlog (batch_id, request_id, time, key_prefix, method, path, params, status,
            latency_ms, bytes_in, bytes_out, error_code)
        SELECT %(batch)s, md5(g::text), %(start)s::timestamptz + (g %% %(span)s) * interval '1 second', '', 'GET',
               '/gateway/penduduk/v1/penduduk/{{nik}}?fields', {PARAMS_SQL.format(every=every)}, 200, 12.5, 0, 100, ''
        FROM generate_series(%(first)s, %(last)s) AS g
    """, {"batch": batch_id, "start": start, "span": span_seconds, "first": first, "last": first + count - 1,
          "wanted": _hash(WANTED)})


def _hash(value):
    from access.logmask import value_hash

    return value_hash(value)


def time_lookups(runs, admin):
    from django.core.paginator import Paginator
    from django.utils import timezone

    from monitoring.services import request_log_lookup_identifier

    today = timezone.localdate()

    def lookup():
        found = request_log_lookup_identifier(actor=admin, value=WANTED, date_from=today - datetime.timedelta(days=365),
                                              date_to=today)
        page = Paginator(found, 50).page(1)
        list(page)
        return page.paginator.count

    return timed(runs, lookup)


def time_inserts(cursor, batch_id, first):
    start = time.perf_counter()
    for offset in range(0, 100_000, 500):
        insert_rows(cursor, batch_id, first + offset, 500, datetime.datetime.now(datetime.UTC), 3600, 10**9)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    recreate_database(DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from directory.choices import MembershipRoleChoices as R
    from monitoring.models import LogBatch
    from tests.factories import OrganizationFactory, UserFactory, member

    call_command("migrate", verbosity=0)
    admin = member(UserFactory(username="admin", is_staff=True),
                   OrganizationFactory(name="Dinas", code="dinas", is_administrator=True), R.ADMINISTRATOR)
    batch = LogBatch.objects.create(row_count=args.rows, prev_hash="0" * 64, hash="f" * 64)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        year_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=365)
        insert_rows(cursor, batch.pk, 1, args.rows, year_ago, 365 * 86400, args.rows // 12)
        # As autovacuum does after a bulk load: it moves the GIN index's pending list (entries not merged yet,
        # scanned by every lookup) into the index. Without it the first lookups here take ~125 ms, not ~20.
        cursor.execute("VACUUM ANALYZE monitoring_requestlog")
        cursor.execute(f"SELECT pg_size_pretty(pg_relation_size('{INDEX}')), "
                       "pg_size_pretty(pg_relation_size('monitoring_requestlog'))")
        index_size, table_size = cursor.fetchone()
    print(f"seeded {args.rows:,} log rows over 365 days in {time.perf_counter() - started:.0f} s "
          f"(table {table_size}, param-values index {index_size})")

    p50, p95, count = time_lookups(args.runs, admin)
    print(f"lookup, 366 days, with the index     p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  ({count} calls found)")
    with connection.cursor() as cursor:
        with_index = time_inserts(cursor, batch.pk, args.rows + 1)
        cursor.execute(f"DROP INDEX {INDEX}")
        cursor.execute("ANALYZE monitoring_requestlog")
    p50, p95, count = time_lookups(max(3, args.runs // 5), admin)
    print(f"lookup, 366 days, without the index  p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  ({count} calls found)")
    with connection.cursor() as cursor:
        without_index = time_inserts(cursor, batch.pk, args.rows + 200_001)
    print(f"drain inserts, 100,000 rows in batches of 500: {with_index:.1f} s with the index, "
          f"{without_index:.1f} s without")


if __name__ == "__main__":
    main()
