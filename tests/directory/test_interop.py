"""The Pasal 6(5) interoperability check and the registration services that store its result."""

import copy
import json
import socket

import pytest
import requests
import yaml
from django.core.exceptions import ValidationError

from directory import interop, services as directory_services
from directory.choices import ApiVersionStatusChoices as S, SpecFormatChoices
from directory.models import ApiOperation, ApiService, ApiVersion
from directory.selectors import published_service_detail, published_services
from splp.models import AuditEvent
from splp.workflow import TransitionError

from ..factories import openapi_doc, service_fields

ALL_CHECKS = {"valid_document", "has_operations", "summaries", "success_schema", "json_media", "versioned",
              "https_upstream"}
HTTPS_UPSTREAM = "https://upstream.example.test/api"
GET_NIK = "/v1/penduduk/{nik}"


def failed_checks(report):
    return {check["code"] for check in report if not check["passed"]}


def register(actor, owner, theme, spec, slug="layanan-uji", upstream=HTTPS_UPSTREAM, version="1.0.0"):
    return directory_services.api_service_register(
        actor=actor, owner=owner, slug=slug, version=version, upstream_base_url=upstream, spec=spec,
        **service_fields(theme),
    )


def swagger2_doc():
    ok = {"description": "OK", "schema": {"type": "object", "properties": {"npsn": {"type": "string"}}}}
    return {
        "swagger": "2.0",
        "info": {"title": "Data Sekolah", "version": "1.0.0"},
        "produces": ["application/json"],
        "paths": {
            "/v1/sekolah": {
                "get": {
                    "summary": "Daftar sekolah",
                    "parameters": [{"name": "jenjang", "in": "query", "type": "string"}],
                    "responses": {"200": ok},
                }
            },
            "/v1/sekolah/{npsn}": {
                # Path-level parameters apply to every operation of the path.
                "parameters": [{"name": "npsn", "in": "path", "required": True, "type": "string"}],
                "get": {"summary": "Rincian sekolah", "responses": {"200": ok}},
            },
        },
    }


def openapi31_doc():
    doc = openapi_doc()
    doc["openapi"] = "3.1.0"
    # A 3.1-only construct: JSON Schema type arrays instead of `nullable`.
    schema = {"type": "object", "properties": {"nik": {"type": "string"}, "nama": {"type": ["string", "null"]}}}
    doc["paths"][GET_NIK]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = schema
    return doc


@pytest.fixture
def validator_calls(monkeypatch):
    """Records every construction of an openapi-spec-validator validator by directory.interop."""
    calls = []
    for name in ("OpenAPIV2SpecValidator", "OpenAPIV30SpecValidator", "OpenAPIV31SpecValidator"):
        real = getattr(interop, name)

        def recording(doc, *args, _real=real, **kwargs):
            calls.append(doc)
            return _real(doc, *args, **kwargs)

        monkeypatch.setattr(interop, name, recording)
    return calls


