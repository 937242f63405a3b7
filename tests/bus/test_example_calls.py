"""The calls the developer panel shows, run as a developer runs them (curl in a shell, the Python snippet, the
JavaScript one in Node) through the real server's bus to a local upstream that echoes what it received: header
parameters and each kind of body arrive as the OpenAPI document's examples say, hostile values included."""

import email.parser
import email.policy
import json
import shutil
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

import pytest

from access.developer import example_calls
from directory import services as directory_services

from ..conftest import allow_media_types
from ..factories import service_fields
from .conftest import grant_with_key
from .test_server import Server

pytestmark = pytest.mark.django_db(transaction=True)  # the server reads what the tests commit

# No line break (a header cannot carry one); the rest written to break out of a shell or a string.
HOSTILE = """'"$(touch pwned) `touch pwned` \\ </script><script>alert(1)</script>"""
# Read from a file if curl took it for an option's "@file"; lines a header injection would need.
HOSTILE_LINES = "@/etc/passwd\n" + HOSTILE + "\r\nX-Injected: 1"
FILE = b"%PDF-1.4 contoh"
OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
OK2 = {"200": {"description": "OK", "schema": {"type": "object"}}}  # Swagger 2
FORM, MULTIPART = "application/x-www-form-urlencoded", "multipart/form-data"


def _post(summary, content, method="post"):
    return {method: {"summary": summary, "responses": OK, "requestBody": {"content": content}}}


OPENAPI3 = {
    "openapi": "3.0.3", "info": {"title": "Contoh", "version": "1.0.0"},
    "paths": {
        "/v1/cari": {"get": {"summary": "Cari", "responses": OK, "parameters": [
            {"name": "q", "in": "query", "schema": {"type": "string"}, "example": HOSTILE_LINES},
            {"name": "X-Catatan", "in": "header", "schema": {"type": "string"}, "example": HOSTILE},
            {"name": "X-Tahun", "in": "header", "schema": {"type": "integer", "default": 2025}},
        ]}},
        "/v1/json": _post("JSON", {"application/xml": {"example": "<a/>"},
                                   "application/json": {"example": {"nama": HOSTILE_LINES, "umur": 40}}}),
        "/v1/form": _post("Form", {FORM: {"example": {"nama": HOSTILE_LINES, "kota": "Baubau"}}}, "put"),
        "/v1/unggah": _post("Multipart", {MULTIPART: {"schema": {"type": "object", "properties": {
            "keterangan": {"type": "string", "example": HOSTILE_LINES},
            "berkas": {"type": "string", "format": "binary"},
        }}}}),
        "/v1/teks": _post("Teks", {"text/plain": {"example": HOSTILE_LINES}}, "patch"),
        "/v1/xml": _post("XML", {"application/xml": {"example": '<penduduk nik="7472">Budi &amp; Ani</penduduk>'}}),
    },
}
SWAGGER2 = {
    "swagger": "2.0", "info": {"title": "Contoh lama", "version": "1.0.0"}, "consumes": ["application/json"],
    "paths": {
        "/v1/json": {"post": {"summary": "Body", "responses": OK2, "parameters": [
            {"name": "data", "in": "body", "schema": {"type": "object", "example": {"nama": HOSTILE_LINES}}}]}},
        "/v1/unggah": {"post": {"summary": "Form", "responses": OK2, "consumes": [FORM, MULTIPART],
                                "parameters": [
            {"name": "X-Catatan", "in": "header", "type": "string", "x-example": HOSTILE},
            {"name": "keterangan", "in": "formData", "type": "string", "x-example": HOSTILE_LINES},
            {"name": "berkas", "in": "formData", "type": "file", "required": True},
        ]}},
    },
}


@pytest.fixture(scope="module")
def server(collected_static, django_db_setup, tmp_path_factory):
    server = Server(collected_static, tmp_path_factory.mktemp("server"))
    yield server
    server.stop()


