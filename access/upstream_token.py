"""OAuth2 client credentials (RFC 6749 4.4) for upstreams behind a gateway of their own (the national SPLP's
WSO2 API Manager, another Pemda's SPLP).

The token is fetched with the bus' own client from the addresses the SSRF guard checked, so the token URL is
held to the same rules as an upstream: allow-listed host, https unless internal, no redirect followed, no DNS
rebinding. Tokens are kept per process, per version and credentials, until shortly before they expire. The
client secret is never logged and never part of an error message.
"""

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode, urlsplit

from directory.choices import UpstreamAuthTypeChoices
from splp import crypto
from splp.http import HEADER_VALUE

from .upstream import UpstreamRefused, check_upstream
from .upstream_client import UpstreamError

# Renewed this long before the server says the token expires (a tenth of its lifetime when that is shorter),
# so a token does not run out between the check and the upstream's own.
MARGIN_SECONDS = 30
# expires_in is optional (RFC 6749 5.1): without it, a token is used for five minutes.
DEFAULT_LIFETIME = 300
MAX_LIFETIME = 86400  # a longer (or nonsensical) expires_in counts as absent
MAX_RESPONSE_BYTES = 64 * 1024


class TokenUnavailable(Exception):
    """The token endpoint gave no usable token; the message names no secret."""


@dataclass(frozen=True)
class TokenSource:
    version_id: int
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str
    connect_timeout: float
    read_timeout: float

    @property
    def key(self):
        """The version and a digest of its credentials: new credentials never get the old token."""
        material = "\0".join((self.token_url, self.client_id, self.client_secret, self.scope))
        return self.version_id, hashlib.sha256(material.encode()).hexdigest()


def token_source_for(version):
    """The ApiVersion's OAuth2 settings (secret decrypted), or None when it uses no OAuth2 token."""
    if version.upstream_auth_type != UpstreamAuthTypeChoices.OAUTH2 or not version.upstream_client_secret:
        return None
    return TokenSource(version.id, version.upstream_token_url, version.upstream_client_id,
                       crypto.decrypt(version.upstream_client_secret), version.upstream_token_scope,
                       version.connect_timeout, version.read_timeout)


def token_header(header, token):
    """(name, value): a Bearer credential in Authorization (the default), the token alone in any other header
    (gateways with their own, e.g. WSO2's configurable one)."""
    name = header or "Authorization"
    return name, f"Bearer {token}" if name.lower() == "authorization" else token


class TokenCache:
    def __init__(self, pools):
        self.pools = pools
        self._tokens = {}  # key -> (token, renew at)
        self._locks = {}
        self._lock = threading.Lock()

    def token(self, source, *, rejected=None):
        """A current token for ``source``. ``rejected``: the token the upstream just refused (401), replaced
        unless another thread has replaced it already. One fetch at a time per source."""
        key = source.key
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._tokens.get(key)
            if cached is not None and cached[1] > time.time() and cached[0] != rejected:
                return cached[0]
            token, lifetime = self._fetch(source)
            self._tokens[key] = (token, time.time() + lifetime - min(MARGIN_SECONDS, lifetime / 10))
            return token

    def _fetch(self, source):
        try:
            addresses = check_upstream(source.token_url)
        except UpstreamRefused as exc:
            raise TokenUnavailable(f"token URL refused: {exc}") from None
        parts = urlsplit(source.token_url)
        pool = self.pools.for_origin(parts.scheme, parts.hostname,
                                     parts.port or (443 if parts.scheme == "https" else 80))
        pool.addresses = addresses
        form = {"grant_type": "client_credentials", **({"scope": source.scope} if source.scope else {})}
        # client_secret_basic: id and secret form-encoded, then Basic (RFC 6749 2.3.1).
        basic = base64.b64encode(f"{quote_plus(source.client_id)}:{quote_plus(source.client_secret)}".encode())
        headers = [("Authorization", "Basic " + basic.decode()), ("Accept", "application/json"),
                   ("Content-Type", "application/x-www-form-urlencoded")]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            response = pool.request("POST", target, headers, urlencode(form).encode(), source.connect_timeout,
                                    source.read_timeout)
            try:
                body = _read(response)
            finally:
                response.release()
        except UpstreamError as exc:
            raise TokenUnavailable(f"token endpoint failed ({exc.kind})") from None
        if response.status != 200:
            raise TokenUnavailable(f"token endpoint answered {response.status}")
        return _parse(body)


def _read(response):
    chunks, size = [], 0
    for chunk in response.stream():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise TokenUnavailable("token response too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body):
    """(access token, lifetime in seconds) from a token response (RFC 6749 5.1)."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise TokenUnavailable("token response is not JSON") from None
    if not isinstance(payload, dict):
        raise TokenUnavailable("token response is not a JSON object")
    token = payload.get("access_token")
    if not isinstance(token, str) or not HEADER_VALUE.match(token):
        raise TokenUnavailable("token response has no usable access_token")
    if str(payload.get("token_type", "bearer")).lower() != "bearer":
        raise TokenUnavailable("token type is not bearer")
    try:
        lifetime = float(payload.get("expires_in", DEFAULT_LIFETIME))
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME
    if not 0 <= lifetime <= MAX_LIFETIME:  # also NaN
        lifetime = DEFAULT_LIFETIME
    return token, lifetime
