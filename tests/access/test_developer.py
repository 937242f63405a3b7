"""Example calls built from a publisher's OpenAPI document: references followed, examples in their forms,
header parameters and each kind of request body, quoted for each language."""

import ast
import json
import shlex
from urllib.parse import parse_qsl, quote

import pytest

from access.developer import console_data, example_calls
from directory.models import ApiOperation, ApiService, ApiVersion

# Publisher-supplied values written to break out of a shell, a Python string, a script element or a curl option.
HOSTILE = """'"$(touch pwned) `id` \\ </script><script>alert(1)</script>"""
HOSTILE_LINES = "@/etc/passwd\n" + HOSTILE + "\r\nX-Injected: 1"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://splp.contoh.go.id"


def _version(spec, **fields):
    return ApiVersion(service=ApiService(slug="data-x"), version="1.0", spec=spec, **fields)


def _call(spec, method, path, **fields):
    [call] = example_calls(_version(spec, **fields), [ApiOperation(method=method, path=path)])
    return call


def curl_parts(call):
    """(headers, [(option, value)] of the body options, URL) of the curl call, as the shell passes them."""
    words = iter(shlex.split(call.curl.replace("\\\n", "")))
    assert next(words) == "curl"
    headers, data, url = [], [], None
    for word in words:
        if word == "-H":
            headers.append(tuple(next(words).split(": ", 1)))
        elif word in ("--data-raw", "--data-urlencode", "--form-string", "-F"):
            data.append((word, next(words)))
        elif word == "-X":
            next(words)
        elif word != "--globoff":
            url = word
    return headers, data, url


def _python_value(node):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):  # 'text'.encode()
        assert node.func.attr == "encode" and not node.args
        return _python_value(node.func.value).encode()
    if isinstance(node, ast.Call):  # open('berkas.pdf', 'rb')
        assert node.func.id == "open"
        return ("open", *map(ast.literal_eval, node.args))
    if isinstance(node, ast.Dict):
        return {ast.literal_eval(key): _python_value(value) for key, value in zip(node.keys, node.values, strict=True)}
    return ast.literal_eval(node)


def python_arguments(call):
    """The keyword arguments of the Python call's requests.request(...), as Python reads them."""
    [request] = [node for node in ast.walk(ast.parse(call.python))
                 if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "request"]
    return {keyword.arg: _python_value(keyword.value) for keyword in request.keywords}


