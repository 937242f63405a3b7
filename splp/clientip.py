"""The client's address: X-Forwarded-For is believed only when the peer is one of SPLP_TRUSTED_PROXIES."""

import ipaddress

from django.conf import settings


def client_ip(meta) -> str:
    """The address from a WSGI environ or ``request.META``; the last X-Forwarded-For hop is the one the
    trusted proxy saw (earlier ones are whatever the client wrote)."""
    remote = meta.get("REMOTE_ADDR", "")
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if not (forwarded and settings.SPLP_TRUSTED_PROXIES):
        return remote
    try:
        peer = ipaddress.ip_address(remote)
        if any(peer in ipaddress.ip_network(p, strict=False) for p in settings.SPLP_TRUSTED_PROXIES):
            return str(ipaddress.ip_address(forwarded.split(",")[-1].strip()))
    except ValueError:
        pass
    return remote
