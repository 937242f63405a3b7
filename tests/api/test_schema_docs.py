"""The API documentation a developer reads at /api/docs/: every operation summarised and grouped by area, in
Indonesian, with the way back to the portal and the bus' calling convention and error codes."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from access.gateway import BUS_ERRORS

from .conftest import API

AREA_TAGS = ["Direktori", "Akses", "Pemantauan", "Masuk"]


@pytest.fixture
def schema(anon, db):
    response = anon.get(f"{API}schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_has_a_summary_and_an_area_tag():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [(method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    assert len(operations) > 30
    for method, path, operation in operations:
        assert str(operation.get("summary") or "").strip(), f"{method.upper()} {path} has no summary"
        assert [str(tag) for tag in operation.get("tags", [])] in [[tag] for tag in AREA_TAGS], (method, path)


def test_the_areas_are_described_in_indonesian_in_order(schema):
    assert [tag["name"] for tag in schema["tags"]] == AREA_TAGS
    assert schema["tags"][0]["description"].startswith("Direktori layanan")
    summaries = {op["summary"] for ops in schema["paths"].values() for op in ops.values()}
    assert {"Daftar tema direktori", "Ajukan permohonan akses", "Masuk: dapatkan token API"} <= summaries


def test_the_introduction_links_to_the_portal_and_documents_the_bus(schema, settings):
    description = schema["info"]["description"]
    assert "[Kembali ke portal SPLP](http://testserver/)" in description
    assert schema["externalDocs"]["description"] == "Portal SPLP"
    assert "`http://testserver/gateway/<api>/v<versi>/<path>`" in description
    assert "`Authorization: Bearer <kunci>` atau `X-API-Key: <kunci>`" in description
    for code, (status, _meaning) in BUS_ERRORS.items():
        assert f"- **{status}** `{code}`: " in description
    # The bus' meanings in Indonesian, as the registry's translations give them.
    assert "- **429** `rate_limited`: Batas laju" in description


def test_docstrings_for_developers_do_not_leak_into_the_docs(schema):
    descriptions = [op.get("description", "") for ops in schema["paths"].values() for op in ops.values()]
    assert not any("selectors." in text or "Pasal 7 applications" in text for text in descriptions)
