#!/usr/bin/env python
"""Benchmark the service directory at scale: seed N published APIs straight into a throwaway PostgreSQL
database (40 organisations, 19 themes, 3 to 5 operations each, mixed classifications), then time the REST
list, its filters, search, ordering and a deep page, the themes, and the portal home, theme, search and API
pages in-process with Django's test client on the production profile (DEBUG off, Redis cache), as an
anonymous visitor and as a member of one organisation (they see different APIs).

Usage: .venv/bin/python bench/directory.py [--apis 10000] [--runs 30] [--reuse]
Needs: a PostgreSQL on 127.0.0.1:5432 (user postgres) and a Redis on 127.0.0.1:6379 (BENCH_DATABASE_URL and
BENCH_REDIS_URL move them). The database is dropped and re-created (--reuse keeps an already seeded one).
Prints p50/p95 latency, the query count and the body size per URL; asserts nothing.
"""

import argparse
import os
import statistics
import time

from pgbench_db import django_environment, recreate_database  # this folder is on sys.path when the script runs

DATABASE_URL = django_environment(
    "dir", REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"), CONN_MAX_AGE="600"
)

ORGANISATIONS, THEMES = 40, 19
THEME_NAMES = [
    "Kependudukan", "Kesehatan", "Pendidikan", "Sosial", "Pariwisata", "Perhubungan", "Pertanian", "Perikanan",
    "Keuangan Daerah", "Perizinan", "Ketenagakerjaan", "Lingkungan Hidup", "Pekerjaan Umum", "Perumahan",
    "Kebudayaan", "Kepegawaian", "Statistik", "Komunikasi dan Informatika", "Ketertiban Umum",
]
SUBJECTS = [
    "Penduduk", "Kartu Keluarga", "Pasien", "Sekolah", "Bantuan Sosial", "Kunjungan Wisata", "Trayek Angkutan",
    "Hasil Panen", "Tangkapan Ikan", "Retribusi", "Izin Usaha", "Pencari Kerja", "Kualitas Udara", "Jalan",
    "Rumah Tidak Layak Huni", "Cagar Budaya", "Pegawai", "Menara Telekomunikasi", "Pelanggaran Perda",
]
KINDS = ["Data", "Layanan", "Rekap", "Verifikasi", "Statistik", "Daftar", "Riwayat"]


def spec_for(name, paths):
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": name, "version": "1.0.0", "description": "Dokumen contoh " * 40},
        "paths": {p: {"get": {"summary": f"Ambil {p}", "parameters": [], "responses": ok}} for p in paths},
    }


