"""The Pemda identity in the admin (issue 10): grouped fields, the NIP written the civil-service way, the logo
thumbnail, every change through the audited service, refusals shown on the form, administrators only."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from splp.audit import audit_events_for
from splp.models import Pemda

from .conftest import admin_url, change_url, login, make_staff, sent_away

pytestmark = pytest.mark.django_db


@pytest.fixture
def pemda():
    return Pemda.objects.create(name="Kota Baubau", dinas_name="Dinas Komunikasi dan Informatika Kota Baubau",
                                domain="spl.baubaukota.go.id", logo_text="SPLP Baubau",
                                kepala_dinas_nip="197001011995031001")


def png_upload(name="logo.png"):
    out = BytesIO()
    Image.new("RGB", (32, 32), (0, 82, 155)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def form(client, pemda, **overrides):
    """The change (or, without ``pemda``, add) form as the browser sends it back: its current values and the
    audit inline's management form."""
    page = client.get(change_url(pemda) if pemda else admin_url(Pemda, "add"))
    assert page.status_code == 200
    adminform = page.context["adminform"].form
    data = {name: adminform[name].value() for name in adminform.fields if name != "logo"}
    data = {name: value for name, value in data.items() if value is not None and value is not False}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    data.update(overrides)
    return data


def test_the_page_groups_the_identity_and_writes_the_nip_as_civil_servants_do(alice, pemda):
    page = alice.get(change_url(pemda)).content.decode()

    for legend in ("Identitas", "Kepala daerah", "Kepala Dinas", "Dokumen resmi"):
        assert f">{legend}</h2>" in page
    assert 'value="19700101 199503 1 001"' in page
    assert "Jabatan kepala daerah" in page and "Wali Kota" in page and "Bupati" in page
    assert "Pangkat/golongan Kepala Dinas" in page


def test_an_edit_goes_through_the_service_and_is_audited(alice, admin_user, pemda, _media_root):
    response = alice.post(change_url(pemda), form(
        alice, pemda, head_of_region_title="wali_kota", kepala_dinas_name="Drs. La Ode Contoh, M.Si.",
        kepala_dinas_nip="19750515 200012 1 002", logo=png_upload(),
    ))

    assert response.status_code == 302
    pemda.refresh_from_db()
    assert (pemda.head_of_region_title, pemda.kepala_dinas_name, pemda.kepala_dinas_nip, pemda.logo.name) == (
        "wali_kota", "Drs. La Ode Contoh, M.Si.", "197505152000121002", "pemda/logo.png"
    )
    event = audit_events_for(pemda).get()
    assert (event.actor, event.action) == (admin_user, "pemda_update")
    assert event.data["old"] == {"head_of_region_title": "", "kepala_dinas_name": "", "logo": "",
                                 "kepala_dinas_nip": "197001011995031001"}

    # The thumbnail on the page, served by the admin (MEDIA_ROOT itself is never served).
    page = alice.get(change_url(pemda)).content.decode()
    logo_url = admin_url(Pemda, "logo", pemda.pk)
    assert f'<img src="{logo_url}"' in page
    assert f'<a href="{logo_url}">pemda/logo.png</a>' in page and "/media/" not in page
    logo = alice.get(logo_url)
    assert (logo.status_code, logo["Content-Type"]) == (200, "image/png")
    assert b"".join(logo.streaming_content)[:4] == b"\x89PNG"


def test_an_unchanged_form_writes_no_audit_row(alice, pemda):
    assert alice.post(change_url(pemda), form(alice, pemda)).status_code == 302
    assert not audit_events_for(pemda).exists()


def test_a_wrong_nip_or_logo_is_shown_on_the_form_and_nothing_is_saved(alice, pemda, _media_root):
    gif = BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    response = alice.post(change_url(pemda), form(
        alice, pemda, kepala_dinas_nip="1970010119950310", kepala_dinas_name="Diubah",
        logo=SimpleUploadedFile("logo.gif", gif.getvalue(), content_type="image/gif"),
    ))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "NIP harus terdiri atas tepat 18 digit" in errors["kepala_dinas_nip"][0]
    assert errors["logo"] == ["Logo harus berupa gambar PNG atau JPEG."]
    pemda.refresh_from_db()
    assert (pemda.kepala_dinas_name, pemda.kepala_dinas_nip, pemda.logo.name) == ("", "197001011995031001", "")
    assert not any(p.is_file() for p in _media_root.rglob("*"))
    assert not audit_events_for(pemda).exists()


def test_an_administrator_adds_an_identity_through_the_service(alice, admin_user):
    response = alice.post(admin_url(Pemda, "add"), form(
        alice, None, name="Kabupaten Bungo", dinas_name="Dinas Komunikasi dan Informatika Kabupaten Bungo",
        domain="splp.bungokab.go.id", logo_text="SPLP Bungo", head_of_region_title="bupati",
        kepala_dinas_nip="19750515 200012 1 002",
    ))

    assert response.status_code == 302
    pemda = Pemda.objects.get()
    assert (pemda.head_of_region, pemda.kepala_dinas_nip) == ("Bupati Bungo", "197505152000121002")
    event = audit_events_for(pemda).get()
    assert (event.actor, event.action) == (admin_user, "pemda_create")
    assert event.data["new"]["domain"] == "splp.bungokab.go.id"


def test_no_one_deletes_an_identity(alice, pemda):
    assert alice.get(admin_url(Pemda, "delete", pemda.pk)).status_code == 403


@pytest.mark.parametrize("actor", ["publisher", "requester", "outsider"])
def test_operators_neither_see_nor_change_the_identity_nor_its_logo(request, pemda, actor):
    client = login(make_staff(request.getfixturevalue(actor)))

    assert sent_away(client.get(admin_url(Pemda)))
    assert sent_away(client.get(change_url(pemda)))
    assert sent_away(client.post(change_url(pemda), {"name": "Diubah", "domain": "evil.example"}))
    assert sent_away(client.get(admin_url(Pemda, "logo", pemda.pk)))
    pemda.refresh_from_db()
    assert (pemda.name, pemda.domain) == ("Kota Baubau", "spl.baubaukota.go.id")
    assert not audit_events_for(pemda).exists()
