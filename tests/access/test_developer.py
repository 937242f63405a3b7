"""Example calls built from a publisher's OpenAPI document: references followed, examples in their forms."""

from access.developer import example_calls
from directory.models import ApiOperation, ApiService, ApiVersion


def _version(spec):
    return ApiVersion(service=ApiService(slug="data-x"), version="1.0", spec=spec)


def test_referenced_parameters_and_named_examples_are_filled(settings):
    settings.SITE_URL = "https://splp.contoh.go.id"
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
    assert call.body == {"aktif": True, "nilai": None}
    assert "    json={'aktif': True, 'nilai': None}," in call.python
    assert "body: JSON.stringify({\"aktif\": true, \"nilai\": null})," in call.javascript
    assert call.curl.startswith("curl -X PUT \\\n  -H 'Authorization: Bearer <KUNCI_API>'")


def test_a_reference_loop_or_a_foreign_reference_gives_no_example(settings):
    settings.SITE_URL = "https://splp.contoh.go.id"
    spec = {
        "paths": {"/v1/a/{id}": {"get": {"parameters": [
            {"$ref": "#/components/parameters/Loop"}, {"$ref": "https://elsewhere.test/p.yaml"}]}}},
        "components": {"parameters": {"Loop": {"$ref": "#/components/parameters/Loop"}}},
    }
    [call] = example_calls(_version(spec), [ApiOperation(method="GET", path="/v1/a/{id}")])
    assert call.path == "v1/a/{id}"
    assert "--globoff" in call.curl