def test_referenced_parameters_and_named_examples_are_filled():
    spec = {
        "paths": {"/v1/item/{id}": {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "put": {"requestBody": {"$ref": "#/components/requestBodies/Item"},
                    "parameters": [{"name": "mode", "in": "query", "required": True, "schema": {"enum": ["cepat"]}},
                                   {"name": "halaman", "in": "query", "schema": {"type": "integer"}}]},
        }},
        "components": {
            "parameters": {"Id": {"name": "id", "in": "path", "required": True,
                                  "examples": {"satu": {"value": "a b/c"}}}},
            "requestBodies": {"Item": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Item"}}}}},
            "schemas": {"Item": {"type": "object", "example": {"aktif": True, "nilai": None}}},
        },
    }
    [call] = example_calls(_version(spec), [ApiOperation(method="PUT", path="/v1/item/{id}")])

    # The path value is encoded as one segment; an enum gives its first value; an optional parameter without an
    # example is left out.
    assert call.path == "v1/item/a%20b%2Fc?mode=cepat"
    assert call.body.value == {"aktif": True, "nilai": None}
    assert "    json={'aktif': True, 'nilai': None}," in call.python
    assert "body: JSON.stringify({\"aktif\": true, \"nilai\": null})," in call.javascript
    assert call.curl.startswith("curl -X PUT \\\n  -H 'Authorization: Bearer <KUNCI_API>' \\\n"
                                "  -H 'Content-Type: application/json' \\\n"
                                "  --data-raw '{\"aktif\": true, \"nilai\": null}'")


def test_a_reference_loop_or_a_foreign_reference_gives_no_example():
    spec = {
        "paths": {"/v1/a/{id}": {"get": {"parameters": [
            {"$ref": "#/components/parameters/Loop"}, {"$ref": "https://elsewhere.test/p.yaml"}]}}},
        "components": {"parameters": {"Loop": {"$ref": "#/components/parameters/Loop"}}},
    }
    [call] = example_calls(_version(spec), [ApiOperation(method="GET", path="/v1/a/{id}")])
    assert call.path == "v1/a/{id}"
    assert "--globoff" in call.curl


# Header parameters

KEY = ("Authorization", "Bearer <KUNCI_API>")


def test_header_parameters_carry_their_examples_and_never_the_keys_or_the_bus_own():
    header = [
        {"name": "X-Wilayah", "in": "header", "schema": {"type": "string"}, "example": "7472"},
        {"name": "X-Halaman", "in": "header", "schema": {"type": "integer", "default": 2}},
        {"name": "X-Opsional", "in": "header", "schema": {"type": "string"}},
        {"name": "X-Wajib", "in": "header", "required": True, "schema": {"type": "string"}},
        # No header can carry a line break: a required one keeps its placeholder, an optional one is left out.
        {"name": "X-Baris", "in": "header", "required": True, "example": "a\r\nX-Injected: 1"},
        {"name": "X-Catatan", "in": "header", "example": "a\nb"},
        {"name": "Bad Name", "in": "header", "example": "x"},
    ] + [{"name": name, "in": "header", "required": True, "example": "forged"} for name in (
        "Authorization", "x-api-key", "X_API_KEY", "Cookie", "Connection", "Transfer-Encoding", "Host",
        "X-Forwarded-For", "X-Real-IP", "X-Request-ID", "X-SPLP-Organization", "Content-Type", "Accept",
        "X-Upstream-Key",  # the publisher's credential, which the bus adds itself
    )]
    spec = {"paths": {"/v1/a": {"get": {"parameters": header}}}}

    call = _call(spec, "GET", "/v1/a", upstream_auth_header="x-upstream-key")

    expected = [("X-Wilayah", "7472"), ("X-Halaman", "2"), ("X-Wajib", "<X-Wajib>"), ("X-Baris", "<X-Baris>")]
    assert call.headers == expected
    assert curl_parts(call)[0] == [KEY, *expected]
    assert python_arguments(call)["headers"] == dict([KEY, *expected])
    headers = "".join(f"    {json.dumps(name)}: {json.dumps(value)},\n" for name, value in [KEY, *expected])
    assert f"  headers: {{\n{headers}  }},\n" in call.javascript


def test_swagger2_header_and_query_parameters_use_x_example():
    spec = {"swagger": "2.0", "paths": {"/v1/a": {"get": {"parameters": [
        {"name": "X-Wilayah", "in": "header", "type": "string", "x-example": "7472"},
        {"name": "X-Tahun", "in": "header", "type": "integer", "enum": [2024, 2025]},
        {"name": "q", "in": "query", "type": "string", "x-example": "budi"},
    ]}}}}

    call = _call(spec, "GET", "/v1/a")

    assert call.headers == [("X-Wilayah", "7472"), ("X-Tahun", "2024")]
    assert call.path == "v1/a?q=budi"
    assert curl_parts(call)[0] == [KEY, ("X-Wilayah", "7472"), ("X-Tahun", "2024")]


# Request bodies

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def _openapi3(content):
    return {"openapi": "3.0.3", "paths": {"/v1/a": {"post": {"requestBody": {"content": content}}}}}


def test_a_form_body_from_the_media_type_example():
    spec = _openapi3({FORM: {"schema": {"type": "object"},
                             "example": {"nik": "7472", "nama": "Budi Santoso", "aktif": True, "data[kota]": "a&b"}}})

    call = _call(spec, "POST", "/v1/a")

    fields = [("nik", "7472"), ("nama", "Budi Santoso"), ("aktif", "true"), ("data[kota]", "a&b")]
    assert (call.body.media_type, call.body.kind, call.body.fields) == (FORM, "form", fields)
    headers, data, _url = curl_parts(call)
    assert headers == [KEY, ("Content-Type", FORM)]
    # curl encodes each value; the name goes encoded already.
    assert data == [("--data-urlencode", "nik=7472"), ("--data-urlencode", "nama=Budi Santoso"),
                    ("--data-urlencode", "aktif=true"), ("--data-urlencode", "data%5Bkota%5D=a&b")]
    arguments = python_arguments(call)
    assert arguments["data"] == dict(fields)
    assert arguments["headers"]["Content-Type"] == FORM
    assert f"  body: new URLSearchParams({json.dumps(dict(fields))})," in call.javascript
    assert parse_qsl(console_data(_version(spec), [call])["calls"][0]["body"]) == fields


def test_a_multipart_body_from_the_properties_with_a_placeholder_file():
    spec = _openapi3({MULTIPART: {"schema": {
        "type": "object", "required": ["nomor", "berkas"],
        "properties": {
            "keterangan": {"type": "string", "example": "Surat pengantar"},
            "berkas": {"type": "string", "format": "binary"},
            "opsional": {"type": "string"},
            "nomor": {"type": "integer"},
            "foto": {"$ref": "#/components/schemas/Foto"},
        },
    }}})
    spec["components"] = {"schemas": {"Foto": {"type": "string", "contentMediaType": "image/png"}}}

    call = _call(spec, "POST", "/v1/a")

    assert (call.body.kind, call.body.fields, call.body.files) == (
        "multipart", [("keterangan", "Surat pengantar"), ("nomor", "<nomor>")], ["berkas", "foto"])
    headers, data, _url = curl_parts(call)
    assert headers == [KEY]  # curl writes the multipart Content-Type itself, with its boundary
    assert data == [("--form-string", "keterangan=Surat pengantar"), ("--form-string", "nomor=<nomor>"),
                    ("-F", "berkas=@berkas.pdf"), ("-F", "foto=@berkas.pdf")]
    arguments = python_arguments(call)
    assert arguments["files"] == {"keterangan": (None, "Surat pengantar"), "nomor": (None, "<nomor>"),
                                  "berkas": ("open", "berkas.pdf", "rb"), "foto": ("open", "berkas.pdf", "rb")}
    assert "Content-Type" not in arguments["headers"]
    assert call.javascript.startswith('const form = new FormData();\nform.append("keterangan", "Surat pengantar");\n'
                                      'form.append("nomor", "<nomor>");\n'
                                      'form.append("berkas", new Blob(["<ISI_BERKAS>"]), "berkas.pdf");\n')
    assert "  body: form," in call.javascript and "Content-Type" not in call.javascript
    console = console_data(_version(spec), [call])["calls"][0]
    assert (console["kind"], console["body"], console["files"]) == (
        "multipart", "keterangan=Surat+pengantar&nomor=%3Cnomor%3E", ["berkas", "foto"])


@pytest.mark.parametrize("media_type, example", [
    ("text/plain", "baris satu\nbaris dua"),
    ("application/xml", '<?xml version="1.0"?><penduduk nik="7472"/>'),
    ("text/csv; charset=utf-8", "nik,nama\n7472,Budi"),
])
def test_a_text_body_is_sent_as_written_with_its_type(media_type, example):
    call = _call(_openapi3({media_type: {"schema": {"type": "string", "example": example}}}), "POST", "/v1/a")

    assert (call.body.kind, call.body.value) == ("text", example)
    headers, data, _url = curl_parts(call)
    assert headers == [KEY, ("Content-Type", media_type)]
    assert data == [("--data-raw", example)]
    arguments = python_arguments(call)
    assert arguments["data"] == example.encode()
    assert arguments["headers"]["Content-Type"] == media_type
    assert f"  body: {json.dumps(example)}," in call.javascript


@pytest.mark.parametrize("content, chosen", [
    ({"application/xml": {"example": "<a/>"}, "application/json": {"example": {"a": 1}}}, "application/json"),
    ({"application/merge-patch+json": {"example": {"a": None}}, FORM: {"example": {"a": "1"}}},
     "application/merge-patch+json"),
    ({"text/plain": {"example": "a"}, FORM: {"example": {"a": "1"}}}, "text/plain"),
    # No Content-Type can say a wildcard, nor a line break.
    ({"*/*": {"example": {"a": 1}}, "text/*": {"example": "a"}, "text/plain\r\nX-A: 1": {"example": "a"}}, None),
])
def test_json_is_preferred_then_the_first_type_listed(content, chosen):
    call = _call(_openapi3(content), "POST", "/v1/a")
    assert (call.body.media_type if call.body else None) == chosen


def test_swagger2_body_and_form_parameters_follow_consumes():
    schema = {"type": "object", "example": {"nik": "7472"}}
    paths = {
        "/v1/json": {"post": {"consumes": ["application/xml", "application/json"],
                              "parameters": [{"name": "b", "in": "body", "schema": schema}]}},
        "/v1/text": {"put": {"consumes": ["text/plain"], "parameters": [
            {"name": "b", "in": "body", "schema": {"type": "string", "example": "halo"}}]}},
        "/v1/form": {"post": {"parameters": [
            {"name": "nik", "in": "formData", "type": "string", "x-example": "7472"},
            {"name": "halaman", "in": "formData", "type": "integer", "default": 1},
            {"name": "wajib", "in": "formData", "type": "string", "required": True},
            {"name": "opsional", "in": "formData", "type": "string"}]}},
        "/v1/upload": {"post": {"consumes": [FORM, MULTIPART], "parameters": [
            {"name": "nik", "in": "formData", "type": "string", "x-example": "7472"},
            {"name": "berkas", "in": "formData", "type": "file", "required": True}]}},
        "/v1/either": {"patch": {"consumes": [MULTIPART, FORM], "parameters": [
            {"name": "nik", "in": "formData", "type": "string", "x-example": "7472"}]}},
    }
    spec = {"swagger": "2.0", "consumes": [FORM], "paths": paths}
    operations = [ApiOperation(method=method.upper(), path=path) for path, item in paths.items() for method in item]

    calls = {call.operation.path: call.body for call in example_calls(_version(spec), operations)}

    assert (calls["/v1/json"].media_type, calls["/v1/json"].value) == ("application/json", {"nik": "7472"})
    assert (calls["/v1/text"].kind, calls["/v1/text"].value) == ("text", "halo")
    assert (calls["/v1/form"].media_type, calls["/v1/form"].fields) == (
        FORM, [("nik", "7472"), ("halaman", "1"), ("wajib", "<wajib>")])
    # A file goes only in multipart, whatever consumes lists first.
    assert (calls["/v1/upload"].media_type, calls["/v1/upload"].fields, calls["/v1/upload"].files) == (
        MULTIPART, [("nik", "7472")], ["berkas"])
    assert calls["/v1/either"].media_type == MULTIPART


def test_a_json_body_is_composed_from_its_properties_examples_when_it_has_none_of_its_own():
    spec = _openapi3({"application/json": {"schema": {"$ref": "#/components/schemas/Permohonan"}}})
    spec["components"] = {"schemas": {
        "Permohonan": {"allOf": [{"$ref": "#/components/schemas/Orang"}, {"type": "object", "properties": {
            "anggota": {"type": "array", "items": {"$ref": "#/components/schemas/Orang"}},
            "alamat": {"type": "object", "properties": {"kelurahan": {"type": "string", "enum": ["Wolio"]}}},
            "catatan": {"type": "string"},  # no example: left out
        }}]},
        "Orang": {"type": "object", "properties": {"nik": {"type": "string", "example": "7472"},
                                                   "umur": {"type": "integer", "default": 30}}},
    }}
    call = _call(spec, "POST", "/v1/a")
    assert call.body.value == {"nik": "7472", "umur": 30, "anggota": [{"nik": "7472", "umur": 30}],
                               "alamat": {"kelurahan": "Wolio"}}
    assert json.loads(dict(curl_parts(call)[1])["--data-raw"]) == call.body.value


def test_no_body_for_a_get_nor_without_an_example():
    spec = {"openapi": "3.0.3", "paths": {"/v1/a": {
        "get": {"requestBody": {"content": {"application/json": {"example": {"a": 1}}}}},
        "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}},
                                             MULTIPART: {"schema": {"type": "object"}}}}},
    }}}
    calls = example_calls(_version(spec), [ApiOperation(method="GET", path="/v1/a"),
                                           ApiOperation(method="POST", path="/v1/a")])
    assert [call.body for call in calls] == [None, None]
    assert all("--data" not in call.curl and "body:" not in call.javascript for call in calls)


