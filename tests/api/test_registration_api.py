"""Publishers' registrations over the API: register, edit metadata, versions, submit, review notes."""

import json

import pytest
import yaml
from django.test import override_settings

from directory import services as directory_services
from directory.models import ApiService, ApiVersion, ReviewNote

from ..conftest import api_client_for
from ..factories import OrganizationFactory, R, UserFactory, member, openapi_doc
from .conftest import API, count_queries, error_code

URL = f"{API}api-services/"


def registration(**overrides):
    body = {
        "slug": "jadwal-vaksin",
        "name": "Jadwal Vaksin",
        "description": "Jadwal imunisasi di puskesmas",
        "theme": "kependudukan",
        "classification": "terbuka",
        "has_personal_data": False,
        "legal_basis": "Permenkes 12/2017",
        "update_frequency": "mingguan",
        "contact_name": "Sari",
        "contact_email": "sari@example.test",
        "sla": "99%",
        "data_producer": "Dinkes",
        "data_steward": "Diskominfo",
        "version": "1.0.0",
        "upstream_base_url": "http://127.0.0.1:9/vaksin",
        "spec": openapi_doc(title="Jadwal Vaksin"),
    }
    body.update(overrides)
    return body


def remote_ref_doc():
    doc = openapi_doc()
    doc["paths"]["/v1/penduduk"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "http://169.254.169.254/latest/meta-data"
    }
    return doc


# Authentication and visibility


def test_anonymous_is_401(anon, draft_version):
    for method, url in [("get", URL), ("post", URL), ("get", f"{URL}data-penduduk/"),
                        ("get", f"{URL}data-penduduk/versions/")]:
        response = getattr(anon, method)(url, {}, format="json")
        assert response.status_code == 401
        assert error_code(response) == "not_authenticated"


def test_list_shows_own_registrations_only(as_publisher, as_outsider, as_requester, as_admin, draft_version, publish,
                                           outsider, outsider_org):
    publish("rencana-kerja", actor=outsider, owner=outsider_org)
    assert [s["slug"] for s in as_publisher.get(URL).json()["results"]] == ["data-penduduk"]
    assert [s["slug"] for s in as_outsider.get(URL).json()["results"]] == ["rencana-kerja"]
    assert as_requester.get(URL).json()["results"] == []
    assert {s["slug"] for s in as_admin.get(URL).json()["results"]} == {"data-penduduk", "rencana-kerja"}


def test_retrieve_shows_versions_with_checklist_and_review_thread(as_publisher, draft_version, publisher, admin_user):
    directory_services.review_note_add(actor=publisher, api_version=draft_version, body="Mohon dicek")
    directory_services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    directory_services.api_version_request_changes(actor=admin_user, api_version=draft_version, note="Tambah contoh")
    response = as_publisher.get(f"{URL}data-penduduk/")
    assert response.status_code == 200
    body = response.json()
    assert body["owner"] == {"code": "disdukcapil", "name": "Disdukcapil"}
    assert body["theme"] == {"slug": "kependudukan", "name": "Kependudukan"}
    assert body["legal_basis"] == "UU 24/2013"
    [version] = body["versions"]
    assert version["version"] == "1.0.0"
    assert version["status"] == "changes_requested"
    assert version["interop_passed"] is True
    assert version["upstream_base_url"] == "http://127.0.0.1:9/api"
    assert {c["code"] for c in version["interop_report"]} >= {"valid_document", "https_upstream"}
    assert all(set(c) == {"code", "label", "passed", "blocking", "detail"} for c in version["interop_report"])
    assert [(n["author"], n["body"]) for n in version["review_notes"]] == [
        ("bob", "Mohon dicek"), ("alice", "Tambah contoh"),
    ]