def seed(n, batch=2000):
    from django.db import connection
    from django.utils import timezone

    from directory.choices import ClassificationChoices, UpdateFrequencyChoices
    from directory.models import ApiOperation, ApiService, ApiVersion, Organization, Theme

    orgs = Organization.objects.bulk_create(
        Organization(name=f"Perangkat Daerah {i:02d}", code=f"pd-{i:02d}", kind="dinas") for i in range(ORGANISATIONS)
    )
    themes = Theme.objects.bulk_create(
        Theme(name=name, slug=f"tema-{i:02d}", order=i) for i, name in enumerate(THEME_NAMES[:THEMES])
    )
    classifications = [c for c, _ in ClassificationChoices.choices]
    frequencies = [f for f, _ in UpdateFrequencyChoices.choices]
    report = [{"key": f"check-{k}", "label": f"Check {k}", "blocking": True, "passed": True} for k in range(8)]
    now = timezone.now()
    for start in range(0, n, batch):
        services = []
        for i in range(start, min(n, start + batch)):
            subject = SUBJECTS[i % len(SUBJECTS)]
            name = f"{KINDS[i % len(KINDS)]} {subject} {i}"
            services.append(ApiService(
                owner=orgs[i % ORGANISATIONS], theme=themes[(i * 7) % THEMES], name=name, slug=f"api-{i:06d}",
                description=f"API {name} untuk pertukaran data {subject.lower()} antar perangkat daerah. " * 3,
                classification=classifications[i % len(classifications)], has_personal_data=i % 3 == 0,
                legal_basis="Perpres 39/2019 tentang Satu Data Indonesia", update_frequency=frequencies[i % 6],
                contact_name="Operator", contact_email="operator@pemda.test", sla="99.5% per bulan",
                data_producer="Bidang Data", data_steward="Diskominfo", is_listed=True,  # every version is live
            ))
        services = ApiService.objects.bulk_create(services)
        versions = []
        for i, service in enumerate(services, start):
            paths = [f"/v1/sumber-{k}" for k in range(3 + i % 3)]
            versions.append(ApiVersion(
                service=service, version="1.0.0", upstream_base_url=f"https://api-{i}.pemda.test/v1",
                spec=spec_for(service.name, paths), spec_format="openapi3",
                status="deprecated" if i % 10 == 0 else "published", interop_report=report, interop_passed=True,
                upstream_auth_header="X-Api-Key", upstream_auth_secret="x" * 120, published_at=now,
            ))
        versions = ApiVersion.objects.bulk_create(versions)
        ApiOperation.objects.bulk_create(
            ApiOperation(api_version=v, method="GET", path=p, summary=f"Ambil {p}")
            for v in versions for p in v.spec["paths"]
        )
        print(f"  seeded {min(n, start + batch)}/{n}", end="\r", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would: visibility map for index-only scans
    print()


def measure(client, url, runs, budget=20.0):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (and the cached theme counts)
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.content)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)
    times, started = [], time.perf_counter()
    while len(times) < runs and (len(times) < 5 or time.perf_counter() - started < budget):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, queries, size, len(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apis", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per URL (fewer past 20 s)")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database of an earlier run")
    args = parser.parse_args()

    if not args.reuse:
        recreate_database(DATABASE_URL)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.pagination import Cursor

    from directory.api.pagination import KeysetPagination
    from directory.choices import MembershipRoleChoices
    from directory.models import ApiService, Membership, Organization, Theme
    from directory.selectors import invalidate_theme_counts, visible_services

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the production manifest storage
    if not args.reuse:
        t0 = time.perf_counter()
        seed(args.apis)
        print(f"seeded {args.apis} APIs in {time.perf_counter() - t0:.0f} s")
    invalidate_theme_counts()
    theme = Theme.objects.order_by("order").first()
    # Who looks changes what is listed (issue 9): an anonymous visitor sees the terbuka APIs, a member of an
    # organisation the terbatas ones too and its own rahasia ones.
    member, _ = get_user_model().objects.get_or_create(username="bench-member")
    Membership.objects.get_or_create(
        user=member, organization=Organization.objects.get(code="pd-00"), role=MembershipRoleChoices.REQUESTER
    )
    print(f"{ApiService.objects.count()} APIs, {args.runs} runs per URL; ms, in-process (no HTTP server)")
    for who, user in (("anonymous", None), ("member of pd-00", member)):
        client = Client()
        if user is not None:
            client.force_login(user)
        visible = visible_services(user)
        service = visible.order_by("id").first()
        listed = visible.count()
        # A keyset cursor half-way down the name-ordered list, as a client walking it would hold.
        middle = visible.order_by("name", "id").values_list("name", flat=True)[listed // 2]
        keyset = KeysetPagination()
        keyset.base_url = "/api/v1/services/"
        deep_cursor = keyset.encode_cursor(Cursor(offset=0, reverse=False, position=middle)).split("cursor=")[1]
        urls = [
            "/api/v1/services/",
            "/api/v1/services/?ordering=name",
            f"/api/v1/services/?page={max(1, listed // 25 // 2)}",  # half-way down
            f"/api/v1/services/?cursor={deep_cursor}",
            "/api/v1/services/?search=penduduk",
            "/api/v1/services/?theme=" + theme.slug + "&classification=terbuka",
            f"/api/v1/services/{service.slug}/",
            "/api/v1/themes/",
            "/",
            f"/direktori/tema/{theme.slug}/",
            "/direktori/cari/",
            "/direktori/cari/?q=data",
            "/direktori/cari/?q=data&halaman=40",  # the last page a search lists (SEARCH_RESULTS_LIMIT)
            "/direktori/cari/?q=penduduk",
            f"/direktori/api/{service.slug}/",
        ]
        print(f"\n{who}: {listed} APIs listed")
        print(f"{'URL':<58} {'p50':>8} {'p95':>8} {'queries':>7} {'KB':>8} {'runs':>4}")
        for url in urls:
            p50, p95, queries, size, n = measure(client, url, args.runs)
            print(f"{url:<58} {p50:8.1f} {p95:8.1f} {queries:7d} {size / 1024:8.1f} {n:4d}", flush=True)


if __name__ == "__main__":
    main()
