"""HTTP header rules shared by the bus (access/gateway.py) and the upstream configuration (directory)."""

import re

# RFC 9110 7.6.1 hop-by-hop fields: they describe one connection, never forwarded.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade",
})
# Names the bus sets (or frames) itself on every forwarded call and that tell the upstream who calls from
# where: a requester's copies are dropped, and a publisher's credential may not use them.
BUS_HEADERS = frozenset({"host", "content-length", "expect", "forwarded", "x-real-ip", "x-request-id"})
BUS_HEADER_PREFIXES = ("x-forwarded-", "x-splp-")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")  # an RFC 9110 token
# Visible ASCII with inner spaces: no line break can reach the wire.
HEADER_VALUE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")


def is_reserved_header(name):
    """True for a name the bus owns: hop-by-hop, or one it sets itself."""
    name = name.lower().replace("_", "-")
    return name in HOP_BY_HOP or name in BUS_HEADERS or name.startswith(BUS_HEADER_PREFIXES)