@pytest.fixture
def calls(server, upstream, settings, requester, requester_org, publisher, publisher_org, admin_user, theme):
    """The example calls of both documents' operations, with a key granted for each, addressed to the server."""
    settings.SITE_URL = f"http://127.0.0.1:{server.port}"
    allow_media_types(admin_user, FORM, MULTIPART, "text/plain", "application/xml")
    calls = {}
    for slug, spec in (("contoh", OPENAPI3), ("contoh-lama", SWAGGER2)):
        _service, version = directory_services.api_service_register(
            actor=publisher, owner=publisher_org, slug=slug, version="1.0.0", spec=spec,
            upstream_base_url=f"http://127.0.0.1:{upstream.server_port}/api", **service_fields(theme, name=slug),
        )
        directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
        directory_services.api_version_publish(actor=admin_user, api_version=version)
        _grant, raw = grant_with_key(requester, requester_org, version, admin_user, publisher)
        for call in example_calls(version, version.operations.all(), key=raw):
            calls[(slug, call.operation.method, call.operation.path)] = call
    return calls


def run(language, call, folder):
    """What the upstream received when the snippet ran as shown, from a folder holding the example file."""
    command = {"curl": ["sh", "-c", call.curl], "python": [sys.executable, "-c", call.python],
               "javascript": ["node", "--input-type=module", "-e", call.javascript]}[language]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    output = done.stdout if language == "curl" else done.stdout.split(" ", 1)[1]  # "<status> <body>"
    echo = json.loads(output)
    assert "error" not in echo, echo  # the bus' own answer, not the upstream's
    echo["headers"] = {name.lower(): value for name, value in echo["headers"].items()}
    return echo


def multipart(echo):
    """{name: (file name, content)} of a multipart body as the upstream received it."""
    head = f"Content-Type: {echo['headers']['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + echo["body"].encode())
    return {part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
            for part in message.iter_parts()}


def lines(text):
    """FormData sends a text field's line breaks as CRLF (the HTML rule), curl and requests as written."""
    return text.replace("\r\n", "\n")


@pytest.mark.parametrize("language", ["curl", "python", "javascript"])
def test_the_shown_calls_reach_the_upstream_with_their_examples(calls, language, tmp_path):
    if not shutil.which({"curl": "curl", "python": sys.executable, "javascript": "node"}[language]):
        pytest.skip(f"{language} cannot be run on this machine")
    (tmp_path / "berkas.pdf").write_bytes(FILE)

    def sent(slug, method, path):
        echo = run(language, calls[(slug, method, path)], tmp_path)
        assert (echo["method"], urlsplit(echo["path"]).path) == (method, "/api" + path)
        return echo

    echo = sent("contoh", "GET", "/v1/cari")
    assert parse_qsl(urlsplit(echo["path"]).query) == [("q", HOSTILE_LINES)]
    assert (echo["headers"]["x-catatan"], echo["headers"]["x-tahun"]) == (HOSTILE, "2025")

    echo = sent("contoh", "POST", "/v1/json")
    assert echo["headers"]["content-type"] == "application/json"
    assert json.loads(echo["body"]) == {"nama": HOSTILE_LINES, "umur": 40}

    echo = sent("contoh", "PUT", "/v1/form")
    assert echo["headers"]["content-type"] == FORM
    assert parse_qsl(echo["body"]) == [("nama", HOSTILE_LINES), ("kota", "Baubau")]

    echo = sent("contoh", "POST", "/v1/unggah")
    assert echo["headers"]["content-type"].startswith(f"{MULTIPART}; boundary=")
    parts = multipart(echo)
    assert lines(parts["keterangan"][1].decode()) == lines(HOSTILE_LINES)
    file_name, content = parts["berkas"]
    assert file_name == "berkas.pdf"
    assert content == (b"<ISI_BERKAS>" if language == "javascript" else FILE)  # JavaScript: the placeholder

    echo = sent("contoh", "PATCH", "/v1/teks")
    assert (echo["headers"]["content-type"], echo["body"]) == ("text/plain", HOSTILE_LINES)

    echo = sent("contoh", "POST", "/v1/xml")
    assert (echo["headers"]["content-type"], echo["body"]) == (
        "application/xml", '<penduduk nik="7472">Budi &amp; Ani</penduduk>')

    echo = sent("contoh-lama", "POST", "/v1/json")
    assert json.loads(echo["body"]) == {"nama": HOSTILE_LINES}

    echo = sent("contoh-lama", "POST", "/v1/unggah")
    assert echo["headers"]["x-catatan"] == HOSTILE
    parts = multipart(echo)
    assert lines(parts["keterangan"][1].decode()) == lines(HOSTILE_LINES)
    assert parts["berkas"][0] == "berkas.pdf"

    assert not (tmp_path / "pwned").exists()  # nothing of the examples ran in the shell