@pytest.mark.parametrize("client_name", ["as_outsider", "as_requester"])
def test_other_organisations_registration_is_404(request, client_name, draft_version):
    client = request.getfixturevalue(client_name)
    for method, url, body in [
        ("get", f"{URL}data-penduduk/", None),
        ("patch", f"{URL}data-penduduk/", {"name": "Diambil alih"}),
        ("get", f"{URL}data-penduduk/versions/", None),
        ("get", f"{URL}data-penduduk/versions/1.0.0/", None),
        ("post", f"{URL}data-penduduk/versions/", {"version": "2.0.0", "upstream_base_url": "http://127.0.0.1:9/x",
                                                   "spec": openapi_doc()}),
        ("put", f"{URL}data-penduduk/versions/1.0.0/", {"upstream_base_url": "http://127.0.0.1:9/x",
                                                        "spec": openapi_doc()}),
        ("post", f"{URL}data-penduduk/versions/1.0.0/submit/", {}),
        ("post", f"{URL}data-penduduk/versions/1.0.0/notes/", {"body": "Halo"}),
    ]:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
        assert error_code(response) == "not_found"
    draft_version.refresh_from_db()
    assert draft_version.status == "draft" and draft_version.service.name == "Data Penduduk"
    assert not ReviewNote.objects.exists() and ApiVersion.objects.count() == 1


def test_list_query_count_is_fixed(publisher, publisher_org, theme, publish):
    client = api_client_for(publisher)
    version = publish("api-0")
    directory_services.review_note_add(actor=publisher, api_version=version, body="catatan")
    one, _ = count_queries(client, URL)
    for n in range(1, 5):
        version = publish(f"api-{n}")
        directory_services.review_note_add(actor=publisher, api_version=version, body="catatan")
    five, body = count_queries(client, URL)
    assert body["count"] == 5
    # two membership look-ups, count, page, versions, review notes, their authors
    assert one == five == 7


# Registering