# Hostile values


def test_hostile_values_reach_each_language_exactly():
    """Whatever the publisher writes comes back, byte for byte, from the shell's words, Python's literals and
    JavaScript's JSON: none of it is code in the snippet."""
    spec = {"openapi": "3.0.3", "paths": {
        "/v1/form": {"post": {
            "parameters": [{"name": "X-Catatan", "in": "header", "example": HOSTILE},
                           {"name": "q", "in": "query", "example": HOSTILE_LINES}],
            "requestBody": {"content": {FORM: {"example": {"nama": HOSTILE_LINES, HOSTILE: "x"}}}}}},
        "/v1/multipart": {"post": {"requestBody": {"content": {MULTIPART: {"example": {"nama": HOSTILE_LINES}}}}}},
        "/v1/text": {"post": {"requestBody": {"content": {"text/plain": {"example": HOSTILE_LINES}}}}},
        "/v1/json": {"post": {"requestBody": {"content": {"application/json": {"example": {HOSTILE: HOSTILE_LINES}}}}}},
    }}
    paths = ["/v1/form", "/v1/multipart", "/v1/text", "/v1/json"]
    form, multipart, text, body = example_calls(_version(spec), [ApiOperation(method="POST", path=p) for p in paths])

    headers, data, url = curl_parts(form)
    assert headers[1] == ("X-Catatan", HOSTILE)
    assert parse_qsl(url.split("?", 1)[1]) == [("q", HOSTILE_LINES)]
    assert data == [("--data-urlencode", "nama=" + HOSTILE_LINES), ("--data-urlencode", quote(HOSTILE, safe="") + "=x")]
    assert curl_parts(multipart)[1] == [("--form-string", "nama=" + HOSTILE_LINES)]
    assert curl_parts(text)[1] == [("--data-raw", HOSTILE_LINES)]
    assert json.loads(curl_parts(body)[1][0][1]) == {HOSTILE: HOSTILE_LINES}

    assert python_arguments(form)["headers"]["X-Catatan"] == HOSTILE
    assert python_arguments(form)["data"] == {"nama": HOSTILE_LINES, HOSTILE: "x"}
    assert python_arguments(multipart)["files"] == {"nama": (None, HOSTILE_LINES)}
    assert python_arguments(text)["data"] == HOSTILE_LINES.encode()
    assert python_arguments(body)["json"] == {HOSTILE: HOSTILE_LINES}

    assert f"  body: JSON.stringify({json.dumps({HOSTILE: HOSTILE_LINES}, ensure_ascii=False)})," in body.javascript
    assert f"form.append(\"nama\", {json.dumps(HOSTILE_LINES)});" in multipart.javascript
