"""The Pemda identity for official documents (issue 10): the Kepala Dinas' NIP, the logo, the signature block,
what is missing, and the service that changes it (administrators only, audited, nothing half-saved)."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from directory import pemda as pemda_services
from splp.audit import audit_events_for
from splp.identity import MAX_LOGO_BYTES
from splp.models import Pemda

pytestmark = pytest.mark.django_db


def image_bytes(image_format="PNG", size=(64, 64)):
    out = BytesIO()
    Image.new("RGB", size, (0, 82, 155)).save(out, format=image_format)
    return out.getvalue()


def png(name="logo.png", size=(64, 64)):
    return SimpleUploadedFile(name, image_bytes("PNG", size), content_type="image/png")


@pytest.fixture
def pemda():
    return Pemda.objects.create(name="Kota Baubau", dinas_name="Dinas Komunikasi dan Informatika Kota Baubau",
                                domain="spl.baubaukota.go.id", logo_text="SPLP Baubau")


def stored_files(media_root):
    return sorted(p.name for p in media_root.rglob("*") if p.is_file())


@pytest.mark.parametrize("typed", ["197001011995031001", "19700101 199503 1 001", " 19700101  199503 1 001 "])
def test_the_nip_is_stored_as_18_digits_whatever_the_spaces(admin_user, pemda, typed):
    pemda = pemda_services.pemda_update(actor=admin_user, pemda=pemda, kepala_dinas_nip=typed)

    pemda.refresh_from_db()
    assert pemda.kepala_dinas_nip == "197001011995031001"
    assert pemda.kepala_dinas_nip_display == "19700101 199503 1 001"


@pytest.mark.parametrize("typed", [
    "19700101199503100",  # 17 digits
    "1970010119950310011",  # 19 digits
    "19700101 199503 1 00A",
    "NIP 197001011995031001",
])
def test_a_nip_that_is_not_18_digits_is_refused_in_indonesian(admin_user, pemda, typed):
    with pytest.raises(ValidationError) as refused:
        pemda_services.pemda_update(actor=admin_user, pemda=pemda, kepala_dinas_nip=typed)

    assert refused.value.message_dict["kepala_dinas_nip"] == [
        "NIP harus terdiri atas tepat 18 digit (spasi di antara kelompok angka boleh), mis. 19700101 199503 1 001."
    ]
    pemda.refresh_from_db()
    assert pemda.kepala_dinas_nip == ""
    assert not audit_events_for(pemda).exists()


def test_a_png_or_jpeg_logo_is_stored_under_pemda(admin_user, pemda, _media_root):
    pemda = pemda_services.pemda_update(actor=admin_user, pemda=pemda, logo=png())
    assert pemda.logo.name == "pemda/logo.png"
    assert (_media_root / "pemda" / "logo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    jpeg = SimpleUploadedFile("logo.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    pemda = pemda_services.pemda_update(actor=admin_user, pemda=pemda, logo=jpeg)
    assert pemda.logo.name == "pemda/logo.jpg"


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2 * MAX_LOGO_BYTES),
     "Logo terlalu besar (2,0\xa0MB); maksimum 1,0\xa0MB."),
    (SimpleUploadedFile("logo.gif", image_bytes("GIF")), "Logo harus berupa gambar PNG atau JPEG."),
    (SimpleUploadedFile("logo.png", image_bytes("GIF")), "Logo harus berupa gambar PNG atau JPEG."),
    (SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
     "Logo harus berupa gambar PNG atau JPEG."),
    (SimpleUploadedFile("logo.jpg", image_bytes("PNG")), "Logo harus berupa gambar PNG atau JPEG."),
    (png(size=(4001, 10)), "Logo terlalu besar (4001 × 10 piksel); maksimum 4000 piksel per sisi."),
])
def test_a_logo_too_big_or_of_another_type_is_refused_and_nothing_is_saved(
    admin_user, pemda, _media_root, upload, message
):
    with pytest.raises(ValidationError) as refused:
        pemda_services.pemda_update(actor=admin_user, pemda=pemda, logo=upload, kepala_dinas_name="Drs. La Ode Contoh")

    assert message in refused.value.message_dict["logo"]
    pemda.refresh_from_db()
    assert (pemda.logo.name, pemda.kepala_dinas_name) == ("", "")
    assert stored_files(_media_root) == []
    assert not audit_events_for(pemda).exists()


def test_a_change_is_audited_with_old_and_new_values(admin_user, pemda):
    pemda_services.pemda_update(actor=admin_user, pemda=pemda, kepala_dinas_name="Drs. La Ode Contoh, M.Si.",
                          domain="spl.baubaukota.go.id", logo=png())

    event = audit_events_for(pemda).get()
    assert (event.actor, event.action) == (admin_user, "pemda_update")
    assert event.data == {
        "old": {"kepala_dinas_name": "", "logo": ""},
        "new": {"kepala_dinas_name": "Drs. La Ode Contoh, M.Si.", "logo": "pemda/logo.png"},
    }

    # Saving the same values again changes nothing and writes no second row.
    pemda_services.pemda_update(actor=admin_user, pemda=pemda, kepala_dinas_name="Drs. La Ode Contoh, M.Si.")
    assert audit_events_for(pemda).count() == 1


@pytest.mark.parametrize("actor", ["publisher", "requester", "outsider"])
def test_only_an_administrator_may_change_the_identity(request, pemda, actor):
    with pytest.raises(PermissionDenied, match="Hanya administrator Dinas"):
        pemda_services.pemda_update(actor=request.getfixturevalue(actor), pemda=pemda, domain="evil.example")
    pemda.refresh_from_db()
    assert pemda.domain == "spl.baubaukota.go.id"
    with pytest.raises(PermissionDenied):
        pemda_services.pemda_create(actor=request.getfixturevalue(actor), name="Kota Lain")
    assert Pemda.objects.count() == 1


def test_missing_document_fields_are_named_in_indonesian(admin_user, pemda):
    assert pemda.missing_document_fields() == [
        "jabatan kepala daerah", "nama kepala daerah", "nama Kepala Dinas", "pangkat/golongan Kepala Dinas",
        "NIP Kepala Dinas", "alamat Dinas", "logo", "peraturan tentang SPLP", "tempat penandatanganan",
    ]

    pemda = pemda_services.pemda_update(
        actor=admin_user, pemda=pemda, head_of_region_title="wali_kota", head_of_region_name="H. Muhammad Contoh",
        kepala_dinas_name="Drs. La Ode Contoh, M.Si.", kepala_dinas_rank="Pembina Utama Muda (IV/c)",
        dinas_address="Jl. Contoh Raya No. 1", document_place="Baubau",
        splp_regulation="Peraturan Wali Kota Baubau Nomor 32 Tahun 2024",
    )
    assert pemda.missing_document_fields() == ["NIP Kepala Dinas", "logo"]

    pemda = pemda_services.pemda_update(actor=admin_user, pemda=pemda, kepala_dinas_nip="197001011995031001",
                                        logo=png())
    assert pemda.missing_document_fields() == []


def test_signature_block_and_addressee(admin_user, pemda):
    pemda = pemda_services.pemda_update(
        actor=admin_user, pemda=pemda, head_of_region_title="wali_kota", kepala_dinas_name="Drs. La Ode Contoh, M.Si.",
        kepala_dinas_rank="Pembina Utama Muda (IV/c)", kepala_dinas_nip="19700101 199503 1 001",
        document_place="Baubau",
    )

    block = pemda.signatory()
    assert (block.place, block.position, block.name, block.rank, block.nip) == (
        "Baubau", "Kepala Dinas Komunikasi dan Informatika Kota Baubau", "Drs. La Ode Contoh, M.Si.",
        "Pembina Utama Muda (IV/c)", "19700101 199503 1 001",
    )
    assert pemda.head_of_region == "Wali Kota Baubau"
    bungo = Pemda(name="Kabupaten Bungo", head_of_region_title="bupati")
    assert bungo.head_of_region == "Bupati Bungo"
    assert Pemda(name="Kota Baubau").head_of_region == ""
