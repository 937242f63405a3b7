"""The bus (Pasal 5a): every requester's call to a publisher's API passes through here.

A plain WSGI application mounted in front of Django (splp/wsgi.py) for ``/gateway/``: the hot path skips
Django's middleware and URL resolver, and reads the database only when its short-lived cache misses.
Order of checks: canonical path (400), API known and live (404/503; a rahasia API is known only to a key
granted on it, else 404 as for an unknown name), key (401), grant for this API and its period started (403),
the classification policy's current rules (403), operation (404/403), client IP (403), rate limit (429), body
framing and size (400/413), upstream address (SSRF guard, 502), then forwarding. Every code is in BUS_ERRORS.

One canonical path: the raw request path is split on "/" and each segment percent-decoded exactly once;
a control character, a "." or ".." segment, an empty segment inside the path, or an encoded "/", "?" or
"#" is refused (400 ``invalid_path``). Operations are matched on the decoded segments, and the upstream
receives the same segments re-encoded per RFC 3986, so it sees exactly the path that was authorised.

Cache window: key, grant (with its classification policy) and API records are cached per process for
``SPLP_GATEWAY_CACHE_SECONDS`` (default 5 s): a revoked or expired key stops working, and a key whose grant
moved to another version (access.services.grant_move) reaches the new one, within that time (expiry itself is
checked on every call against the cached expiry time, so it is exact).
"""

import datetime
import ipaddress
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import quote, unquote_to_bytes, urlsplit

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _, gettext_lazy

from directory.choices import ApiVersionStatusChoices, ClassificationChoices
from directory.models import LIVE_STATUSES, ApiOperation, ApiService
from splp import clientip
from splp.context_processors import site_url
from splp.http import BUS_HEADER_PREFIXES, BUS_HEADERS, HOP_BY_HOP
from splp.redis import redis_client

from . import keys, logmask, policy as rules
from .choices import AccessRequestStatusChoices
from .models import ApiKey, ClassificationPolicy
from .ratelimit import LocalLimiter, build_limiter
from .upstream import UpstreamRefused, check_upstream
from .upstream_client import Pools, UpstreamError
from .upstream_token import TokenCache, TokenSource, TokenUnavailable, token_header, token_source_for

logger = logging.getLogger(__name__)

PREFIX = "/gateway/"
# Never forwarded from the requester: hop-by-hop fields, its credentials and cookies (they belong to the
# SPLP), and every name the bus sets itself (splp.http): a requester must not be able to forge those.
REQUEST_DROP = HOP_BY_HOP | BUS_HEADERS | {"authorization", "x-api-key", "cookie"}
RESPONSE_DROP = HOP_BY_HOP | {"set-cookie", "content-length"}
# RFC 3986 pchar besides the unreserved characters (which quote() never encodes): what a path segment
# may carry unencoded. A query keeps its own percent-escapes, and "/" and "?" besides.
SEGMENT_SAFE = "!$&'()*+,;=:@"
QUERY_SAFE = SEGMENT_SAFE + "/?%"


