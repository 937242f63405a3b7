"""What a requester's developer needs to call an API through the bus: its address, ready-to-copy calls with
the values of the OpenAPI document's examples, and the errors the bus itself answers (access.gateway).

The examples come from the publisher's document: they are data, quoted for each language here (shlex for the
shell, repr for Python, JSON for JavaScript) and escaped by the template that shows them.
"""

import json
import shlex
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from directory.models import ApiOperation, ApiVersion
from splp.http import HEADER_NAME, HEADER_VALUE, is_reserved_header

from .gateway import BUS_ERRORS, REQUEST_DROP, gateway_path, gateway_url

KEY_PLACEHOLDER = "<KUNCI_API>"
# A file field's example: the path of the developer's own file (curl, Python), its content (JavaScript).
FILE_PLACEHOLDER = "berkas.pdf"
FILE_CONTENT_PLACEHOLDER = "<ISI_BERKAS>"
BODY_METHODS = {"POST", "PUT", "PATCH"}
MAX_REF_DEPTH = 10
# OpenAPI ignores header parameters of these names: the media types and the security scheme say them.
IGNORED_HEADERS = {"accept", "content-type", "authorization"}
JSON, FORM, MULTIPART, TEXT = "json", "form", "multipart", "text"


@dataclass
class Body:
    """A request body's example in the media type chosen for it."""

    media_type: str
    kind: str  # JSON, FORM, MULTIPART or TEXT
    value: object = None  # JSON: the example; TEXT: the text
    fields: list = field(default_factory=list)  # FORM and MULTIPART: (name, text) pairs
    files: list = field(default_factory=list)  # MULTIPART: the names of its file fields

    @property
    def text(self):
        """The body as the console's text area holds it (form fields URL-encoded, files aside)."""
        if self.kind == JSON:
            return json.dumps(self.value, ensure_ascii=False, indent=2)
        return self.value if self.kind == TEXT else urlencode(self.fields)


@dataclass
class ExampleCall:
    operation: ApiOperation
    path: str  # below the version's gateway address, filled, with its query string
    headers: list  # (name, text) of the operation's header parameters
    body: Body | None
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
    """The example a parameter, media type or schema gives: example (x-example in Swagger 2), the first of
    examples, else the schema's example, default or first enum value. None when it gives none."""
    node = _resolve(spec, node)
    for name in ("example", "x-example"):
        if name in node:
            return node[name]
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
    """A value as it goes in a URL, a header or a form: strings and numbers as written, anything else as JSON."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _given(spec, node, name, required, fits=None):
    """A parameter's or form field's example as text; "<name>" for a required one without a usable example
    (none, or one ``fits`` refuses); None for an optional one without (it is left out)."""
    value = _example(spec, node)
    text = None if value is None else _as_text(value)
    if text is not None and (fits is None or fits(text)):
        return text
    return f"<{name}>" if required else None


def _sendable_header(name, upstream_auth_header):
    """False for a name a requester does not send: the key's own headers, those the bus drops or sets itself
    (access.gateway.REQUEST_DROP, splp.http), the publisher's credential header, and those OpenAPI ignores."""
    wire = name.lower().replace("_", "-")  # as the bus compares them (WSGI spells "-" as "_")
    dropped = REQUEST_DROP | IGNORED_HEADERS | {upstream_auth_header.lower().replace("_", "-")}
    return bool(HEADER_NAME.match(name)) and wire not in dropped and not is_reserved_header(wire)


def _kind(media_type):
    essence = media_type.split(";")[0].strip().lower()
    if essence == "application/x-www-form-urlencoded":
        return FORM
    if essence == "multipart/form-data":
        return MULTIPART
    return JSON if "json" in essence else TEXT


def _is_file(node):
    """A binary form field: OpenAPI 3.0's format binary, 3.1's contentMediaType, Swagger 2's type file."""
    return (node.get("type") == "file" or node.get("format") == "binary"
            or ("contentMediaType" in node and "contentEncoding" not in node))


def _composed(spec, schema, depth=0):
    """A JSON value built from the examples of a schema's parts, for a schema without an example of its own: an
    object of its properties that give one (allOf's parts merged), an array of one item. None when none does."""
    schema = _resolve(spec, schema)
    value = _example(spec, schema)
    if value is not None or depth >= MAX_REF_DEPTH:
        return value
    properties = {}
    for part in [schema, *(schema.get("allOf") if isinstance(schema.get("allOf"), list) else [])]:
        part = _resolve(spec, part)
        if isinstance(part.get("properties"), dict):
            properties.update(part["properties"])
    if properties:
        composed = {str(name): _composed(spec, node, depth + 1) for name, node in properties.items()}
        return {name: value for name, value in composed.items() if value is not None} or None
    if schema.get("type") == "array" and "items" in schema:
        item = _composed(spec, schema["items"], depth + 1)
        return None if item is None else [item]
    return None


