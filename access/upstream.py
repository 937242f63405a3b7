"""Reaching publishers' upstreams safely: the SSRF guard and the pooled HTTP session."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from directory.interop import host_matches, is_internal_host


class UpstreamRefused(Exception):
    """The upstream address is not one the Dinas allows the bus to call."""


def host_allowed(host):
    """The host is internal or on the Dinas' upstream allow-list (names with wildcards, or CIDRs)."""
    return is_internal_host(host) or host_matches(host, settings.SPLP_UPSTREAM_HOSTS)


def address_is_public(ip):
    """False for loopback, link-local (cloud metadata), private, multicast, reserved and unspecified ranges."""
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


def check_upstream(url):
    """Refuse an upstream URL the bus must not call; returns the resolved addresses it may use.

    The name is resolved here, at call time, so a DNS record changed to a private address is caught.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in ("http", "https"):
        raise UpstreamRefused("upstream URL must be http(s) with a host")
    internal = is_internal_host(host)
    if parts.scheme != "https" and not internal:
        raise UpstreamRefused("https required for upstreams not allow-listed as internal")
    if not host_allowed(host):
        raise UpstreamRefused(f"host {host} is not on the upstream allow-list")
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
