""""API saya": registering, editing and submitting APIs as a publisher operator."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from directory import services as directory_services
from directory.choices import ApiVersionStatusChoices as V
from directory.models import ApiOperation, ApiService, ApiVersion, ReviewNote
from tests.factories import OrganizationFactory, R, member, openapi_doc, service_fields

from ..conftest import publish_service
from .conftest import client_for

pytestmark = pytest.mark.django_db

PUBLISHER_PAGES = ["/api-saya/", "/api-saya/daftar/", "/permohonan-masuk/"]


def registration(theme, **overrides):
    data = {
        "name": "Data Kartu Keluarga",
        "slug": "data-kk",
        "description": "Layanan data KK",
        "theme": theme.pk,
        "classification": "terbatas",
        "has_personal_data": "on",
        "legal_basis": "UU 24/2013",
        "update_frequency": "harian",
        "contact_name": "Budi",
        "contact_email": "budi@example.test",
        "sla": "99,5% per bulan",
        "data_producer": "Disdukcapil",
        "data_steward": "Diskominfo",
        "version": "1.0.0",
        "upstream_base_url": "https://kk.example.test/api",
    }
    data.update(overrides)
    return data


def spec_upload(doc=None, name="openapi.json"):
    return SimpleUploadedFile(name, json.dumps(doc or openapi_doc()).encode(), content_type="application/json")


@pytest.mark.parametrize("url", PUBLISHER_PAGES)
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assertRedirects(response, f"/masuk/?next={url}", fetch_redirect_response=False)


@pytest.mark.parametrize("url", PUBLISHER_PAGES)
def test_requester_operators_cannot_open_publisher_pages(requester_client, url):
    response = requester_client.get(url)
    assert response.status_code == 403
    assertContains(response, "Akses ditolak", status_code=403)
    assertContains(response, "Halaman ini khusus untuk operator penyedia API.", status_code=403)


def test_my_apis_lists_own_registrations_with_version_statuses(publisher_client, service, outsider, outsider_org,
                                                               admin_user, theme):
    directory_services.api_version_create(
        actor=service.versions.get().created_by, service=service, version="2.0.0",
        upstream_base_url="https://api.example.test/v2", spec=openapi_doc(),
    )
    publish_service(actor=outsider, owner=outsider_org, admin=admin_user, theme=theme, slug="rpjmd",
                    name="Dokumen RPJMD")

    response = publisher_client.get("/api-saya/")

    assertContains(response, "API saya")
    assertContains(response, 'href="/api-saya/kelola/data-penduduk/"')
    assertContains(response, "1.0.0")
    assertContains(response, "2.0.0")
    assertContains(response, '<span class="badge badge-published">', count=1)
    assertContains(response, '<span class="badge badge-draft">', count=1)
    assertNotContains(response, "Dokumen RPJMD")


def test_my_apis_empty(publisher_client):
    assertContains(publisher_client.get("/api-saya/"), "Belum ada registrasi.")


def test_register_form_lists_every_metadata_field(publisher_client, publisher_org, theme):
    response = publisher_client.get("/api-saya/daftar/")

    assertContains(response, "Daftarkan API")
    assertContains(response, 'enctype="multipart/form-data"')
    for name in ("name", "slug", "description", "theme", "classification", "has_personal_data", "legal_basis",
                 "update_frequency", "contact_name", "contact_email", "sla", "data_producer", "data_steward",
                 "version", "upstream_base_url", "spec_file", "spec_text"):
        assertContains(response, f'name="{name}"')
    assertContains(response, f'<option value="{theme.pk}">Kependudukan</option>', html=True)
    # One publishing organisation: it is not offered as a choice.
    assertContains(response, f'<input type="hidden" name="owner" value="{publisher_org.pk}"')


def test_register_with_uploaded_spec_creates_a_draft_with_its_checklist(publisher_client, publisher_org, theme):
    response = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_file": spec_upload()})

    assertRedirects(response, "/api-saya/kelola/data-kk/", fetch_redirect_response=False)
    service = ApiService.objects.get(slug="data-kk")
    assert service.owner == publisher_org
    assert service.has_personal_data is True
    version = service.versions.get()
    assert version.status == V.DRAFT
    assert version.operations.count() == 2

    page = publisher_client.get("/api-saya/kelola/data-kk/")
    assertContains(page, "API terdaftar sebagai draf.")
    assertContains(page, "Uji interoperabilitas")
    assertContains(page, "Semua pemeriksaan wajib lulus.")
    for check in version.interop_report:
        assertContains(page, check["label"])
    assertContains(page, "✓ Lulus", count=len(version.interop_report))
    assertContains(page, "Ajukan pendampingan")


def test_register_with_pasted_yaml(publisher_client, theme):
    yaml_text = (
        "openapi: 3.0.3\ninfo: {title: KK, version: 1.0.0}\npaths:\n  /v1/kk:\n    get:\n      summary: Daftar KK\n"
        "      responses:\n        '200':\n          description: OK\n          content:\n"
        "            application/json:\n              schema: {type: object}\n"
    )
    response = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_text": yaml_text})

    assertRedirects(response, "/api-saya/kelola/data-kk/")
    assert ApiOperation.objects.get(api_version__service__slug="data-kk").summary == "Daftar KK"


def test_register_oversized_upload_is_refused_and_nothing_is_saved(publisher_client, theme, settings):
    settings.SPLP_MAX_SPEC_BYTES = 2048
    content = json.dumps(openapi_doc()).encode()
    big = SimpleUploadedFile("openapi.json", content + b" " * (3 * 1024 - len(content)))

    response = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_file": big})

    assert response.status_code == 200
    assertContains(response, "Berkas terlalu besar: 3 KB; ukuran maksimum 2 KB.")
    assert not ApiService.objects.exists()
    assert not ApiVersion.objects.exists()


def test_register_with_remote_ref_is_refused_and_nothing_is_saved(publisher_client, theme):
    doc = openapi_doc()
    doc["paths"]["/v1/penduduk"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "http://169.254.169.254/latest/meta-data"
    }

    response = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_file": spec_upload(doc)})

    assert response.status_code == 200
    assertContains(response, "http://169.254.169.254/latest/meta-data")
    assertContains(response, 'class="field field-clearablefile has-error"')
    assert not ApiService.objects.exists()


def test_register_with_invalid_document_shows_the_error_on_the_form(publisher_client, theme):
    response = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_text": "{not json: ["})

    assertContains(response, 'class="field field-textarea has-error"')
    assert not ApiService.objects.exists()


def test_register_without_document_asks_for_one(publisher_client, theme):
    response = publisher_client.post("/api-saya/daftar/", registration(theme))

    assertContains(response, "Unggah dokumen OpenAPI atau tempel isinya di bawah.")
    assert not ApiService.objects.exists()


def test_register_duplicate_slug_is_refused(publisher_client, service, theme):
    response = publisher_client.post("/api-saya/daftar/", {
        **registration(theme, slug="data-penduduk"), "spec_file": spec_upload(),
    })

    assert response.status_code == 200
    assertContains(response, 'class="field field-text has-error"')
    assert ApiService.objects.count() == 1


def test_register_ignores_a_posted_owner_when_the_publisher_has_one_organisation(
    publisher_client, publisher_org, outsider_org, theme
):
    publisher_client.post("/api-saya/daftar/", {
        **registration(theme, owner=outsider_org.pk), "spec_file": spec_upload(),
    })

    assert ApiService.objects.get().owner == publisher_org


def test_register_offers_only_the_publishers_own_organisations(publisher, publisher_org, outsider_org, theme):
    second = member_of_second_org(publisher)
    client = client_for(publisher)
    form = client.get("/api-saya/daftar/")
    assertContains(form, f'<option value="{second.pk}">{second.name}</option>', html=True)
    assertNotContains(form, outsider_org.name)

    foreign_owner = {**registration(theme, owner=outsider_org.pk), "spec_file": spec_upload()}
    refused = client.post("/api-saya/daftar/", foreign_owner)
    assertContains(refused, 'class="field field-select has-error"')
    assert not ApiService.objects.exists()

    client.post("/api-saya/daftar/", {**registration(theme, owner=second.pk), "spec_file": spec_upload()})
    assert ApiService.objects.get().owner == second


def member_of_second_org(user):
    organization = OrganizationFactory(name="RSUD Palagimata", code="rsud")
    member(user, organization, R.PUBLISHER)
    return organization


def test_html_in_the_name_is_escaped(publisher_client, theme):
    name = '<script>alert("x")</script><b>KK</b>'
    publisher_client.post("/api-saya/daftar/", {**registration(theme, name=name), "spec_file": spec_upload()})
    assert ApiService.objects.get(slug="data-kk").name == name

    for url in ("/api-saya/", "/api-saya/kelola/data-kk/"):
        response = publisher_client.get(url)
        assertNotContains(response, "<script>alert")
        assertNotContains(response, "<b>KK</b>")
        assertContains(response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;KK&lt;/b&gt;")


def test_failing_checks_are_shown_line_by_line(publisher_client, theme):
    doc = openapi_doc()
    del doc["paths"]["/v1/penduduk"]["post"]["summary"]
    publisher_client.post("/api-saya/daftar/", {
        **registration(theme, upstream_base_url="http://kk.example.test/api"), "spec_file": spec_upload(doc),
    })

    page = publisher_client.get("/api-saya/kelola/data-kk/")

    assertContains(page, "Ada pemeriksaan wajib yang belum lulus")
    assertContains(page, "✗ Gagal", count=2)
    assertContains(page, "POST /v1/penduduk")  # the detail of the summary check
    assertContains(page, "http://kk.example.test/api")


def test_outsider_gets_404_for_another_organisations_registration(outsider_client, draft_version):
    base = "/api-saya/kelola/data-penduduk/"
    version = f"{base}versi/{draft_version.pk}/"
    for url in (base, f"{base}metadata/", f"{base}versi-baru/", f"{version}dokumen/"):
        assert outsider_client.get(url).status_code == 404, url
    for url in (f"{version}ajukan/", f"{version}catatan/", f"{version}usangkan/", f"{base}metadata/"):
        assert outsider_client.post(url, {"body": "x", "name": "x"}).status_code == 404, url
    draft_version.refresh_from_db()
    assert draft_version.status == V.DRAFT
    assert not ReviewNote.objects.exists()


def test_version_of_another_registration_is_not_found(publisher_client, draft_version, outsider, outsider_org,
                                                     theme):
    _service, foreign = directory_services.api_service_register(
        actor=outsider, owner=outsider_org, slug="rpjmd", version="1.0.0",
        upstream_base_url="https://rpjmd.example.test", spec=openapi_doc(),
        **service_fields(theme, name="Dokumen RPJMD"),
    )
    url = f"/api-saya/kelola/data-penduduk/versi/{foreign.pk}/ajukan/"
    assert publisher_client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == V.DRAFT


def test_submit_for_review_and_refused_second_submit(publisher_client, draft_version):
    url = f"/api-saya/kelola/data-penduduk/versi/{draft_version.pk}/ajukan/"
    assert publisher_client.get(url).status_code == 405

    response = publisher_client.post(url, follow=True)

    assertContains(response, "Pendampingan telah diajukan.")
    draft_version.refresh_from_db()
    assert draft_version.status == V.SUBMITTED
    assertNotContains(response, f'action="{url}"')

    again = publisher_client.post(url, follow=True)
    assertContains(again, 'class="alert alert-error"')
    draft_version.refresh_from_db()
    assert draft_version.status == V.SUBMITTED


def test_review_notes_thread(publisher_client, draft_version, admin_user):
    directory_services.review_note_add(actor=admin_user, api_version=draft_version, body="Tambahkan contoh respons.")
    url = f"/api-saya/kelola/data-penduduk/versi/{draft_version.pk}/catatan/"

    response = publisher_client.post(url, {"body": "Sudah <b>ditambahkan</b>."}, follow=True)

    assertContains(response, "Catatan telah ditambahkan.")
    assertContains(response, "Tambahkan contoh respons.")
    assertContains(response, "Sudah &lt;b&gt;ditambahkan&lt;/b&gt;.")
    assert list(draft_version.review_notes.values_list("author__username", flat=True)) == ["alice", "bob"]

    empty = publisher_client.post(url, {"body": "  "}, follow=True)
    assertContains(empty, 'class="alert alert-error"')
    assert draft_version.review_notes.count() == 2


def test_edit_metadata(publisher_client, service):
    page = publisher_client.get("/api-saya/kelola/data-penduduk/metadata/")
    assertContains(page, "Ubah metadata")
    assertContains(page, 'value="Data Penduduk"')

    data = registration(service.theme, name="Data Penduduk Terpadu", has_personal_data="")
    response = publisher_client.post("/api-saya/kelola/data-penduduk/metadata/", data)

    assertRedirects(response, "/api-saya/kelola/data-penduduk/")
    service.refresh_from_db()
    assert service.name == "Data Penduduk Terpadu"
    assert service.has_personal_data is False
    assert service.slug == "data-penduduk"  # not editable here


def test_edit_metadata_with_bad_input_saves_nothing(publisher_client, service):
    data = {**registration(service.theme, name="Baru", contact_email="bukan-surel"), "theme": 999999}
    response = publisher_client.post("/api-saya/kelola/data-penduduk/metadata/", data)

    assert response.status_code == 200
    assertContains(response, "has-error", count=2)
    service.refresh_from_db()
    assert service.name == "Data Penduduk"


def test_new_version_keeps_the_old_one(publisher_client, service, published_version):
    response = publisher_client.post("/api-saya/kelola/data-penduduk/versi-baru/", {
        "version": "2.0.0", "upstream_base_url": "https://api.example.test/v2",
        "spec_file": spec_upload(openapi_doc(version="2.0.0")),
    })

    assertRedirects(response, "/api-saya/kelola/data-penduduk/")
    assert service.versions.get(version="2.0.0").status == V.DRAFT
    published_version.refresh_from_db()
    assert published_version.status == V.PUBLISHED

    duplicate = publisher_client.post("/api-saya/kelola/data-penduduk/versi-baru/", {
        "version": "2.0.0", "upstream_base_url": "https://api.example.test/v2", "spec_file": spec_upload(),
    })
    assertContains(duplicate, 'class="field field-text has-error"')
    assert service.versions.count() == 2


def test_edit_draft_spec(publisher_client, draft_version):
    url = f"/api-saya/kelola/data-penduduk/versi/{draft_version.pk}/dokumen/"
    page = publisher_client.get(url)
    assertContains(page, "Ubah versi 1.0.0")
    assertContains(page, "getPenduduk")  # the current document, pre-filled

    paths = {"/v1/kk": openapi_doc()["paths"]["/v1/penduduk"]}
    response = publisher_client.post(url, {
        "upstream_base_url": "https://baru.example.test/v1", "spec_text": json.dumps(openapi_doc(paths=paths)),
    })

    assertRedirects(response, "/api-saya/kelola/data-penduduk/")
    draft_version.refresh_from_db()
    assert draft_version.upstream_base_url == "https://baru.example.test/v1"
    assert list(draft_version.operations.values_list("path", flat=True)) == ["/v1/kk"]


def test_published_version_cannot_be_edited(publisher_client, published_version):
    url = f"/api-saya/kelola/data-penduduk/versi/{published_version.pk}/dokumen/"

    response = publisher_client.get(url, follow=True)

    assertContains(response, "Hanya draf atau versi yang diminta perbaikan yang dapat diubah.")
    response = publisher_client.post(url, {"upstream_base_url": "https://x.example.test", "spec_text": "{}"})
    assert response.status_code == 302
    published_version.refresh_from_db()
    assert published_version.upstream_base_url == "http://127.0.0.1:9/api"


def test_deprecate_then_retire(publisher_client, published_version):
    base = f"/api-saya/kelola/data-penduduk/versi/{published_version.pk}/"
    page = publisher_client.get("/api-saya/kelola/data-penduduk/")
    assertContains(page, "Tandai usang")

    response = publisher_client.post(f"{base}usangkan/", {"reason": "Diganti v2", "sunset_on": "2099-06-30"},
                                     follow=True)
    assertContains(response, "Versi ditandai usang.")
    assertContains(response, "Hentikan")
    published_version.refresh_from_db()
    assert published_version.status == V.DEPRECATED

    publisher_client.post(f"{base}hentikan/", follow=True)
    published_version.refresh_from_db()
    assert published_version.status == V.RETIRED


def test_retiring_a_published_version_is_refused(publisher_client, published_version):
    response = publisher_client.post(
        f"/api-saya/kelola/data-penduduk/versi/{published_version.pk}/hentikan/", follow=True
    )
    assertContains(response, 'class="alert alert-error"')
    published_version.refresh_from_db()
    assert published_version.status == V.PUBLISHED


def test_my_apis_keeps_a_fixed_query_count(publisher, publish, assert_fixed_queries):
    client = client_for(publisher)
    publish("api-0")

    response = assert_fixed_queries(client, "/api-saya/", lambda: [publish(f"api-{i}") for i in range(1, 5)])

    assertContains(response, 'href="/api-saya/kelola/api-', count=10)  # each API's page and its usage


@pytest.fixture
def rejected_version(draft_version, publisher, admin_user):
    directory_services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    return directory_services.api_version_reject(actor=admin_user, api_version=draft_version,
                                                 reason="Duplikat <b>API</b> Data KK.\nGunakan API Disdukcapil.")


def test_a_rejected_version_shows_the_reason_and_the_way_on(publisher_client, rejected_version):
    page = publisher_client.get("/api-saya/kelola/data-penduduk/")

    assertContains(page, '<span class="badge badge-rejected">Ditolak</span>', count=1)
    assertContains(page, "· ditolak ")
    assertContains(page, "<strong>Dinas menolak versi ini.</strong> "
                         "Alasan: Duplikat &lt;b&gt;API&lt;/b&gt; Data KK.<br>Gunakan API Disdukcapil.")
    assertContains(page, "Versi yang ditolak tidak dapat diubah atau diajukan lagi.")
    assertContains(page, '<a href="/api-saya/kelola/data-penduduk/versi-baru/">Daftarkan versi baru</a>')
    # Neither editable, nor resubmittable, nor configurable for the bus.
    base = f"/api-saya/kelola/data-penduduk/versi/{rejected_version.pk}/"
    for url in (f"{base}ajukan/", f"{base}dokumen/", f"{base}upstream/", f"{base}usangkan/"):
        assertNotContains(page, url)
    response = publisher_client.post(f"{base}ajukan/", follow=True)
    assertContains(response, 'Tidak dapat mengajukan pendampingan: status saat ini &quot;Ditolak&quot;.')
    rejected_version.refresh_from_db()
    assert rejected_version.status == V.REJECTED

    assertContains(publisher_client.get("/api-saya/"), '<span class="badge badge-rejected">Ditolak</span>', count=1)


def test_after_a_rejection_a_new_version_is_registered_under_another_number(publisher_client, rejected_version):
    url = "/api-saya/kelola/data-penduduk/versi-baru/"
    same = publisher_client.post(url, {"version": "1.0.0", "upstream_base_url": "https://api.example.test/v1",
                                       "spec_file": spec_upload()})
    assertContains(same, "Versi 1.0.0 API ini ditolak oleh Dinas; daftarkan versi baru dengan nomor versi lain.")

    response = publisher_client.post(url, {"version": "1.1.0", "upstream_base_url": "https://api.example.test/v1",
                                           "spec_file": spec_upload()})
    assertRedirects(response, "/api-saya/kelola/data-penduduk/")
    assert dict(rejected_version.service.versions.values_list("version", "status")) == {
        "1.0.0": V.REJECTED, "1.1.0": V.DRAFT}


def test_outsiders_never_see_a_rejected_registration(outsider_client, client, rejected_version):
    assert outsider_client.get("/api-saya/kelola/data-penduduk/").status_code == 404
    assertNotContains(outsider_client.get("/api-saya/"), "Data Penduduk")
    assert outsider_client.post(f"/api-saya/kelola/data-penduduk/versi/{rejected_version.pk}/catatan/",
                                {"body": "x"}).status_code == 404
    # Never published: not in the directory, for anyone.
    for visitor in (outsider_client, client):
        assert visitor.get("/direktori/api/data-penduduk/").status_code == 404
        assertNotContains(visitor.get("/direktori/cari/", {"q": "Penduduk"}), "Data Penduduk")
    assert rejected_version.review_notes.count() == 1