# Every error the bus answers itself: code -> (HTTP status, what it tells the caller). The one list: a code
# not here cannot be raised, and the portal's developer panel shows this list to requesters.
BUS_ERRORS = {
    "invalid_path": (400, gettext_lazy('The path is malformed: a control character, a "." or ".." segment, "//", '
                                       'or an encoded "/", "?" or "#".')),
    "invalid_request": (400, gettext_lazy("The request's framing is invalid (Content-Length, Transfer-Encoding or a "
                                          "header).")),
    "missing_key": (401, gettext_lazy("No API key was sent (Authorization: Bearer <key> or X-API-Key).")),
    "invalid_key": (401, gettext_lazy("The API key is not valid.")),
    "key_inactive": (401, gettext_lazy("The API key has been revoked or has expired.")),
    "grant_inactive": (403, gettext_lazy("The access grant is no longer active (revoked, expired or the version "
                                         "retired).")),
    "grant_not_started": (403, gettext_lazy("The access grant's period has not started yet.")),
    "no_grant": (403, gettext_lazy("The key grants no access to this API or this version.")),
    "policy_ip_allowlist_required": (403, gettext_lazy("The classification policy requires an IP allow-list the "
                                                       "grant lacks.")),
    "policy_ip_outside_intranet": (403, gettext_lazy("The grant allows addresses outside the Pemda's intranet, "
                                                     "which the classification policy forbids.")),
    "policy_period_exceeded": (403, gettext_lazy("The grant has run longer than the classification policy allows; "
                                                 "apply again.")),
    "operation_not_granted": (403, gettext_lazy("This operation is not included in the access grant.")),
    "ip_not_allowed": (403, gettext_lazy("Calls from this IP address are not allowed for the grant.")),
    "api_not_found": (404, gettext_lazy("No published API with this name.")),
    "unknown_operation": (404, gettext_lazy("The method and path match no operation in the API's documentation.")),
    "request_too_large": (413, gettext_lazy("The request body is larger than the SPLP allows.")),
    "rate_limited": (429, gettext_lazy("The grant's rate limit is reached; retry after Retry-After seconds.")),
    "internal_error": (500, gettext_lazy("The SPLP could not process the call; try again later.")),
    "upstream_refused": (502, gettext_lazy("The upstream address is not allowed (SSRF guard).")),
    "upstream_auth_failed": (502, gettext_lazy("The SPLP could not obtain an access token for the upstream.")),
    "upstream_unreachable": (502, gettext_lazy("The upstream cannot be reached.")),
    "upstream_reset": (502, gettext_lazy("The upstream closed the connection before the response was complete.")),
    "upstream_truncated": (502, gettext_lazy("The upstream's body was shorter than it declared.")),
    "upstream_invalid": (502, gettext_lazy("The upstream gave an invalid response.")),
    "upstream_response_too_large": (502, gettext_lazy("The upstream's response is larger than the SPLP allows.")),
    "api_suspended": (503, gettext_lazy("The API is suspended by the administrator.")),
    "upstream_timeout": (504, gettext_lazy("The upstream did not answer in time.")),
}


def gateway_path(api_version) -> str:
    """The bus' path of an API version: /gateway/<slug>/v<version>/ (the explicit version segment)."""
    return f"{PREFIX}{api_version.service.slug}/v{api_version.version}/"


def gateway_url(api_version) -> str:
    """Where callers outside reach the version: the site's address (SITE_URL or the Pemda's domain) and its path."""
    return site_url() + gateway_path(api_version)


class GatewayError(Exception):
    def __init__(self, code, message, headers=None):
        super().__init__(message)
        self.status = BUS_ERRORS[code][0]
        self.code, self.message, self.headers = code, message, headers or []


@dataclass
class Operation:
    id: int
    method: str
    pattern: re.Pattern
    template: str
    names: tuple  # the path parameters, in the order the pattern captures them


@dataclass
class GrantInfo:
    id: int
    organization_id: int
    organization_code: str
    service_id: int
    service_slug: str
    version_id: int
    version: str
    version_live: bool
    upstream_origin: str  # scheme://host[:port]: checked by the SSRF guard, one connection pool each
    upstream_address: tuple  # (scheme, host, port)
    upstream_path: str  # the base URL's path, prefixed to the call's path
    connect_timeout: float
    read_timeout: float
    auth_header: str
    auth_secret: str  # a static credential
    token_source: TokenSource | None  # OAuth2 client credentials: the token goes in auth_header (or Authorization)
    per_minute: int
    per_day: int
    networks: list
    starts_at: float  # the start of the requested period's first day: no call before it
    expires_at: float
    active: bool
    allowed_operation_ids: frozenset | None
    # The classification policy as it is now (access.policy): a breach of its allow-list rules as
    # (code, message), and the end of the longest period it allows counted from the grant's day.
    policy_breach: tuple | None = None
    policy_until: float = float("inf")
    policy_period_message: str = ""
    start_message: str = ""
    operations: list = field(default_factory=list)
    lifecycle_headers: list = field(default_factory=list)  # Deprecation / Sunset of a deprecated version


@dataclass
class KeyInfo:
    prefix: str
    key_hash: str
    expires_at: float
    revoked: bool
    grant: GrantInfo


@dataclass
class ServiceInfo:
    id: int
    suspended: bool
    versions: dict  # version string -> version id, live versions only
    secret: bool  # classified rahasia: its existence is disclosed only to a key granted on it


