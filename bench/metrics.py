#!/usr/bin/env python
"""Benchmark a /metrics scrape over a busy SPLP: a year of hourly rollups plus the raw rows not rolled up yet.

Usage: .venv/bin/python bench/metrics.py [--apis 30] [--groups 20] [--raw-rows 100000] [--runs 20]

Seeds a throwaway PostgreSQL database: ``--apis`` published APIs, one year (8,760 hours) of UsageRollup rows
with ``--groups`` rows per API and hour (organisation x operation x grant), and ``--raw-rows`` RequestLog rows
in the open hour (not rolled up yet: the part every scrape aggregates). Then times GET /metrics in-process with
Django's test client: "cold" with the cache cleared before each scrape (the hours before yesterday summed
again, as once a day), "warm" as every other scrape (yesterday's and today's rollups and the raw rows read).
Prints p50/p95 and the query count; asserts nothing.

Needs a PostgreSQL on 127.0.0.1:5432 (user postgres); BENCH_DATABASE_URL moves it. The database (its name
must start with splp_bench) is dropped and re-created.
"""

import argparse
import statistics
import time

from pgbench_db import django_environment, recreate_database  # this folder is on sys.path when the script runs

TOKEN = "bench-metrics-token"
DATABASE_URL = django_environment("metrics", SPLP_METRICS_TOKEN=TOKEN)


def seed(apis, groups, raw_rows):
    from django.db import connection
    from django.utils import timezone

    from directory import services as directory_services
    from directory.choices import MembershipRoleChoices as R
    from monitoring.models import LATENCY_BUCKETS_MS, LogBatch
    from monitoring.rollups import floor_hour
    from tests.factories import OrganizationFactory, ThemeFactory, UserFactory, member, openapi_doc, service_fields

    dinas = OrganizationFactory(name="Dinas", code="dinas", is_administrator=True)
    admin = member(UserFactory(username="admin", is_staff=True), dinas, R.ADMINISTRATOR)
    owner = OrganizationFactory(name="Pemilik", code="pemilik")
    publisher = member(UserFactory(username="publisher"), owner, R.PUBLISHER)
    theme = ThemeFactory(name="Tema", slug="tema")
    for i in range(apis):
        _service, version = directory_services.api_service_register(
            actor=publisher, owner=owner, slug=f"api-{i:03d}", version="1.0.0",
            upstream_base_url="https://api.example.test/v1", spec=openapi_doc(title=f"API {i}"),
            **service_fields(theme, name=f"API {i}"),
        )
        directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
        directory_services.api_version_publish(actor=admin, api_version=version)

    now = floor_hour(timezone.now())
    buckets = len(LATENCY_BUCKETS_MS) + 1
    histogram = "[" + ",".join(["3"] * buckets) + "]"
    with connection.cursor() as cursor:
        # A year of complete hours, ``groups`` rows per API and hour (the group columns left empty: only the
        # row count matters to the scrape, which groups by API).
        cursor.execute(f"""
            INSERT INTO monitoring_usagerollup (hour, service_id, calls, status_2xx, status_4xx, status_5xx,
                upstream_errors, refused_401, refused_403, refused_429, not_granted, inactive_key, latency_sum_ms,
                latency_max_ms, latency_histogram, bytes_in, bytes_out)
            SELECT h, s.id, {3 * buckets}, 40, 3, 2, 1, 1, 1, 0, 0, 0, 1234.5, 900.0, '{histogram}'::jsonb, 100, 1000
            FROM generate_series(%s::timestamptz - interval '8760 hours', %s::timestamptz - interval '1 hour',
                                 interval '1 hour') AS h
            CROSS JOIN directory_apiservice AS s CROSS JOIN generate_series(1, %s) AS g
        """, [now, now, groups])
        cursor.execute("""
            INSERT INTO monitoring_rolluphour (hour, computed_at, log_rows)
            SELECT h, now(), 0 FROM generate_series(%s::timestamptz - interval '8760 hours',
                                                    %s::timestamptz - interval '1 hour', interval '1 hour') AS h
        """, [now, now])
        batch = LogBatch.objects.create(row_count=raw_rows, prev_hash="0" * 64, hash="f" * 64)
        cursor.execute("""
            INSERT INTO monitoring_requestlog (batch_id, request_id, time, service_id, key_prefix, method, path,
                params, status, latency_ms, bytes_in, bytes_out, error_code)
            SELECT %s, md5(g::text), %s::timestamptz + (g %% 3500) * interval '1 second',
                   (SELECT id FROM directory_apiservice ORDER BY id OFFSET g %% %s LIMIT 1), '', 'GET', '/x', '{}',
                   CASE WHEN g %% 20 = 0 THEN 502 ELSE 200 END, (g %% 997)::float, 0, 100,
                   CASE WHEN g %% 20 = 0 THEN 'upstream_unreachable' ELSE '' END
            FROM generate_series(1, %s) AS g
        """, [batch.pk, now, apis, raw_rows])
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM monitoring_usagerollup")
        return cursor.fetchone()[0]


def time_scrapes(runs, *, cold):
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    timings, queries = [], 0
    client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")  # connection and cache warm-up
    for _ in range(runs):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))], queries, len(response.content)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--apis", type=int, default=30)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--raw-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    recreate_database(DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    rollups = seed(args.apis, args.groups, args.raw_rows)
    print(f"seeded {args.apis} APIs, {rollups:,} rollup rows (8,760 hours), {args.raw_rows:,} raw rows "
          f"in {time.perf_counter() - start:.0f} s")
    for label, cold in (("cold (once a day)", True), ("warm (other scrapes)", False)):
        p50, p95, queries, size = time_scrapes(args.runs, cold=cold)
        print(f"{label:26} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {queries} queries  {size:,} bytes")


if __name__ == "__main__":
    main()
