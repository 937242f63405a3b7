"""Upstream health checks: each published API's upstream probed, and its availability over a period.

A probe is a GET on the newest live version's ``upstream_base_url`` + the API's ``health_check_path`` (or the
base URL itself), through the same SSRF guard as the bus (``access.upstream.check_upstream``), with a 5 s
timeout, no retries and redirects never followed. 2xx and 3xx count as up. An upstream behind OAuth2 is probed
with a token fetched as the bus fetches its own (access.upstream_token).

One check per API per run, and per minute: the check row is claimed (created) under a lock on the API's row
before probing, so a second run in the same minute, or the same run on two workers, probes nothing twice.
The HTTP call itself happens outside any transaction; a run killed mid-probe leaves its claimed row as
"down" with the error ``probe did not complete``.
"""

import datetime
import time
from urllib.parse import urlsplit

from celery import shared_task
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from access.upstream import UpstreamRefused, check_upstream
from access.upstream_client import Pool, Pools, UpstreamError
from access.upstream_token import TokenCache, TokenUnavailable, token_header, token_source_for
from directory.models import LIVE_STATUSES, ApiService, ApiVersion

from .models import HealthCheck

PROBE_TIMEOUT = 5.0
USER_AGENT = "SPLP-health-check/1"
INTERRUPTED = "probe did not complete"
MINUTE = datetime.timedelta(minutes=1)
# OAuth2 tokens of the upstreams probed by this process, kept as the bus keeps its own (no idle connections).
_tokens = TokenCache(Pools(0))


def probe_url(service, version):
    base = version.upstream_base_url.rstrip("/")
    path = (service.health_check_path or "").strip()
    if not path:
        return base
    return base + (path if path.startswith("/") else "/" + path)


def _headers(version):
    """The probe's headers, with the version's credential; raises TokenUnavailable when its OAuth2 token
    cannot be had."""
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    source = token_source_for(version)
    if source is not None:
        name, value = token_header(version.upstream_auth_header, _tokens.token(source))
        headers[name] = value
    elif version.upstream_auth_header and version.upstream_auth_secret:
        from splp import crypto

        headers[version.upstream_auth_header] = crypto.decrypt(version.upstream_auth_secret)
    return headers


def probe(url, headers=None, *, timeout=None):
    """GET ``url`` once, with the bus' own client and SSRF guard (connecting to the checked address).
    Returns dict(ok, status_code, latency_ms, error); never raises for network trouble."""
    timeout = PROBE_TIMEOUT if timeout is None else timeout
    try:
        addresses = check_upstream(url)
    except UpstreamRefused as exc:
        return _failure(f"upstream refused: {exc}")
    parts = urlsplit(url)
    pool = Pool(parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), maxsize=0)
    pool.addresses = addresses
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    try:
        response = pool.request("GET", target, list((headers or {}).items()), b"", timeout, timeout)
    except UpstreamError as exc:
        if exc.kind == "connect":
            return _failure(f"cannot connect: {exc}")
        if exc.kind in ("connect_timeout", "read_timeout"):
            return _failure(f"no answer within {timeout:g} s")
        return _failure(f"request failed: {exc}")
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    response.release()  # the body is not needed: never read past the headers (maxsize 0 closes it)
    return {"ok": 200 <= response.status < 400, "status_code": response.status, "latency_ms": latency_ms,
            "error": ""}


def _failure(error):
    return {"ok": False, "status_code": None, "latency_ms": None, "error": error[:300]}


def live_versions():
    """(service, newest live version) for every API with a published or deprecated version."""
    versions = (
        ApiVersion.objects.filter(status__in=LIVE_STATUSES).select_related("service").order_by("service_id", "-id")
    )
    newest = {}
    for version in versions:
        newest.setdefault(version.service_id, version)
    return [(v.service, v) for v in newest.values()]


@transaction.atomic
def _claim(service, version, now):
    """Create this minute's check row for the API, unless one exists. Returns the row or None."""
    ApiService.objects.select_for_update().filter(pk=service.pk).first()
    minute = now.replace(second=0, microsecond=0)
    if HealthCheck.objects.filter(service=service, checked_at__gte=minute, checked_at__lt=minute + MINUTE).exists():
        return None
    return HealthCheck.objects.create(service=service, api_version=version, checked_at=now, ok=False,
                                      error=INTERRUPTED)


def health_check_run(*, now=None):
    """Probe every API with a live version once. Returns the HealthCheck rows written by this run."""
    now = now or timezone.now()
    written = []
    for service, version in live_versions():
        check = _claim(service, version, now)
        if check is None:
            continue
        try:
            result = probe(probe_url(service, version), _headers(version))
        except TokenUnavailable as exc:
            result = _failure(f"no upstream token: {exc}")
        for name, value in result.items():
            setattr(check, name, value)
        check.save(update_fields=list(result))
        written.append(check)
    return written


def availability(*, service, start, end):
    """Share of the API's checks in [start, end) that found it up; None when it was not checked."""
    counts = HealthCheck.objects.filter(service=service, checked_at__gte=start, checked_at__lt=end).aggregate(
        total=Count("id"), up=Count("id", filter=Q(ok=True))
    )
    return counts["up"] / counts["total"] if counts["total"] else None


def availability_by_service(*, start, end):
    """{service_id: (up, total)} for every API checked in [start, end), in one query (for reports)."""
    rows = (
        HealthCheck.objects.filter(checked_at__gte=start, checked_at__lt=end)
        .order_by()
        .values("service_id")
        .annotate(total=Count("id"), up=Count("id", filter=Q(ok=True)))
    )
    return {row["service_id"]: (row["up"], row["total"]) for row in rows}


@shared_task
def check_upstream_health_task():
    checks = health_check_run()
    return {"checked": len(checks), "down": sum(1 for c in checks if not c.ok)}
