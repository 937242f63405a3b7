"""OpenAPI documents from users go through one bounded parser (splp.parsing): a YAML alias bomb, a
self-referencing alias, absurd nesting or values a database cannot store are refused with a message, and
nothing is saved. Harmless anchors and aliases still work."""

import pytest
from django.core.exceptions import ValidationError

from directory.models import ApiService, ApiVersion
from splp.audit import AuditEvent

from ..api.conftest import API
from ..api.test_registration_api import registration
from ..conftest import api_client_for
from ..portal.test_publisher_pages import registration as portal_registration
from .test_interop import register

HEADER = "openapi: 3.0.0\ninfo: {title: Bom, version: '1'}\npaths: {}\n"


def alias_bomb():
    """Nine levels of ten aliases each: 10^9 copies of a 10-character string, in under 500 bytes."""
    names = "abcdefghij"
    lines = ['a: &a ["xxxxxxxxxx"]']
    for name, previous in zip(names[1:], names, strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    text = HEADER + "\n".join(lines) + "\n"
    assert len(text) < 500
    return text


def test_a_yaml_alias_bomb_is_refused_before_it_expands(publisher, publisher_org, theme):
    audits_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        register(publisher, publisher_org, theme, alias_bomb())
    assert "Alias YAML dokumen ini mengembang melebihi ukuran maksimum (1024 KB)" in refused.value.messages[0]
    assert not ApiService.objects.exists() and not ApiVersion.objects.exists()
    assert AuditEvent.objects.count() == audits_before


def test_a_yaml_alias_bomb_over_the_api_is_400(publisher, theme):
    response = api_client_for(publisher).post(f"{API}api-services/", registration(spec=alias_bomb()), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "Alias YAML" in response.json()["error"]["message"]
    assert not ApiService.objects.exists()


def test_harmless_anchors_and_aliases_are_expanded(publisher, publisher_org, theme):
    # The same response written once and reused by an alias, as hand-written documents do.
    text = (
        "openapi: 3.0.3\ninfo: {title: KK, version: 1.0.0}\npaths:\n"
        "  /v1/kk:\n    get:\n      summary: Daftar KK\n      responses:\n        '200': &ok\n"
        "          description: OK\n          content: {application/json: {schema: {type: object}}}\n"
        "  /v1/kk/{id}:\n    get:\n      summary: Rincian KK\n"
        "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
        "      responses: {'200': *ok}\n"
    )
    _service, version = register(publisher, publisher_org, theme, text)
    paths = version.spec["paths"]
    assert paths["/v1/kk/{id}"]["get"]["responses"]["200"] == paths["/v1/kk"]["get"]["responses"]["200"] == {
        "description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    assert version.interop_passed is True


def test_a_yaml_alias_that_contains_itself_is_refused(publisher, publisher_org, theme):
    with pytest.raises(ValidationError) as refused:
        register(publisher, publisher_org, theme, HEADER + "x-loop: &loop [1, *loop]\n")
    assert "merujuk dirinya sendiri" in refused.value.messages[0]
    assert not ApiService.objects.exists()


@pytest.mark.parametrize("text", [
    HEADER + "x-deep: " + "[" * 100_000,
    HEADER + "x-deep: " + "[" * 65 + "]" * 65,
    HEADER + "x-a: &a " + "[" * 40 + "]" * 40 + "\nx-b: " + "[" * 30 + "*a" + "]" * 30,  # deep through an alias
    '{"openapi": "3.0.0", "x-deep": ' + "[" * 100_000,
    '{"openapi": "3.0.0", "x-deep": ' + "{\"a\": " * 100_000,
], ids=["yaml-100k", "yaml-65", "yaml-alias", "json-arrays-100k", "json-objects-100k"])
def test_deeply_nested_documents_are_refused(publisher, publisher_org, theme, text):
    with pytest.raises(ValidationError) as refused:
        register(publisher, publisher_org, theme, text)
    assert "bersarang terlalu dalam (lebih dari 64 tingkat)" in refused.value.messages[0]
    assert not ApiService.objects.exists()


@pytest.mark.parametrize("text", [
    HEADER + "x-limit: .inf\n",
    HEADER + "x-big: " + "9" * 5000 + "\n",
], ids=["infinity", "5000-digit-integer"])
def test_values_a_database_cannot_store_are_refused(publisher, publisher_org, theme, text):
    with pytest.raises(ValidationError):
        register(publisher, publisher_org, theme, text)
    assert not ApiService.objects.exists()


def test_the_portal_form_refuses_the_bomb_with_a_message(client, publisher, theme):
    client.force_login(publisher)
    response = client.post("/api-saya/daftar/", {**portal_registration(theme), "spec_text": alias_bomb()})
    assert response.status_code == 200
    assert "Alias YAML dokumen ini mengembang melebihi ukuran maksimum" in response.content.decode()
    assert not ApiService.objects.exists()


def test_a_control_character_in_the_document_is_a_400_not_a_500(publisher, theme):
    # PyYAML's reader refuses it while the loader is being made, before any parsing.
    response = api_client_for(publisher).post(f"{API}api-services/", registration(spec="openapi: 3.0.3\n\x04"),
                                              format="json")
    assert response.status_code == 400
    assert "bukan JSON maupun YAML yang sah" in response.json()["error"]["message"]
    assert not ApiService.objects.exists()