class TTLCache:
    def __init__(self, seconds, max_items=50_000):
        self.seconds, self.max_items = seconds, max_items
        self._data = {}

    def get(self, key, now):
        hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        return None

    def put(self, key, value, now):
        if len(self._data) >= self.max_items:
            self._data.clear()
        self._data[key] = (now + self.seconds, value)
        return value

    def clear(self):
        self._data.clear()


def path_pattern(template):
    """/v1/penduduk/{nik} -> a regex capturing one non-empty segment, without control characters, per
    parameter."""
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile(
        "^" + "".join("([^/\x00-\x1f\x7f]+)" if p.startswith("{") else re.escape(p) for p in parts) + "$"
    )


def _operation(op_id, method, template):
    return Operation(op_id, method, path_pattern(template), template, tuple(re.findall(r"\{([^}/]+)\}", template)))


def _raw_segments(environ):
    """The request path split on "/", each segment still percent-encoded as the client sent it.

    Servers give the raw request target as RAW_URI (gunicorn, Granian) or REQUEST_URI (uWSGI). Without it,
    PATH_INFO is already decoded, so an encoded "/" cannot be told from a real one: it then counts as a
    separator, which still forwards exactly what was matched.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw is None:
        return [quote(s.encode("latin-1"), safe="") for s in environ.get("PATH_INFO", "").split("/")]
    path = raw.partition("?")[0].partition("#")[0]
    if not path.startswith("/"):
        path = urlsplit(path).path  # absolute-form target (http://host/path)
    return path.split("/")


def canonical_call(raw):
    """(API slug, decoded path segments below it) from the raw segments; GatewayError 400 ``invalid_path``
    for a path that could mean something else to the upstream than what the bus matched."""
    if raw[:2] != ["", PREFIX.strip("/")] or len(raw) < 3:
        raise GatewayError("invalid_path", _("The path is not a gateway path."))
    segments = []
    for i, part in enumerate(raw[2:]):
        try:
            segment = unquote_to_bytes(part.encode("latin-1")).decode()
        except (UnicodeError, ValueError):
            raise GatewayError("invalid_path", _("The path is not valid UTF-8.")) from None
        if _CONTROL.search(segment):
            raise GatewayError("invalid_path", _("The path contains a control character."))
        if segment in (".", ".."):
            raise GatewayError("invalid_path", _('The path contains a "." or ".." segment.'))
        if "/" in segment or "?" in segment or "#" in segment:
            raise GatewayError("invalid_path", _('The path contains an encoded "/", "?" or "#".'))
        if not segment and 0 < i < len(raw) - 3:
            raise GatewayError("invalid_path", _("The path contains an empty segment (//)."))
        segments.append(segment)
    return segments[0], segments[1:]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _api_not_found():
    """The one answer for an unknown name and for a rahasia API the key is not granted on: they must not differ."""
    return GatewayError("api_not_found", _("No published API with this name."))


def _error_body(code, message, request_id):
    return json.dumps(
        {"error": {"code": code, "message": message}, "request_id": request_id}, ensure_ascii=False
    ).encode()


def _release_db():
    """What Django does at the end of a request (honours CONN_MAX_AGE); not inside a transaction (tests)."""
    if not connection.in_atomic_block:
        close_old_connections()


def _load_operations(version_id):
    return [
        _operation(op_id, method, path)
        for op_id, method, path in ApiOperation.objects.filter(api_version_id=version_id).values_list(
            "id", "method", "path"
        )
    ]


def _lifecycle_headers(version):
    """A deprecated version says so on every answer: RFC 9745 Deprecation (since when) and RFC 8594 Sunset
    (the planned retirement, from the start of that day in the installation's zone)."""
    if version.status != ApiVersionStatusChoices.DEPRECATED:
        return []
    headers = []
    if version.deprecated_at:
        headers.append(("Deprecation", f"@{int(version.deprecated_at.timestamp())}"))
    if version.sunset_on:
        start = timezone.make_aware(datetime.datetime.combine(version.sunset_on, datetime.time.min))
        headers.append(("Sunset", http_date(start.timestamp())))
    return headers


def _policy_of(key, classification):
    """The policy read with the key (annotated by Gateway._key), the defaults where its row is missing."""
    values = {name: getattr(key, f"policy_{name}") for name in rules.POLICY_FIELDS}
    if values["max_grant_days"] is None:
        return rules.policy_for(classification)
    return ClassificationPolicy(classification=classification, **values)


def _grant_info(key):
    from splp import crypto

    grant = key.grant
    version = grant.api_version
    service = version.service
    base = urlsplit(version.upstream_base_url)
    networks = [ipaddress.ip_network(n, strict=False) for n in grant.ip_allowlist.split()]
    policy = _policy_of(key, service.classification)
    token_source = token_source_for(version)
    return GrantInfo(
        id=grant.id,
        organization_id=grant.organization_id,
        organization_code=grant.organization.code,
        service_id=service.id,
        service_slug=service.slug,
        version_id=version.id,
        version=version.version,
        version_live=version.status in LIVE_STATUSES,
        upstream_origin=f"{base.scheme}://{base.netloc}",
        upstream_address=(base.scheme, base.hostname, base.port or (443 if base.scheme == "https" else 80)),
        upstream_path=base.path.rstrip("/"),
        connect_timeout=version.connect_timeout,
        read_timeout=version.read_timeout,
        auth_header=version.upstream_auth_header,
        auth_secret=crypto.decrypt(version.upstream_auth_secret) if version.upstream_auth_secret else "",
        token_source=token_source,
        per_minute=grant.rate_limit_per_minute,
        per_day=grant.rate_limit_per_day,
        networks=networks,
        starts_at=timezone.make_aware(
            datetime.datetime.combine(grant.access_request.period_start, datetime.time.min)
        ).timestamp(),
        start_message=_("The access grant starts on %(date)s; calls before then are refused.") % {
            "date": grant.access_request.period_start.isoformat()},
        expires_at=grant.expires_at.timestamp(),
        active=grant.revoked_at is None and grant.access_request.status == AccessRequestStatusChoices.GRANTED,
        allowed_operation_ids=(
            None if grant.all_operations else frozenset(grant.operations.values_list("id", flat=True))
        ),
        policy_breach=rules.allowlist_breach(policy, networks),
        policy_until=rules.end_of_day(rules.last_day(policy, timezone.localdate(grant.granted_at))).timestamp(),
        policy_period_message=rules.period_breach_message(policy),
        operations=_load_operations(version.id),
        lifecycle_headers=_lifecycle_headers(version),
    )


class Gateway:
    def __init__(self, *, buffer_factory):
        """``buffer_factory`` makes the log buffer every call is appended to: the monitoring app's, handed in by
        whoever assembles the application (splp/wsgi.py), so the bus does not import the app above it."""
        self._buffer_factory = buffer_factory
        self._init_lock = threading.Lock()
        self._ready = False

    def _setup(self):
        with self._init_lock:
            if self._ready:
                return
            ttl = settings.SPLP_GATEWAY_CACHE_SECONDS
            self.keys, self.services, self.upstreams = TTLCache(ttl), TTLCache(ttl), TTLCache(ttl)
            self.pools = Pools(settings.SPLP_GATEWAY_POOL_SIZE)
            self.tokens = TokenCache(self.pools)
            self.redis = redis_client()
            self.limiter = build_limiter(self.redis)
            self.fallback_limiter = LocalLimiter()
            self.buffer = self._buffer_factory()
            self._ready = True

    # -- lookups (cached) ---------------------------------------------------------------------------
    def _service(self, slug, now):
        info = self.services.get(slug, now)
        if info is None:
            service = ApiService.objects.filter(slug=slug).only("id", "is_suspended", "classification").first()
            versions = {}
            if service is not None:
                versions = dict(
                    service.versions.filter(status__in=LIVE_STATUSES).values_list("version", "id")
                )
            _release_db()
            info = self.services.put(slug, ServiceInfo(
                service.id, service.is_suspended, versions, service.classification == ClassificationChoices.RAHASIA,
            ) if service else False, now)
        return info or None

    def _key(self, prefix, now):
        info = self.keys.get(prefix, now)
        if info is None:
            # The classification policy comes in the same query (one subquery per field).
            policy = ClassificationPolicy.objects.filter(
                classification=OuterRef("grant__api_version__service__classification")
            )
            key = (
                ApiKey.objects.select_related(
                    "grant__organization", "grant__api_version__service", "grant__access_request"
                )
                .annotate(**{f"policy_{name}": Subquery(policy.values(name)[:1]) for name in rules.POLICY_FIELDS})
                .filter(prefix=prefix)
                .first()
            )
            info = KeyInfo(prefix, key.key_hash, key.expires_at.timestamp(), key.revoked_at is not None,
                           _grant_info(key)) if key else False
            _release_db()
            self.keys.put(prefix, info, now)
        return info or None

    def _upstream_pool(self, grant, now):
        """The origin's connection pool, once the SSRF guard has passed it (re-checked every cache period).

        New connections go to the addresses the guard checked, not to a fresh DNS answer, so a record
        changed to an internal address between the check and the connect (DNS rebinding) is not followed.
        """
        origin = grant.upstream_origin
        pool = self.pools.for_origin(*grant.upstream_address)
        verdict = self.upstreams.get(origin, now)
        if verdict is None:
            try:
                pool.addresses = check_upstream(origin)
                verdict = ""
            except UpstreamRefused as exc:
                verdict = str(exc)
            self.upstreams.put(origin, verdict, now)
        if verdict:
            raise GatewayError(
                "upstream_refused", _("The upstream address is not allowed: %(why)s") % {"why": verdict}
            )
        return pool

    def _token(self, grant, rejected=None):
        try:
            return self.tokens.token(grant.token_source, rejected=rejected)
        except TokenUnavailable as exc:
            logger.warning("no upstream token for API version %s: %s", grant.version_id, exc)
            raise GatewayError(
                "upstream_auth_failed", _("The SPLP could not obtain an access token for the upstream.")
            ) from None

    def _client_ip(self, environ):
        """(client address, the trusted proxy's X-Forwarded-For chain or "")."""
        if clientip.from_trusted_proxy(environ):
            return clientip.client_ip(environ), environ.get("HTTP_X_FORWARDED_FOR", "")
        return environ.get("REMOTE_ADDR", ""), ""

    # -- the call -----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        if not self._ready:
            self._setup()
        started = time.perf_counter()
        now = time.time()
        request_id = uuid.uuid4().hex
        record = {
            "request_id": request_id,
            "time": datetime.datetime.fromtimestamp(now, datetime.UTC).isoformat(),
            "method": environ.get("REQUEST_METHOD", "GET")[:10],
        }
        raw_segments = _raw_segments(environ)
        # Until the call is tied to an API and an operation, everything after the gateway prefix is kept only
        # as hashes (of the segments as sent); see logmask.
        ours = raw_segments[:2] == ["", PREFIX.strip("/")]
        call_path = logmask.CallPath(PREFIX.rstrip("/") if ours else "", raw_segments[2 if ours else 1:])
        client_ip, forwarded = self._client_ip(environ)
        record["client_ip"] = client_ip or None
        try:
            try:
                status, headers, body, upstream = self._handle(environ, raw_segments, record, call_path, client_ip,
                                                               forwarded, request_id, now)
            except GatewayError:
                raise
            except Exception as exc:  # a fault of the SPLP itself (e.g. database down): still JSON, still logged
                logger.exception("gateway failure, request %s", request_id)
                raise GatewayError(
                    "internal_error", _("The SPLP could not process the call; try again later.")
                ) from exc
        except GatewayError as exc:
            record["error_code"] = exc.code
            body = _error_body(exc.code, exc.message, request_id)
            headers = exc.headers + [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            status, upstream, body = exc.status, None, [body]
        record["status"] = status
        # Masked before the record goes anywhere, the buffer included (UU 27/2022).
        record["path"], record["params"] = call_path.masked(environ.get("QUERY_STRING", ""))
        headers.append(("X-Request-ID", request_id))
        start_response(_status_line(status), headers)
        return LoggedBody(self, body, record, started, upstream)

    def _handle(self, environ, raw_segments, record, call_path, client_ip, forwarded, request_id, now):
        slug, segments = canonical_call(raw_segments)
        service = self._service(slug, now) if slug else None
        if service is None or not service.versions:
            raise _api_not_found()
        record["service_id"] = service.id
        call_path.known, call_path.rest = PREFIX + slug, segments
        if service.secret:
            # A rahasia API answers exactly as an unknown name does unless the key is granted on it, so
            # probing names (with no key, a wrong key or another API's key) discloses nothing.
            try:
                key = self._authenticate(environ, record, now)
            except GatewayError as exc:
                raise _api_not_found() from exc
            if key.grant.service_id != service.id:
                raise _api_not_found()
        if service.suspended:
            raise GatewayError("api_suspended", _("This API is suspended by the administrator."))
        if not service.secret:
            key = self._authenticate(environ, record, now)
        grant = key.grant
        if key.revoked or key.expires_at <= now:
            raise GatewayError("key_inactive", _("The API key has been revoked or has expired."))
        if not grant.active or grant.expires_at <= now or not grant.version_live:
            raise GatewayError("grant_inactive", _("The access grant for this key is no longer active."))
        if grant.service_id != service.id:
            raise GatewayError("no_grant", _("This key grants no access to this API."))
        if grant.starts_at > now:
            raise GatewayError("grant_not_started", grant.start_message)
        if grant.policy_breach:
            raise GatewayError(*grant.policy_breach)
        if grant.policy_until <= now:
            raise GatewayError("policy_period_exceeded", grant.policy_period_message)

        # An explicit version segment (/v<version>/...) selects the version; it must be the granted one.
        if segments and segments[0].startswith("v") and segments[0][1:] in service.versions:
            if segments[0][1:] != grant.version:
                raise GatewayError("no_grant", _("This key grants no access to this version of the API."))
            call_path.known += "/" + segments[0]
            segments = call_path.rest = segments[1:]
        path = "/" + "/".join(segments)
        record["api_version_id"] = grant.version_id

        method = record["method"]
        operation, match = next(
            ((op, m) for op in grant.operations if op.method == method and (m := op.pattern.match(path))), (None, None)
        )
        if operation is None:
            raise GatewayError(
                "unknown_operation", _("This operation is not in the API's registered documentation.")
            )
        record["operation_id"] = operation.id
        call_path.operation, call_path.values = operation, match.groups()
        if grant.allowed_operation_ids is not None and operation.id not in grant.allowed_operation_ids:
            raise GatewayError("operation_not_granted", _("This operation is not included in the access grant."))
        if grant.networks:
            try:
                ip = ipaddress.ip_address(client_ip)
            except ValueError:
                ip = None
            if ip is None or not any(ip in net for net in grant.networks):
                raise GatewayError(
                    "ip_not_allowed", _("Calls from this IP address are not allowed for this grant.")
                )

        allowed, retry_after = self._rate_limit(grant)
        if not allowed:
            raise GatewayError("rate_limited", _("Rate limit exceeded; try again later."),
                               [("Retry-After", str(retry_after))])

        body = _read_body(environ)
        record["bytes_in"] = len(body)
        target = grant.upstream_path + "/" + "/".join(quote(s, safe=SEGMENT_SAFE) for s in segments)
        query = environ.get("QUERY_STRING", "")
        if query:
            target += "?" + quote(query.encode("latin-1"), safe=QUERY_SAFE)
        pool = self._upstream_pool(grant, now)
        return self._forward(environ, record, grant, pool, target, body, client_ip, forwarded, request_id)

    def _authenticate(self, environ, record, now):
        """The presented key's cached record (401 when absent or wrong); records who called."""
        raw = _presented_key(environ)
        if not raw:
            raise GatewayError("missing_key",
                               _("An API key is required (Authorization: Bearer <key> or X-API-Key)."),
                               [("WWW-Authenticate", 'Bearer realm="splp"')])
        prefix = keys.split_prefix(raw)
        key = self._key(prefix, now) if prefix else None
        if key is None or not keys.key_matches(raw, key.key_hash):
            raise GatewayError("invalid_key", _("The API key is not valid."),
                               [("WWW-Authenticate", 'Bearer realm="splp"')])
        record.update(key_prefix=key.prefix, organization_id=key.grant.organization_id, grant_id=key.grant.id)
        return key

    def _rate_limit(self, grant):
        try:
            return self.limiter.hit(grant.id, grant.per_minute, grant.per_day)
        except Exception:  # Redis unreachable: per-process counting rather than no limit, and no outage
            logger.warning("rate limiter unavailable, using the per-process fallback")
            return self.fallback_limiter.hit(grant.id, grant.per_minute, grant.per_day)

    def _forward(self, environ, record, grant, pool, target, body, client_ip, forwarded, request_id):
        headers = _forward_headers(environ, grant.auth_header)
        headers += [
            ("X-Request-ID", request_id),
            # The chain a trusted proxy sent, extended by that proxy's own address, as each hop does.
            ("X-Forwarded-For", f"{forwarded}, {environ.get('REMOTE_ADDR', '')}" if forwarded else client_ip),
            ("X-Forwarded-Proto", _forwarded_value(environ, forwarded, "HTTP_X_FORWARDED_PROTO", "wsgi.url_scheme")),
            ("X-Forwarded-Host", _forwarded_value(environ, forwarded, "HTTP_X_FORWARDED_HOST", "HTTP_HOST")),
            ("X-SPLP-Organization", grant.organization_code),
        ]
        if grant.auth_header and grant.auth_secret:
            headers.append((grant.auth_header, grant.auth_secret))
        token = self._token(grant) if grant.token_source else None
        sent = time.perf_counter()
        response = _send(pool, record, grant, target, headers, body, token)
        if response.status == 401 and token is not None:
            # The token was revoked or expired early: one new token and one more try (the body is buffered);
            # a second 401 goes to the requester as it is.
            response.release()
            token = self._token(grant, rejected=token)
            response = _send(pool, record, grant, target, headers, body, token)
        record["upstream_status"] = response.status
        limit = settings.SPLP_GATEWAY_MAX_RESPONSE_BYTES
        if response.content_length is not None and response.content_length > limit:
            response.release()
            raise _response_too_large(limit)
        # Small bodies are read whole before answering, so a reset upstream becomes a clean 502.
        first, stream = _prefetch(response, min(limit, settings.SPLP_GATEWAY_BUFFER_BYTES), limit)
        record["upstream_latency_ms"] = round((time.perf_counter() - sent) * 1000, 3)
        out_headers = _response_headers(response.headers)
        if grant.lifecycle_headers:
            # Ours replace the upstream's: the SPLP decides when a version it carries ends.
            out_headers = [h for h in out_headers if h[0].lower() not in ("deprecation", "sunset")]
            out_headers += grant.lifecycle_headers
        if stream is None:
            # A HEAD answer has no body: the length it states is the upstream's own.
            length = _header(response.headers, "content-length") if record["method"] == "HEAD" else str(len(first))
            if length is not None:
                out_headers.append(("Content-Length", length))
            response.release()
            return response.status, out_headers, [first], None
        # Streamed: the declared length goes to the client, so a body cut short is visibly short; without
        # one, the server's chunked framing is aborted without its final chunk (LoggedBody re-raises).
        if response.content_length is not None:
            out_headers.append(("Content-Length", str(response.content_length)))
        return response.status, out_headers, _chain(first, stream, limit), response


def _send(pool, record, grant, target, headers, body, token):
    """The upstream's response head, with the OAuth2 token when there is one."""
    if token is not None:
        headers = [*headers, token_header(grant.auth_header, token)]
    try:
        return pool.request(record["method"], target, headers, body, grant.connect_timeout, grant.read_timeout)
    except UpstreamError as exc:
        raise _upstream_failure(exc) from exc


def _forwarded_value(environ, forwarded, proxy_key, own_key):
    """X-Forwarded-Proto/-Host: the trusted proxy's word when it forwarded the call, else what this server saw."""
    return (forwarded and environ.get(proxy_key)) or environ.get(own_key, "")


def _response_too_large(limit):
    return GatewayError("upstream_response_too_large",
                        _("The upstream response is larger than the SPLP allows (%(n)d bytes).") % {"n": limit})


def _prefetch(response, buffer_limit, limit):
    """Read up to ``buffer_limit`` bytes. Returns (bytes, None) when that was the whole body,
    or (bytes, iterator) to stream the rest."""
    chunks, size = [], 0
    iterator = response.stream()
    try:
        for chunk in iterator:
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                response.release()
                raise _response_too_large(limit)
            if size > buffer_limit:
                return b"".join(chunks), iterator
    except UpstreamError as exc:
        response.release()
        raise _upstream_failure(exc) from exc
    return b"".join(chunks), None


def _upstream_failure(exc):
    if exc.kind == "connect":
        return GatewayError("upstream_unreachable", _("The upstream cannot be reached."))
    if exc.kind in ("connect_timeout", "read_timeout"):
        return GatewayError("upstream_timeout", _("The upstream did not answer in time."))
    if exc.kind == "reset":
        return GatewayError("upstream_reset",
                            _("The upstream closed the connection before the response was complete."))
    if exc.kind == "truncated":
        return GatewayError("upstream_truncated",
                            _("The upstream closed the connection before the body it declared was complete."))
    if exc.kind == "request_invalid":
        return GatewayError("invalid_request", _("The call cannot be forwarded: a header is not valid HTTP."))
    return GatewayError("upstream_invalid", _("The upstream gave an invalid response."))


def _chain(first, iterator, limit):
    sent = len(first)
    yield first
    for chunk in iterator:
        sent += len(chunk)
        if sent > limit:
            raise GatewayError("upstream_response_too_large", "response exceeded the size limit while streaming")
        yield chunk


class LoggedBody:
    """The WSGI response body; the call is logged when the server closes it (after streaming)."""

    def __init__(self, gateway, body, record, started, upstream):
        self.gateway, self.body, self.record, self.started, self.upstream = gateway, body, record, started, upstream
        self.bytes_out = 0

    def __iter__(self):
        try:
            for chunk in self.body:
                self.bytes_out += len(chunk)
                yield chunk
        except (GatewayError, UpstreamError) as exc:
            # Too late for a status: the log says what happened, and the exception makes the server cut the
            # connection (short of the Content-Length, or without the final chunk), so the client sees it.
            self.record["error_code"] = exc.code if isinstance(exc, GatewayError) else _upstream_failure(exc).code
            self.record["status"] = 502
            raise

    def close(self):
        if self.upstream is not None:
            self.upstream.release()
        self.record["bytes_out"] = self.bytes_out
        self.record["latency_ms"] = round((time.perf_counter() - self.started) * 1000, 3)
        self.gateway.buffer.append(self.record)


def _presented_key(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return environ.get("HTTP_X_API_KEY", "").strip()


def _connection_named(value):
    return {name.strip().lower() for name in value.split(",")}


def _forward_headers(environ, auth_header):
    """The requester's headers the upstream may see, as (name, value) pairs in bytes (h11 validates them).

    WSGI hands every name over upper-cased, so all comparisons here are case-insensitive by construction;
    the publisher's credential header is dropped under any spelling.
    """
    drop = REQUEST_DROP | _connection_named(environ.get("HTTP_CONNECTION", ""))
    drop |= {auth_header.lower().replace("_", "-")}
    headers = []
    for key, value in environ.items():
        if key[:5] == "HTTP_":
            name = key[5:].replace("_", "-").lower()
            if name not in drop and not name.startswith(BUS_HEADER_PREFIXES):
                headers.append((name.encode("latin-1"), value.encode("latin-1")))
    if environ.get("CONTENT_TYPE"):
        headers.append((b"content-type", environ["CONTENT_TYPE"].encode("latin-1")))
    return headers


def _header(headers, name):
    return next((value for key, value in headers if key.lower() == name), None)


def _response_headers(headers):
    """The upstream's response headers less hop-by-hop ones, those its Connection header names, and cookies."""
    drop = RESPONSE_DROP
    for name, value in headers:
        if name.lower() == "connection":
            drop = drop | _connection_named(value)
    return [(name, value) for name, value in headers if name.lower() not in drop]


def _too_large(limit):
    return GatewayError("request_too_large",
                        _("The request body is larger than the SPLP allows (%(n)d bytes).") % {"n": limit})


def _read_body(environ):
    """The request body, framed by Content-Length or chunked (decoded by the server), never both."""
    limit = settings.SPLP_GATEWAY_MAX_REQUEST_BYTES
    length = environ.get("CONTENT_LENGTH") or ""
    coding = environ.get("HTTP_TRANSFER_ENCODING", "")
    if coding:
        if length:
            raise GatewayError("invalid_request",
                               _("Content-Length and Transfer-Encoding must not be sent together."))
        if coding.strip().lower() != "chunked":
            raise GatewayError("invalid_request", _("Only the chunked transfer coding is accepted."))
        body = environ["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            raise _too_large(limit)
        return body
    if not length:
        return b""
    if not length.isdigit():
        raise GatewayError("invalid_request", _("The Content-Length is not a number."))
    if int(length) > limit:
        raise _too_large(limit)
    body = environ["wsgi.input"].read(int(length))
    if len(body) != int(length):
        raise GatewayError("invalid_request", _("The request body is shorter than its Content-Length."))
    return body


def _status_line(status):
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
