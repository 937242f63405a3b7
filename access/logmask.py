"""What the request log keeps of a call's path and query (UU 27/2022 PDP): the operation, not the values.

The log row, the buffer before it and every report keep the matched operation's path template
(``/gateway/<api>/v1/penduduk/{nik}``) and the query's parameter names; each value is kept only as a keyed
hash (HMAC-SHA256 with ``SPLP_LOG_HASH_KEY``), so the Dinas can still answer "which calls carried this
identifier" (it hashes the value it is given with the same key) while the log holds no identifier in clear.
A path that matched no operation keeps only what the SPLP knows (the gateway prefix and the API) and the
hash of each remaining segment.
"""

import hashlib
import hmac
import re
from urllib.parse import parse_qsl

from django.conf import settings

# A query parameter name kept in clear: a plain identifier. Anything else (``?7472010000000001``) may itself
# be a value, so it is hashed like one under the name "_".
_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63}\Z")
REST = "rest"


def value_hash(value: str) -> str:
    return hmac.new(settings.SPLP_LOG_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _with_query(path, params, query):
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


def masked_unmatched(known: str, rest: list[str], query: str):
    """(path, params) for a call the SPLP could not tie to an operation: ``known`` is kept, each of the
    ``rest`` segments only as a hash."""
    params = {REST: [value_hash(segment) for segment in rest]} if rest else {}
    return _with_query(known + ("/{%s}" % REST if rest else ""), params, query)


def masked_operation(known: str, template: str, names: tuple, values: tuple, query: str):
    """(path, params) for a call matched to an operation: its template, each path parameter hashed."""
    return _with_query(known + template, {name: value_hash(value) for name, value in zip(names, values)}, query)