def test_publisher_registers_for_its_only_organisation(as_publisher, publisher_org, theme):
    response = as_publisher.post(URL, registration(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "jadwal-vaksin" and body["owner"]["code"] == "disdukcapil"
    assert body["url"] == "http://testserver/api/v1/api-services/jadwal-vaksin/"
    [version] = body["versions"]
    assert (version["version"], version["status"], version["spec_format"]) == ("1.0.0", "draft", "openapi3")
    assert version["interop_passed"] is True
    service = ApiService.objects.get(slug="jadwal-vaksin")
    assert service.owner == publisher_org and service.theme == theme
    assert service.versions.get().operations.count() == 2


@pytest.mark.parametrize("as_text", [json.dumps, yaml.safe_dump])
def test_spec_may_be_json_or_yaml_text(as_publisher, theme, as_text):
    response = as_publisher.post(URL, registration(spec=as_text(openapi_doc())), format="json")
    assert response.status_code == 201, response.content
    assert ApiVersion.objects.get(service__slug="jadwal-vaksin").spec == openapi_doc()


def test_failing_interoperability_check_is_stored_with_the_draft(as_publisher, theme):
    response = as_publisher.post(URL, registration(upstream_base_url="http://layanan.example.test/"), format="json")
    assert response.status_code == 201
    [version] = response.json()["versions"]
    assert version["interop_passed"] is False
    [failed] = [c for c in version["interop_report"] if not c["passed"]]
    assert failed["code"] == "https_upstream" and failed["blocking"] is True


def test_explicit_owner_and_several_organisations(theme, publisher_org, outsider_org):
    user = member(UserFactory(username="dewi"), publisher_org, R.PUBLISHER)
    member(user, outsider_org, R.PUBLISHER)
    client = api_client_for(user)
    response = client.post(URL, registration(), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "owner": ["Wajib diisi kecuali Anda bertindak untuk tepat satu perangkat daerah."]
    }
    response = client.post(URL, registration(owner="bappeda"), format="json")
    assert response.status_code == 201
    assert ApiService.objects.get().owner == outsider_org


def test_administrator_must_name_the_owner(as_admin, publisher_org, theme):
    response = as_admin.post(URL, registration(), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["owner"]
    response = as_admin.post(URL, registration(owner="disdukcapil"), format="json")
    assert response.status_code == 201
    assert ApiService.objects.get().owner == publisher_org


def test_requester_cannot_register(as_requester, requester_org, theme):
    response = as_requester.post(URL, registration(), format="json")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert response.json()["error"]["message"] == "Anda bukan operator penyedia API di perangkat daerah mana pun."
    response = as_requester.post(URL, registration(owner="dinkes"), format="json")
    assert response.status_code == 403
    assert not ApiService.objects.exists()


def test_publisher_cannot_register_for_another_organisation(as_publisher, outsider_org, theme):
    response = as_publisher.post(URL, registration(owner="bappeda"), format="json")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert not ApiService.objects.exists()


def test_remote_ref_in_spec_is_refused(as_publisher, theme):
    for spec in (remote_ref_doc(), json.dumps(remote_ref_doc())):
        response = as_publisher.post(URL, registration(spec=spec), format="json")
        assert response.status_code == 400
        assert error_code(response) == "invalid"
        assert "169.254.169.254" in response.json()["error"]["message"]
    assert not ApiService.objects.exists() and not ApiVersion.objects.exists()


@override_settings(SPLP_MAX_SPEC_BYTES=2048)
def test_oversized_spec_is_refused(as_publisher, theme):
    doc = openapi_doc()
    doc["info"]["description"] = "x" * 4096
    response = as_publisher.post(URL, registration(spec=doc), format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert not ApiService.objects.exists()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (42, "Berikan dokumen OpenAPI sebagai objek JSON atau teks JSON/YAML."),
        (["openapi", "3.0.3"], "Berikan dokumen OpenAPI sebagai objek JSON atau teks JSON/YAML."),
    ],
)
def test_spec_of_wrong_type_is_refused(as_publisher, theme, spec, expected):
    response = as_publisher.post(URL, registration(spec=spec), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"spec": [expected]}


@pytest.mark.parametrize("spec", ["{not json: [", "hanya teks", json.dumps({"info": {"title": "tanpa versi"}})])
def test_unparseable_or_non_openapi_text_is_refused(as_publisher, theme, spec):
    response = as_publisher.post(URL, registration(spec=spec), format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert not ApiService.objects.exists()


def test_unknown_theme_is_refused(as_publisher, theme):
    response = as_publisher.post(URL, registration(theme="tidak-ada"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"theme": ['Tema "tidak-ada" tidak dikenal.']}
    assert not ApiService.objects.exists()


def test_unknown_owner_is_refused(as_admin, theme):
    response = as_admin.post(URL, registration(owner="tidak-ada"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"owner": ['Perangkat daerah "tidak-ada" tidak dikenal.']}


def test_duplicate_slug_is_refused(as_publisher, draft_version):
    response = as_publisher.post(URL, registration(slug="data-penduduk"), format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert list(response.json()["error"]["fields"]) == ["slug"]
    assert ApiService.objects.count() == 1


def test_missing_fields_are_listed(as_publisher, theme):
    response = as_publisher.post(URL, {"slug": "kosong"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"name", "description", "theme", "version", "upstream_base_url", "spec", "contact_email"} <= set(fields)
    assert not ApiService.objects.exists()


def test_html_in_text_fields_is_stored_and_returned_as_is(as_publisher, anon, theme, publisher, admin_user):
    html = '<script>alert("x")</script><b onmouseover="x()">tebal</b>'
    response = as_publisher.post(URL, registration(name=f"Vaksin {html}", description=html), format="json")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert ApiService.objects.get().description == html
    assert response.json()["description"] == html
    version = ApiVersion.objects.get()
    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    directory_services.api_version_publish(actor=admin_user, api_version=version)
    public = anon.get(f"{API}services/jadwal-vaksin/")
    assert public["Content-Type"] == "application/json"
    assert public.json()["description"] == html and public.json()["name"] == f"Vaksin {html}"


# Editing metadata


def test_publisher_updates_metadata(as_publisher, draft_version):
    other = OrganizationFactory(code="lain")
    response = as_publisher.patch(
        f"{URL}data-penduduk/",
        {"description": "Baru", "classification": "rahasia", "slug": "diganti", "owner": other.code},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Baru" and response.json()["classification"] == "rahasia"
    service = ApiService.objects.get()
    # Slug and owner are not metadata: they stay.
    assert (service.slug, service.owner.code, service.description) == ("data-penduduk", "disdukcapil", "Baru")


def test_administrator_updates_any_metadata(as_admin, draft_version):
    response = as_admin.patch(f"{URL}data-penduduk/", {"sla": "99,9%"}, format="json")
    assert response.status_code == 200
    assert ApiService.objects.get().sla == "99,9%"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"theme": "tidak-ada"}, "theme"), ({"contact_email": "bukan-surel"}, "contact_email"),
     ({"classification": "sangat-rahasia"}, "classification"), ({"name": ""}, "name")],
)
def test_bad_metadata_is_refused(as_publisher, draft_version, body, field):
    response = as_publisher.patch(f"{URL}data-penduduk/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert ApiService.objects.get().name == "Data Penduduk"


def test_put_and_delete_are_not_offered(as_publisher, draft_version):
    assert as_publisher.put(f"{URL}data-penduduk/", registration(), format="json").status_code == 405
    assert as_publisher.delete(f"{URL}data-penduduk/").status_code == 405


# Versions


def new_version(version="2.0.0", **overrides):
    return {"version": version, "upstream_base_url": "http://127.0.0.1:9/v2", "spec": openapi_doc(version=version),
            **overrides}


def test_publisher_adds_a_version_keeping_the_old_one(as_publisher, service):
    response = as_publisher.post(f"{URL}data-penduduk/versions/", new_version(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["version"] == "2.0.0" and response.json()["status"] == "draft"
    assert list(service.versions.order_by("id").values_list("version", "status")) == [
        ("1.0.0", "published"), ("2.0.0", "draft"),
    ]
    listed = as_publisher.get(f"{URL}data-penduduk/versions/").json()["results"]
    assert [v["version"] for v in listed] == ["2.0.0", "1.0.0"]
    assert as_publisher.get(f"{URL}data-penduduk/versions/2.0.0/").json()["upstream_base_url"] == (
        "http://127.0.0.1:9/v2"
    )


def test_versions_list_query_count_is_fixed(as_publisher, draft_version, publisher):
    url = f"{URL}data-penduduk/versions/"
    directory_services.review_note_add(actor=publisher, api_version=draft_version, body="catatan")
    one, _ = count_queries(as_publisher, url)
    for n in range(2, 6):
        version = directory_services.api_version_create(
            actor=publisher, service=draft_version.service, version=f"{n}.0.0",
            upstream_base_url="http://127.0.0.1:9/api", spec=openapi_doc(version=f"{n}.0.0"),
        )
        directory_services.review_note_add(actor=publisher, api_version=version, body="catatan")
    five, body = count_queries(as_publisher, url)
    assert body["count"] == 5
    # two membership look-ups, the service, count, page, review notes, their authors
    assert one == five == 7


def test_duplicate_version_is_refused(as_publisher, service):
    response = as_publisher.post(f"{URL}data-penduduk/versions/", new_version("1.0.0"), format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert list(response.json()["error"]["fields"]) == ["version"]
    assert service.versions.count() == 1


def test_new_version_with_remote_ref_is_refused(as_publisher, service):
    response = as_publisher.post(f"{URL}data-penduduk/versions/", new_version(spec=remote_ref_doc()), format="json")
    assert response.status_code == 400
    assert service.versions.count() == 1


def test_publisher_replaces_a_draft_spec(as_publisher, draft_version):
    paths = {"/v1/kk": {"get": {"summary": "Kartu keluarga", "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}
    response = as_publisher.put(
        f"{URL}data-penduduk/versions/1.0.0/",
        {"upstream_base_url": "http://127.0.0.1:9/baru", "spec": openapi_doc(paths=paths)}, format="json",
    )
    assert response.status_code == 200, response.content
    draft_version.refresh_from_db()
    assert draft_version.upstream_base_url == "http://127.0.0.1:9/baru"
    assert list(draft_version.operations.values_list("method", "path")) == [("GET", "/v1/kk")]


def test_patch_keeps_what_is_not_given(as_publisher, draft_version):
    response = as_publisher.patch(
        f"{URL}data-penduduk/versions/1.0.0/", {"upstream_base_url": "https://dukcapil.example.test/api"},
        format="json",
    )
    assert response.status_code == 200
    draft_version.refresh_from_db()
    assert draft_version.upstream_base_url == "https://dukcapil.example.test/api"
    assert draft_version.spec == openapi_doc()


def test_put_needs_both_fields(as_publisher, draft_version):
    response = as_publisher.put(f"{URL}data-penduduk/versions/1.0.0/", {"spec": openapi_doc()}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["upstream_base_url"]


def test_published_version_cannot_be_edited(as_publisher, service):
    response = as_publisher.put(
        f"{URL}data-penduduk/versions/1.0.0/",
        {"upstream_base_url": "http://127.0.0.1:9/baru", "spec": openapi_doc()}, format="json",
    )
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    assert service.versions.get().upstream_base_url == "http://127.0.0.1:9/api"


def test_submit_for_review_and_not_twice(as_publisher, draft_version):
    url = f"{URL}data-penduduk/versions/1.0.0/submit/"
    response = as_publisher.post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "submitted" and response.json()["submitted_at"]
    response = as_publisher.post(url)
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"


def test_a_rejected_version_says_why_and_cannot_be_submitted_again(as_publisher, as_outsider, draft_version,
                                                                    publisher, admin_user):
    directory_services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    directory_services.api_version_reject(actor=admin_user, api_version=draft_version, reason="Duplikat")
    url = f"{URL}data-penduduk/versions/1.0.0/"
    body = as_publisher.get(url).json()
    assert (body["status"], body["rejection_reason"]) == ("rejected", "Duplikat") and body["rejected_at"]
    for response in (as_publisher.post(f"{url}submit/"),
                     as_publisher.patch(url, {"upstream_base_url": "http://127.0.0.1:9/baru"}, format="json")):
        assert response.status_code == 409
        assert error_code(response) == "invalid_transition"
    assert as_outsider.get(url).status_code == 404


def test_unknown_version_is_404(as_publisher, draft_version):
    assert as_publisher.get(f"{URL}data-penduduk/versions/9.9.9/").status_code == 404
    assert as_publisher.post(f"{URL}data-penduduk/versions/9.9.9/submit/").status_code == 404


def test_review_notes_thread(as_publisher, as_admin, draft_version):
    url = f"{URL}data-penduduk/versions/1.0.0/notes/"
    response = as_publisher.post(url, {"body": "Sudah kami perbaiki <b>semua</b>"}, format="json")
    assert response.status_code == 201
    assert response.json()["author"] == "bob" and response.json()["body"] == "Sudah kami perbaiki <b>semua</b>"
    assert as_admin.post(url, {"body": "Terima kasih"}, format="json").status_code == 201
    thread = as_publisher.get(f"{URL}data-penduduk/").json()["versions"][0]["review_notes"]
    assert [(n["author"], n["body"]) for n in thread] == [
        ("bob", "Sudah kami perbaiki <b>semua</b>"), ("alice", "Terima kasih"),
    ]


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}])
def test_empty_review_note_is_refused(as_publisher, draft_version, body):
    response = as_publisher.post(f"{URL}data-penduduk/versions/1.0.0/notes/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["body"]
    assert not ReviewNote.objects.exists()
