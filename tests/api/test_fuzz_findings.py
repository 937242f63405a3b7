"""What the schema fuzzer (test_schema_fuzz.py) found, pinned down one by one.

NUL characters answered 500 on PostgreSQL only (it refuses them in text and JSON); on SQLite these tests
pass either way, so they are meant for the PostgreSQL profile (make test-services) as well.
"""

import pytest

from directory.models import ApiVersion

from ..factories import openapi_doc
from .conftest import API, error_code


@pytest.mark.parametrize("path", [
    "services/%00/", "services/%00/openapi/", "api-services/%00/", "api-services/%00/versions/",
    "api-services/data-penduduk/versions/%00/",
])
def test_nul_in_a_path_is_not_found(as_publisher, draft_version, path):
    assert as_publisher.get(f"{API}{path}").status_code == 404


def test_nul_in_a_slug_reference_is_invalid_input(as_requester, published_version):
    response = as_requester.post(f"{API}access-requests/", {"api": "data-\x00"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["api"] == ["Karakter null tidak diizinkan."]


def test_nul_in_a_theme_is_invalid_input(as_publisher, draft_version):
    response = as_publisher.patch(f"{API}api-services/data-penduduk/", {"theme": "\x00"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["theme"] == ["Karakter null tidak diizinkan."]


@pytest.mark.parametrize("spec", [
    openapi_doc(title="Data\x00"),
    {**openapi_doc(), "x-\x00": 1},
    '{"openapi": "3.0.3", "info": {"title": "\\u0000", "version": "1"}, "paths": {}}',
])
def test_nul_in_a_spec_is_refused(as_publisher, draft_version, spec):
    response = as_publisher.put(
        f"{API}api-services/data-penduduk/versions/1.0.0/",
        {"upstream_base_url": "http://127.0.0.1:9/api", "spec": spec}, format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Dokumen OpenAPI berisi karakter NUL yang tidak dapat disimpan."
    assert ApiVersion.objects.get().spec == openapi_doc()


@pytest.mark.parametrize("url", ["access-requests/?api_id=", "access-requests/?requester_id=", "keys/?grant_id="])
@pytest.mark.parametrize("value", [10**30, "1.5", 0])
def test_id_filters_take_ids(as_requester, granted_request, url, value):
    # A decimal too large for the database's integers answered 500.
    response = as_requester.get(f"{API}{url}{value}")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
