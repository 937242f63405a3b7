"""The client's address: X-Forwarded-For is believed only when the peer is one of SPLP_TRUSTED_PROXIES."""

import ipaddress

from django.conf import settings


def from_trusted_proxy(meta) -> bool:
    """True when the peer is one of SPLP_TRUSTED_PROXIES, whose X-Forwarded-* headers are believed."""
    if not settings.SPLP_TRUSTED_PROXIES:
        return False
    try:
        peer = ipaddress.ip_address(meta.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(p, strict=False) for p in settings.SPLP_TRUSTED_PROXIES)


def client_ip(meta) -> str:
    """The address from a WSGI environ or ``request.META``; the last X-Forwarded-For hop is the one the
    trusted proxy saw (earlier ones are whatever the client wrote)."""
    remote = meta.get("REMOTE_ADDR", "")
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and from_trusted_proxy(meta):
        try:
            return str(ipaddress.ip_address(forwarded.split(",")[-1].strip()))
        except ValueError:
            pass
    return remote
