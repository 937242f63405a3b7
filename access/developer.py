"""What a requester's developer needs to call an API through the bus: its address, ready-to-copy calls with
the values of the OpenAPI document's examples, and the errors the bus itself answers (access.gateway).

The examples come from the publisher's document: they are data, quoted for each language here (shlex for the
shell, repr for Python, JSON for JavaScript) and escaped by the template that shows them.
"""

import json
import shlex
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from directory.models import ApiOperation, ApiVersion

from .gateway import BUS_ERRORS, gateway_path, gateway_url

KEY_PLACEHOLDER = "<KUNCI_API>"
BODY_METHODS = {"POST", "PUT", "PATCH"}
MAX_REF_DEPTH = 10


@dataclass
class ExampleCall:
    operation: ApiOperation
    path: str  # below the version's gateway address, filled, with its query string
    body: object  # the JSON body's example, or None
    curl: str
    python: str
    javascript: str

    @property
    def snippets(self):
        """(id, label, text) of each language, in the order the page shows them."""
        return [("curl", "curl", self.curl), ("python", "Python (requests)", self.python),
                ("javascript", "JavaScript (fetch)", self.javascript)]


def _resolve(spec, node, depth=0):
    """A local "$ref" ("#/components/..."), followed; anything else (or a loop) as it is."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < MAX_REF_DEPTH:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node, depth = target, depth + 1
    return node if isinstance(node, dict) else {}


def _example(spec, node):
    """The example a parameter, media type or schema gives: example, the first of examples, else the schema's
    example, default or first enum value. None when it gives none."""
    node = _resolve(spec, node)
    if "example" in node:
        return node["example"]
    examples = node.get("examples")
    if isinstance(examples, dict):
        for example in examples.values():
            example = _resolve(spec, example)
            if "value" in example:
                return example["value"]
    elif isinstance(examples, list) and examples:  # JSON Schema 2020-12 (OpenAPI 3.1 schemas)
        return examples[0]
    if "schema" in node:
        return _example(spec, node["schema"])
    if "default" in node:
        return node["default"]
    if isinstance(node.get("enum"), list) and node["enum"]:
        return node["enum"][0]
    return None


def _as_text(value):
    """A parameter's value as it goes in a URL: strings and numbers as written, anything else as JSON."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _filled(spec, operation):
    """(path with its parameters filled, JSON body example or None) for one operation."""
    item = _resolve(spec, (spec.get("paths") or {}).get(operation.path))
    op = _resolve(spec, item.get(operation.method.lower()))
    parameters = [_resolve(spec, p) for p in list(item.get("parameters") or []) + list(op.get("parameters") or [])]
    path, query, body = operation.path, [], None
    for parameter in parameters:
        name, where = str(parameter.get("name", "")), parameter.get("in")
        value = _example(spec, parameter)
        if where == "path":
            # No example: the template's own placeholder stays, for the developer to replace.
            if value is not None:
                path = path.replace("{" + name + "}", quote(_as_text(value), safe=""))
        elif where == "query" and (value is not None or parameter.get("required")):
            query.append((name, _as_text(value) if value is not None else f"<{name}>"))
        elif where == "body":  # Swagger 2
            body = _example(spec, parameter.get("schema"))
    content = _resolve(spec, op.get("requestBody")).get("content") or {}
    for media_type, media in content.items():
        if "json" in media_type:
            body = _example(spec, media)
            break
    if operation.method not in BODY_METHODS:
        body = None
    return path.lstrip("/") + ("?" + urlencode(query) if query else ""), body


def _curl(method, url, key, body):
    lines = ["curl" + ("" if method == "GET" else f" -X {method}")
             + (" --globoff" if "{" in url or "[" in url else ""),  # a placeholder left: not a curl glob
             "-H " + shlex.quote(f"Authorization: Bearer {key}")]
    if body is not None:
        lines += ["-H " + shlex.quote("Content-Type: application/json"),
                  "-d " + shlex.quote(json.dumps(body, ensure_ascii=False))]
    lines.append(shlex.quote(url))
    return " \\\n  ".join(lines)


def _python(method, url, key, body):
    lines = ["import requests", "", "response = requests.request(", f"    {method!r},", f"    {url!r},",
             f"    headers={{'Authorization': {('Bearer ' + key)!r}}},"]
    if body is not None:
        lines.append(f"    json={body!r},")
    lines += ["    timeout=30,", ")", "print(response.status_code, response.text)"]
    return "\n".join(lines)


def _javascript(method, url, key, body):
    headers = {"Authorization": f"Bearer {key}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    lines = [f"const response = await fetch({json.dumps(url, ensure_ascii=False)}, {{",
             f"  method: {json.dumps(method)},", f"  headers: {json.dumps(headers, ensure_ascii=False)},"]
    if body is not None:
        lines.append(f"  body: JSON.stringify({json.dumps(body, ensure_ascii=False)}),")
    lines += ["});", "console.log(response.status, await response.text());"]
    return "\n".join(lines)


def example_calls(api_version: ApiVersion, operations, *, key: str | None = None) -> list[ExampleCall]:
    """One ready-to-copy call per operation, in curl, Python requests and JavaScript fetch. ``key`` is the raw
    key right after it is revealed (the page that shows it once); else a placeholder."""
    base, key = gateway_url(api_version), key or KEY_PLACEHOLDER
    spec = api_version.spec if isinstance(api_version.spec, dict) else {}
    calls = []
    for operation in operations:
        path, body = _filled(spec, operation)
        url = base + path
        calls.append(ExampleCall(
            operation=operation, path=path, body=body, curl=_curl(operation.method, url, key, body),
            python=_python(operation.method, url, key, body),
            javascript=_javascript(operation.method, url, key, body),
        ))
    return calls


def bus_errors() -> list[dict]:
    """The bus' own error answers, by status then code (access.gateway.BUS_ERRORS)."""
    return [{"status": status, "code": code, "meaning": meaning}
            for code, (status, meaning) in sorted(BUS_ERRORS.items(), key=lambda item: (item[1][0], item[0]))]


def console_data(api_version: ApiVersion, calls: list[ExampleCall]) -> dict:
    """What the in-page console needs (json_script): the bus path of the version and each call's example."""
    return {
        "base": gateway_path(api_version),
        "calls": [{"method": c.operation.method, "path": c.path,
                   "body": json.dumps(c.body, ensure_ascii=False, indent=2) if c.body is not None else ""}
                  for c in calls],
    }