def _body(spec, media_type, media):
    """The example body of one media type: the media type's or schema's example, else (JSON) one composed from
    its properties' examples; a form's fields from that example object, else from each property's own example."""
    kind = _kind(media_type)
    if kind not in (FORM, MULTIPART):
        value = _example(spec, media)
        if value is None and kind == JSON:
            value = _composed(spec, media.get("schema"))
        if value is None:
            return None
        return Body(media_type, kind, value=value if kind == JSON else _as_text(value))
    schema = _resolve(spec, media.get("schema"))
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    properties = {str(name): _resolve(spec, node) for name, node in properties.items()}
    files = [name for name, node in properties.items() if kind == MULTIPART and _is_file(node)]
    example = _example(spec, media)
    if isinstance(example, dict):
        fields = [(str(name), _as_text(value)) for name, value in example.items()]
    else:
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        fields = [(name, _given(spec, node, name, name in required)) for name, node in properties.items()]
    fields = [(name, text) for name, text in fields if text is not None and name not in files]
    return Body(media_type, kind, fields=fields, files=files) if fields or files else None


def _preferred(types, default):
    """Of the media types a Content-Type can say (no wildcard, no line break): JSON, else the first listed."""
    types = [t for t in types if isinstance(t, str) and "*" not in t and HEADER_VALUE.match(t)]
    return next((t for t in types if _kind(t) == JSON), types[0] if types else default)


def _request_body(spec, op, parameters):
    """The operation's body example: OpenAPI 3's requestBody, or Swagger 2's body or formData parameters in a
    type its consumes lists."""
    content = _resolve(spec, op.get("requestBody")).get("content")
    if isinstance(content, dict):
        media_type = _preferred(content, None)
        return _body(spec, media_type, _resolve(spec, content[media_type])) if media_type else None
    consumes = op.get("consumes") or spec.get("consumes")
    if not isinstance(consumes, list):
        consumes = []
    consumes = [t for t in consumes if isinstance(t, str) and HEADER_VALUE.match(t)]
    body = next((p for p in parameters if p.get("in") == "body"), None)
    if body is not None:
        return _body(spec, _preferred(consumes, "application/json"), body)
    form = [p for p in parameters if p.get("in") == "formData"]
    if not form:
        return None
    # A file can only go in multipart; else the form type consumes lists first.
    files = any(_is_file(p) for p in form)
    types = [t for t in consumes if _kind(t) == MULTIPART or (_kind(t) == FORM and not files)]
    media_type = types[0] if types else ("multipart/form-data" if files else "application/x-www-form-urlencoded")
    schema = {"properties": {str(p.get("name", "")): p for p in form},
              "required": [str(p.get("name", "")) for p in form if p.get("required")]}
    return _body(spec, media_type, {"schema": schema})


def _filled(spec, operation, upstream_auth_header):
    """(path with its parameters filled, header parameters, Body or None) for one operation."""
    item = _resolve(spec, (spec.get("paths") or {}).get(operation.path))
    op = _resolve(spec, item.get(operation.method.lower()))
    parameters = [_resolve(spec, p) for p in list(item.get("parameters") or []) + list(op.get("parameters") or [])]
    path, query, headers = operation.path, [], []
    for parameter in parameters:
        name, where, required = str(parameter.get("name", "")), parameter.get("in"), parameter.get("required")
        if where == "path":
            # No example: the template's own placeholder stays, for the developer to replace.
            value = _example(spec, parameter)
            if value is not None:
                path = path.replace("{" + name + "}", quote(_as_text(value), safe=""))
        elif where == "query" and (text := _given(spec, parameter, name, required)) is not None:
            query.append((name, text))
        elif where == "header" and _sendable_header(name, upstream_auth_header):
            # A value no header can carry (a line break, a non-ASCII letter) counts as no example.
            text = _given(spec, parameter, name, required, fits=HEADER_VALUE.match)
            if text is not None:
                headers.append((name, text))
    body = _request_body(spec, op, parameters) if operation.method in BODY_METHODS else None
    return path.lstrip("/") + ("?" + urlencode(query) if query else ""), headers, body


