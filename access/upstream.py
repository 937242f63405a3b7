"""Reaching publishers' upstreams safely: the SSRF guard."""

import socket
from urllib.parse import urlsplit

from directory.interop import address_is_public, host_allowed, is_internal_host, upstream_url_refusal

__all__ = ["UpstreamRefused", "address_is_public", "check_upstream", "host_allowed"]


class UpstreamRefused(Exception):
    """The upstream address is not one the Dinas allows the bus to call."""


def check_upstream(url):
    """Refuse an upstream URL the bus must not call; returns the resolved addresses it may use.

    The name is resolved here, at call time, so a DNS record changed to a private address is caught.
    """
    refusal = upstream_url_refusal(url)
    if refusal:
        raise UpstreamRefused(refusal)
    parts = urlsplit(url)
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UpstreamRefused(f"cannot resolve {host}: {exc}") from exc
    addresses = sorted({info[4][0] for info in infos})
    for ip in addresses:
        if not address_is_public(ip) and not is_internal_host(ip):
            raise UpstreamRefused(f"{host} resolves to {ip}, a non-public address not allow-listed")
    return addresses
