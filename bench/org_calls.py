#!/usr/bin/env python
"""Benchmark an operator's call log (Log panggilan) on a year of request log on PostgreSQL.

Usage: .venv/bin/python bench/org_calls.py [--rows 2000000] [--runs 20]

Seeds a throwaway PostgreSQL database with ``--rows`` RequestLog rows over 365 days from 40 organisations to 10
APIs; the measured organisation makes one call in five; one call in 49 is refused (4xx) and one in 1,999 fails
upstream (5xx). Then times the page's read as the portal runs it (monitoring.selectors.organization_calls
through splp.portal.keyset_page, 25 rows): the newest page, a page 200 pages deep, an API, the rare 5xx with
and without a 7-day range, and a 7-day range alone. Prints p50/p95 per case; asserts nothing.

Needs a PostgreSQL on 127.0.0.1:5432 (user postgres); BENCH_DATABASE_URL moves it. The database (its name
must start with splp_bench) is dropped and re-created.
"""

import argparse
import datetime
import time

from pgbench_db import django_environment, recreate_database, timed  # this folder is on sys.path when the script runs

DATABASE_URL = django_environment("org_calls", SPLP_TIME_ZONE="Asia/Makassar")
ORGANISATIONS = 40
APIS = 10


def seed(rows):
    from django.db import connection

    from directory.models import ApiService, Organization
    from monitoring.models import LogBatch
    from tests.factories import ThemeFactory, service_fields

    orgs = Organization.objects.bulk_create(
        Organization(name=f"Perangkat Daerah {i:02d}", code=f"pd-{i:02d}", kind="dinas") for i in range(ORGANISATIONS))
    theme = ThemeFactory()
    apis = ApiService.objects.bulk_create(
        ApiService(owner=orgs[i], slug=f"api-{i}", is_listed=True, **service_fields(theme, name=f"API {i}"))
        for i in range(APIS))
    batch = LogBatch.objects.create(row_count=rows, prev_hash="0" * 64, hash="f" * 64)
    year_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=365)
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO monitoring_requestlog (batch_id, request_id, time, organization_id, service_id, key_prefix,
                method, path, params, status, latency_ms, bytes_in, bytes_out, error_code)
            SELECT %(batch)s, md5(g::text),
                   %(start)s::timestamptz + (g * 365.0 * 86400 / %(rows)s) * interval '1 second',
                   CASE WHEN g %% 5 = 0 THEN %(measured)s ELSE (%(others)s::int[])[1 + g %% 39] END,
                   (%(apis)s::int[])[1 + (g / 7) %% %(napis)s], 'abcd1234', 'GET', '/gateway/api/v1/data', '{}',
                   CASE WHEN g %% 1999 = 0 THEN 504 WHEN g %% 49 = 0 THEN 403 ELSE 200 END, 12.5, 0, 100,
                   CASE WHEN g %% 1999 = 0 THEN 'upstream_timeout' WHEN g %% 49 = 0 THEN 'operation_not_granted'
                        ELSE '' END
            FROM generate_series(1, %(rows)s) AS g
        """, {"batch": batch.pk, "start": year_ago, "rows": rows, "measured": orgs[0].pk,
              "others": [o.pk for o in orgs[1:]], "apis": [a.pk for a in apis], "napis": APIS})
        cursor.execute("VACUUM ANALYZE monitoring_requestlog")
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('monitoring_requestlog'))")
        size = cursor.fetchone()[0]
    return orgs[0], apis[3], size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    recreate_database(DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import RequestFactory
    from django.utils import timezone

    from monitoring.models import RequestLog
    from monitoring.selectors import organization_calls
    from splp.portal import OLDER, _cursor, keyset_page

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    org, api, size = seed(args.rows)
    mine = RequestLog.objects.filter(organization=org).count()
    print(f"seeded {args.rows:,} log rows over 365 days in {time.perf_counter() - started:.0f} s (table {size}); "
          f"the measured organisation made {mine:,} of them")

    def page(query=None, **filters):
        return lambda: len(keyset_page(RequestFactory().get("/", query or {}),
                                       organization_calls([org.pk], **filters)).rows)

    # The cursor of the page 200 pages deep (fewer on a small log), as the "Lebih lama" link would carry it.
    depth = min(200, (mine - 1) // 25)
    deep = RequestLog.objects.filter(organization=org).order_by("-time", "-id")[depth * 25]
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    cases = {
        "newest page": page(),
        f"page {depth} deep": page({OLDER: _cursor(deep, "time")}),
        "one API": page(service=api),
        "5xx, no period": page(status_class="5xx"),
        "5xx, 7 days": page(status_class="5xx", date_from=week_ago),
        "7 days": page(date_from=week_ago),
    }
    for name, read in cases.items():
        p50, p95, rows = timed(args.runs, read)
        print(f"{name:16} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  ({rows} rows)")


if __name__ == "__main__":
    main()