def _curl(method, url, headers, body):
    lines = ["curl" + ("" if method == "GET" else f" -X {method}")
             + (" --globoff" if "{" in url or "[" in url else "")]  # a placeholder left: not a curl glob
    lines += ["-H " + shlex.quote(f"{name}: {value}") for name, value in headers]
    # --data-raw and --form-string: a value starting with "@" or "<" is not read from a file.
    if body is None:
        pass
    elif body.kind in (JSON, TEXT):
        data = json.dumps(body.value, ensure_ascii=False) if body.kind == JSON else body.value
        lines.append("--data-raw " + shlex.quote(data))
    elif body.kind == FORM:
        lines += ["--data-urlencode " + shlex.quote(f"{quote(name, safe='')}={value}") for name, value in body.fields]
    else:
        lines += ["--form-string " + shlex.quote(f"{name}={value}") for name, value in body.fields]
        lines += ["-F " + shlex.quote(f"{name}=@{FILE_PLACEHOLDER}") for name in body.files]
    lines.append(shlex.quote(url))
    return " \\\n  ".join(lines)


def _python(method, url, headers, body):
    lines = ["import requests", "", "response = requests.request(", f"    {method!r},", f"    {url!r},",
             "    headers={", *(f"        {name!r}: {value!r}," for name, value in headers), "    },"]
    if body is None:
        pass
    elif body.kind == JSON:
        lines.append(f"    json={body.value!r},")
    elif body.kind == TEXT:
        lines.append(f"    data={body.value!r}.encode(),")
    elif body.kind == FORM:
        lines.append(f"    data={dict(body.fields)!r},")
    else:  # every field in files=, so that a form without a file is still sent as multipart
        parts = [f"{name!r}: (None, {value!r})" for name, value in body.fields]
        parts += [f"{name!r}: open({FILE_PLACEHOLDER!r}, 'rb')" for name in body.files]
        lines.append(f"    files={{{', '.join(parts)}}},")
    lines += ["    timeout=30,", ")", "print(response.status_code, response.text)"]
    return "\n".join(lines)


def _javascript(method, url, headers, body):
    def js(value):
        return json.dumps(value, ensure_ascii=False)

    lines, payload = [], None
    if body is None:
        pass
    elif body.kind == JSON:
        payload = f"JSON.stringify({js(body.value)})"
    elif body.kind == TEXT:
        payload = js(body.value)
    elif body.kind == FORM:
        payload = f"new URLSearchParams({js(dict(body.fields))})"
    else:  # fetch sets the multipart Content-Type itself, with its boundary
        lines = ["const form = new FormData();"]
        lines += [f"form.append({js(name)}, {js(value)});" for name, value in body.fields]
        lines += [f"form.append({js(name)}, new Blob([{js(FILE_CONTENT_PLACEHOLDER)}]), {js(FILE_PLACEHOLDER)});"
                  for name in body.files]
        payload = "form"
    lines += [f"const response = await fetch({js(url)}, {{", f"  method: {js(method)},", "  headers: {",
              *(f"    {js(name)}: {js(value)}," for name, value in headers), "  },"]
    if payload:
        lines.append(f"  body: {payload},")
    lines += ["});", "console.log(response.status, await response.text());"]
    return "\n".join(lines)


def example_calls(api_version: ApiVersion, operations, *, key: str | None = None) -> list[ExampleCall]:
    """One ready-to-copy call per operation, in curl, Python requests and JavaScript fetch. ``key`` is the raw
    key right after it is revealed (the page that shows it once); else a placeholder."""
    base, key = gateway_url(api_version), key or KEY_PLACEHOLDER
    spec = api_version.spec if isinstance(api_version.spec, dict) else {}
    calls = []
    for operation in operations:
        path, headers, body = _filled(spec, operation, api_version.upstream_auth_header)
        sent = [("Authorization", f"Bearer {key}"), *headers]
        if body is not None and body.kind != MULTIPART:  # multipart: the client adds it, with the boundary
            sent.append(("Content-Type", body.media_type))
        request = (operation.method, base + path, sent, body)
        calls.append(ExampleCall(operation=operation, path=path, headers=headers, body=body, curl=_curl(*request),
                                 python=_python(*request), javascript=_javascript(*request)))
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
                   "headers": "\n".join(f"{name}: {value}" for name, value in c.headers),
                   "media_type": c.body.media_type if c.body else "", "kind": c.body.kind if c.body else "",
                   "body": c.body.text if c.body else "", "files": c.body.files if c.body else []}
                  for c in calls],
    }
