"""What the request log keeps of a call's path and query (UU 27/2022 PDP): the operation, not the values.

The log row, the buffer before it and every report keep the matched operation's path template
(``/gateway/<api>/v1/penduduk/{nik}``) and the query's parameter names; each value is kept only as a keyed
hash (HMAC-SHA256 with ``SPLP_LOG_HASH_KEY``), so the Dinas can still answer "which calls carried this
identifier" (it hashes the value it is given with the same key) while the log holds no identifier in clear.
A path that matched no operation keeps only what the SPLP knows (the gateway prefix and the API) and the
hash of each remaining segment.
"""

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings

# A query parameter name kept in clear: a plain identifier. Anything else (``?7472010000000001``) may itself
# be a value, so it is hashed like one under the name "_".
_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63}\Z")
REST = "rest"


@functools.lru_cache(maxsize=2)
def _keyed(key):
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def value_hash(value: str) -> str:
    digest = _keyed(settings.SPLP_LOG_HASH_KEY).copy()  # the key's pads computed once, not per value
    digest.update(value.encode())
    return digest.hexdigest()


@dataclass
class CallPath:
    """What the gateway has learnt of a call's path so far (``known`` is kept, ``rest`` is not, until an
    operation matched); masked once, when the call is logged."""

    known: str
    rest: list
    operation: object = None  # access.gateway.Operation: its ``template`` and path parameter ``names``
    values: tuple = ()

    def masked(self, query: str):
        """(path, params) for the log: never a path or query value in clear."""
        if self.operation is None:
            path = self.known + (f"/{{{REST}}}" if self.rest else "")
            params = {REST: [value_hash(segment) for segment in self.rest]} if self.rest else {}
        else:
            path = self.known + self.operation.template
            params = {name: value_hash(value) for name, value in zip(self.operation.names, self.values, strict=True)}
        if not query:
            return path[:1000], params
        names = []
        # WSGI hands the query as latin-1 text of the raw bytes; values are percent-decoded as UTF-8.
        text = query.encode("latin-1", "replace").decode("utf-8", "replace")
        for name, value in parse_qsl(text, keep_blank_values=True):
            if not _SAFE_NAME.match(name):
                name, value = "_", name + ("=" + value if value else "")
            if name not in names:
                names.append(name)
            params.setdefault("?" + name, []).append(value_hash(value))
        return (path + "?" + "&".join(names))[:1000], params
