"""Forms never lose work: a refused submit keeps the uploaded file, summarises the errors at the top in
Indonesian, and explains a broken YAML document by its line."""

import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.asserts import assertContains, assertNotContains

from directory.models import ApiService
from splp import uploads
from tests.factories import R, member

from .conftest import client_for
from .test_publisher_pages import registration, spec_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def kept_token(response):
    match = re.search(r'name="spec_file-kept" value="([^"]+)" checked', response.content.decode())
    assert match, "the form shows no kept file"
    return match.group(1)


def test_a_refused_registration_keeps_the_file_and_the_next_submit_uses_it(publisher_client, theme):
    refused = publisher_client.post("/api-saya/daftar/", {**registration(theme, name=""), "spec_file": spec_upload()})

    assertContains(refused, "Belum tersimpan. Periksa isian berikut:")
    assertContains(refused, '<a href="#id_name">')
    assertContains(refused, "Gunakan berkas yang sudah diunggah: <strong>openapi.json</strong>")
    assert not ApiService.objects.exists()

    # The browser sends no file the second time: only the kept file's token.
    saved = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_file-kept": kept_token(refused)})

    assert saved.status_code == 302
    assert ApiService.objects.get().versions.get().spec["info"]["title"]


def test_a_duplicate_slug_keeps_the_file(publisher_client, service, theme):
    refused = publisher_client.post("/api-saya/daftar/", {
        **registration(theme, slug="data-penduduk"), "spec_file": spec_upload(),
    })

    assertContains(refused, '<a href="#id_slug">')
    kept_token(refused)


def test_unticking_the_kept_file_drops_it(publisher_client, theme):
    refused = publisher_client.post("/api-saya/daftar/", {**registration(theme, name=""), "spec_file": spec_upload()})
    kept_token(refused)

    again = publisher_client.post("/api-saya/daftar/", registration(theme))  # box unticked: no token sent

    assertContains(again, "Unggah dokumen OpenAPI atau tempel isinya di bawah.")
    assertNotContains(again, 'name="spec_file-kept"')


def test_another_users_token_finds_nothing(publisher_client, outsider, outsider_org, theme):
    refused = publisher_client.post("/api-saya/daftar/", {**registration(theme, name=""), "spec_file": spec_upload()})
    member(outsider, outsider_org, R.PUBLISHER)

    response = client_for(outsider).post("/api-saya/daftar/", {
        **registration(theme, owner=outsider_org.pk), "spec_file-kept": kept_token(refused),
    })

    assertContains(response, "Unggah dokumen OpenAPI atau tempel isinya di bawah.")
    assert not ApiService.objects.exists()


def test_a_refused_file_is_not_kept_and_the_form_says_to_choose_it_again(publisher_client, theme):
    broken = SimpleUploadedFile("openapi.yaml", b"openapi: 3.0.0\ninfo:\n  title: Data\n paths: {}\n")

    response = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_file": broken})

    assertContains(response, "Berkas tidak disimpan: pilih berkasnya lagi sebelum mengirim.")
    assertNotContains(response, 'name="spec_file-kept"')


def test_invalid_yaml_is_explained_by_its_line_in_indonesian(publisher_client, theme):
    yaml_text = "openapi: 3.0.0\ninfo:\n  title: Data\n  version: '1'\npaths:\n  /x:\n    get: {responses: {200: ok}\n"

    response = publisher_client.post("/api-saya/daftar/", {**registration(theme), "spec_text": yaml_text})

    content = response.content.decode()
    assert "Dokumen ini bukan JSON maupun YAML yang sah: periksa baris 7" in content
    assert "expected" not in content and "<unicode string>" not in content
    # In the summary at the top as well as next to the field.
    assert content.index("Belum tersimpan") < content.index('id="id_spec_text"')


def test_a_new_version_keeps_its_file_when_the_version_is_missing(publisher_client, service):
    refused = publisher_client.post(f"/api-saya/kelola/{service.slug}/versi-baru/", {
        "version": "", "upstream_base_url": "https://kk.example.test/api", "spec_file": spec_upload(),
    })

    assertContains(refused, '<a href="#id_version">')
    kept_token(refused)


def test_an_expired_file_is_dropped_whoever_holds_the_next_one(tmp_path):
    old = uploads.hold(1, SimpleUploadedFile("lama.yaml", b"openapi: 3.0.3"), max_bytes=1000)
    stale = time.time() - uploads.HOLD_SECONDS - 1
    os.utime(tmp_path / "held-uploads" / "1" / old.token, (stale, stale))
    uploads.hold(2, SimpleUploadedFile("baru.yaml", b"openapi: 3.0.3"), max_bytes=1000)
    assert not (tmp_path / "held-uploads" / "1" / old.token).exists()
    assert uploads.take(1, old.token) is None