@pytest.fixture
def network_calls(monkeypatch):
    """Every outgoing connection or name lookup is recorded and fails, whatever library attempts it."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


# --- Documents that pass ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_builder", [openapi_doc, openapi31_doc], ids=["openapi-3.0", "openapi-3.1"])
def test_valid_openapi3_passes_every_check(doc_builder, publisher, publisher_org, theme):
    report = interop.run_interop_check(doc_builder(), HTTPS_UPSTREAM)
    assert {check["code"] for check in report} == ALL_CHECKS
    assert failed_checks(report) == set()

    _service, version = register(publisher, publisher_org, theme, doc_builder())
    assert version.spec_format == SpecFormatChoices.OPENAPI3
    assert version.interop_passed is True
    assert failed_checks(version.interop_report) == set()


def test_swagger2_is_accepted_recorded_as_such_with_its_operations(publisher, publisher_org, theme):
    _service, version = register(publisher, publisher_org, theme, swagger2_doc())

    assert version.spec_format == SpecFormatChoices.SWAGGER2
    assert version.interop_passed is True
    rows = {(op.method, op.path): (op.summary, op.parameters) for op in version.operations.all()}
    assert rows == {
        ("GET", "/v1/sekolah"): ("Daftar sekolah", [{"name": "jenjang", "in": "query", "required": False}]),
        ("GET", "/v1/sekolah/{npsn}"): ("Rincian sekolah", [{"name": "npsn", "in": "path", "required": True}]),
    }


def test_yaml_text_is_accepted(publisher, publisher_org, theme):
    text = yaml.safe_dump(openapi_doc(), sort_keys=False)

    _service, version = register(publisher, publisher_org, theme, text)

    assert version.spec == openapi_doc()
    assert version.interop_passed is True
    assert interop.parse_spec(text.encode("utf-8")) == openapi_doc()


@pytest.mark.parametrize(
    "upstream", [HTTPS_UPSTREAM, "http://127.0.0.1:9/api", "http://localhost/api"], ids=["https", "ip", "name"]
)
def test_https_or_allow_listed_upstream_passes(upstream):
    report = interop.run_interop_check(openapi_doc(), upstream)
    assert failed_checks(report) == set()


def test_allow_list_accepts_networks(settings):
    settings.SPLP_INTERNAL_HOSTS = ["10.20.0.0/16"]
    assert failed_checks(interop.run_interop_check(openapi_doc(), "http://10.20.3.4/api")) == set()
    assert failed_checks(interop.run_interop_check(openapi_doc(), "http://10.21.0.1/api")) == {"https_upstream"}


# --- Each defect fails its own check, and only that one --------------------------------------------------------


def _drop_summary(doc):
    del doc["paths"][GET_NIK]["get"]["summary"]


def _drop_success_schema(doc):
    doc["paths"][GET_NIK]["get"]["responses"]["200"] = {"description": "OK"}


def _xml_media(doc):
    content = doc["paths"][GET_NIK]["get"]["responses"]["200"]["content"]
    content["application/xml"] = content.pop("application/json")


def _no_version(doc):
    doc["info"]["version"] = ""
    doc["paths"] = {path.replace("/v1", ""): item for path, item in doc["paths"].items()}


def _no_operations(doc):
    doc["paths"] = {}


@pytest.mark.parametrize(
    "mutate, upstream, failing, detail",
    [
        (_drop_summary, HTTPS_UPSTREAM, "summaries", f"GET {GET_NIK}"),
        (_drop_success_schema, HTTPS_UPSTREAM, "success_schema", f"GET {GET_NIK}"),
        (_xml_media, HTTPS_UPSTREAM, "json_media", "application/xml"),
        (_no_version, HTTPS_UPSTREAM, "versioned", ""),
        (_no_operations, HTTPS_UPSTREAM, "has_operations", ""),
        (None, "http://upstream.example.test/api", "https_upstream", "http://upstream.example.test/api"),
    ],
    ids=["summary", "success-schema", "json-media", "version", "operations", "http-upstream"],
)
def test_each_defect_fails_only_its_own_check(mutate, upstream, failing, detail, publisher, publisher_org, theme):
    doc = openapi_doc()
    if mutate:
        mutate(doc)

    _service, version = register(publisher, publisher_org, theme, doc, upstream=upstream)

    assert failed_checks(version.interop_report) == {failing}
    check = next(c for c in version.interop_report if c["code"] == failing)
    assert check["blocking"] is True
    assert check["detail"] == detail
    assert version.interop_passed is False


def test_invalid_document_fails_validation_and_cannot_be_published(publisher, publisher_org, theme, admin_user):
    doc = openapi_doc()
    del doc["info"]

    _service, version = register(publisher, publisher_org, theme, doc)
    assert failed_checks(version.interop_report) == {"valid_document"}
    assert "info" in next(c for c in version.interop_report if c["code"] == "valid_document")["detail"]

    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    with pytest.raises(ValidationError) as excinfo:
        directory_services.api_version_publish(actor=admin_user, api_version=version)

    # Refused because of the check, not because of the state.
    assert not isinstance(excinfo.value, TransitionError)
    version.refresh_from_db()
    assert version.status == S.SUBMITTED
    assert version.published_at is None
    assert not published_services().exists()


def test_check_runs_again_on_submit(settings, publisher, publisher_org, theme, admin_user):
    settings.SPLP_INTERNAL_HOSTS = ["10.0.0.0/8"]
    _service, version = register(publisher, publisher_org, theme, openapi_doc(), upstream="http://10.1.2.3/api")
    assert version.interop_passed is True

    # The Dinas removes the network from its allow-list before the publisher submits.
    settings.SPLP_INTERNAL_HOSTS = []
    version = directory_services.api_version_submit_for_review(actor=publisher, api_version=version)

    assert failed_checks(version.interop_report) == {"https_upstream"}
    with pytest.raises(ValidationError):
        directory_services.api_version_publish(actor=admin_user, api_version=version)


def test_passing_version_is_published(published_version):
    assert published_version.status == S.PUBLISHED
    assert list(published_services()) == [published_version.service]


# --- Refused before validation: remote references, size, encoding ----------------------------------------------


@pytest.mark.parametrize(
    "ref",
    ["http://169.254.169.254/latest/meta-data#/x", "https://evil.example.test/schema.json#/Penduduk",
     "other.yaml#/x", "file:///etc/passwd"],
)
def test_remote_ref_refused_before_validation_without_fetching(
    ref, validator_calls, network_calls, publisher, publisher_org, theme
):
    doc = openapi_doc()
    doc["paths"][GET_NIK]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": ref}
    services_before, audits_before = ApiService.objects.count(), AuditEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        interop.parse_spec(json.dumps(doc))
    assert ref in excinfo.value.messages[0]

    with pytest.raises(ValidationError):
        register(publisher, publisher_org, theme, yaml.safe_dump(doc))

    assert validator_calls == []
    assert network_calls == []
    assert (ApiService.objects.count(), AuditEvent.objects.count()) == (services_before, audits_before)


def test_remote_ref_in_a_parsed_dict_is_refused_too(validator_calls, network_calls, publisher, publisher_org, theme):
    """The REST API hands the services a dict: that path must not reach the validator either."""
    doc = openapi_doc()
    doc["paths"][GET_NIK]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "http://169.254.169.254/latest/meta-data#/x"
    }

    with pytest.raises(ValidationError):
        register(publisher, publisher_org, theme, doc)

    assert network_calls == []
    assert validator_calls == []
    assert not ApiService.objects.exists()


def test_network_guard_catches_a_fetch(network_calls):
    """Control for the tests above: the guard sees a real attempt, so their empty lists mean something."""
    with pytest.raises(requests.ConnectionError):
        requests.get("http://evil.example.test/schema.json", timeout=1)
    assert network_calls


def test_local_refs_are_accepted(publisher, publisher_org, theme):
    doc = openapi_doc()
    doc["components"] = {"schemas": {"Penduduk": {"type": "object", "properties": {"nik": {"type": "string"}}}}}
    media = doc["paths"][GET_NIK]["get"]["responses"]["200"]["content"]["application/json"]
    media["schema"] = {"$ref": "#/components/schemas/Penduduk"}

    _service, version = register(publisher, publisher_org, theme, json.dumps(doc))

    assert version.interop_passed is True


def test_oversized_document_refused_with_size_message(settings, publisher, publisher_org, theme):
    settings.SPLP_MAX_SPEC_BYTES = 1024
    doc = openapi_doc()
    doc["info"]["description"] = "x" * 2000
    text = json.dumps(doc)

    for payload in (text, text.encode("utf-8")):
        with pytest.raises(ValidationError) as excinfo:
            interop.parse_spec(payload)
        assert "1 KB" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        register(publisher, publisher_org, theme, text)
    assert not ApiService.objects.exists()

    # The same document under the cap is fine.
    assert interop.parse_spec(json.dumps(openapi_doc()))["info"]["title"] == "Data Penduduk"


def test_non_utf8_bytes_refused(publisher, publisher_org, theme):
    latin1 = json.dumps(openapi_doc(title="Layanan Café"), ensure_ascii=False).encode("latin-1")

    with pytest.raises(ValidationError) as excinfo:
        interop.parse_spec(latin1)
    assert "UTF-8" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        register(publisher, publisher_org, theme, latin1)
    assert not ApiService.objects.exists()


@pytest.mark.parametrize(
    "text", ["openapi: [3.0", "[1, 2, 3]", '{"info": {"title": "x", "version": "1"}, "paths": {}}'],
    ids=["not-yaml", "not-an-object", "no-openapi-field"],
)
def test_unusable_text_refused_and_no_orphan_service(text, publisher, publisher_org, theme):
    audits_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        register(publisher, publisher_org, theme, text)

    assert not ApiService.objects.exists()
    assert not ApiVersion.objects.exists()
    assert AuditEvent.objects.count() == audits_before


# --- What the registration stores -----------------------------------------------------------------------------


def test_operations_are_stored_as_rows(draft_version):
    rows = list(draft_version.operations.order_by("path", "method").values_list(
        "method", "path", "operation_id", "summary", "parameters"
    ))
    assert rows == [
        ("POST", "/v1/penduduk", "", "Cari penduduk", []),
        ("GET", GET_NIK, "getPenduduk", "Ambil data penduduk", [{"name": "nik", "in": "path", "required": True}]),
    ]


def test_new_version_keeps_the_old_version_record(published_version, publisher):
    service = published_version.service
    old_spec = copy.deepcopy(published_version.spec)
    old_operations = set(published_version.operations.values_list("id", "method", "path"))
    new_paths = {"/v2/penduduk/{nik}": copy.deepcopy(openapi_doc()["paths"][GET_NIK])}

    new_version = directory_services.api_version_create(
        actor=publisher, service=service, version="2.0.0", upstream_base_url="https://upstream.example.test/v2",
        spec=openapi_doc(version="2.0.0", paths=new_paths),
    )

    published_version.refresh_from_db()
    assert published_version.status == S.PUBLISHED
    assert published_version.spec == old_spec
    assert published_version.upstream_base_url == "http://127.0.0.1:9/api"
    assert set(published_version.operations.values_list("id", "method", "path")) == old_operations
    assert new_version.status == S.DRAFT
    assert list(new_version.operations.values_list("method", "path")) == [("GET", "/v2/penduduk/{nik}")]
    assert set(service.versions.values_list("version", flat=True)) == {"1.0.0", "2.0.0"}
    # The directory keeps showing the published version until the new one is published.
    assert published_service_detail(service.slug, publisher).live_version == published_version


def test_duplicate_version_refused_with_nothing_saved(draft_version, publisher):
    counts_before = (ApiVersion.objects.count(), ApiOperation.objects.count(), AuditEvent.objects.count())

    with pytest.raises(ValidationError) as excinfo:
        directory_services.api_version_create(
            actor=publisher, service=draft_version.service, version="1.0.0", upstream_base_url=HTTPS_UPSTREAM,
            spec=openapi_doc(),
        )

    assert "version" in excinfo.value.message_dict
    assert (ApiVersion.objects.count(), ApiOperation.objects.count(), AuditEvent.objects.count()) == counts_before


def test_duplicate_slug_refused_with_nothing_saved(draft_version, admin_user, outsider_org, theme):
    counts_before = (ApiService.objects.count(), ApiVersion.objects.count(), AuditEvent.objects.count())

    with pytest.raises(ValidationError) as excinfo:
        register(admin_user, outsider_org, theme, openapi_doc(), slug=draft_version.service.slug)

    assert "slug" in excinfo.value.message_dict
    assert (ApiService.objects.count(), ApiVersion.objects.count(), AuditEvent.objects.count()) == counts_before
    assert ApiService.objects.get(slug=draft_version.service.slug).owner == draft_version.service.owner
