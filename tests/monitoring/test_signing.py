"""Signed documents (issue 11, non-repudiation): a finalised Monev report is signed as a PDF signature (PAdES)
with the Dinas' PKCS#12 certificate; the signature verifies, a changed byte does not; the admin shows the
signer, the signing time and whether the stored PDF still verifies; the PDF download serves the signed file."""

import io
import json

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from monitoring import signing
from monitoring.models import MonevReport
from monitoring.monev.pdf import render_pdf

from .test_monev_document import finalise, report, world  # noqa: F401  (fixtures)

DINAS = "Dinas Komunikasi dan Informatika Kota Baubau"
SIGNER = "Organization: Dinas Komunikasi dan Informatika, Common Name: Kepala Dinas Komunikasi dan Informatika"


@pytest.fixture
def certificate(settings, tmp_path):
    path = tmp_path / "dinas.p12"
    path.write_bytes(signing.self_signed_pkcs12("Kepala Dinas Komunikasi dan Informatika",
                                                "Dinas Komunikasi dan Informatika", b"rahasia"))
    settings.SPLP_SIGNING_PKCS12 = str(path)
    settings.SPLP_SIGNING_PASSWORD = "rahasia"
    return signing.credentials()


def changed_byte(pdf, marker):
    at = pdf.index(marker)
    return pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1:]


def test_a_signed_pdf_verifies_and_a_changed_byte_does_not(world, report, certificate):
    signed = signing.sign_pdf(render_pdf(report), reason="Laporan", location="Baubau", creds=certificate)
    result = signing.verify(signed, chain_pem=certificate.chain_pem())
    assert result.valid and result.signer == SIGNER
    assert result.signing_time.isoformat().startswith("2027-01-10T")
    assert not signing.verify(changed_byte(signed, b"/Producer"), chain_pem=certificate.chain_pem()).valid
    # Signed with another certificate (same names, another key): not the Dinas' signature.
    other = signing.self_signed_pkcs12("Kepala Dinas Komunikasi dan Informatika", "Dinas Komunikasi dan Informatika")
    impostor = signing.Credentials(other, None, *signing.pkcs12.load_key_and_certificates(other, None)[1:])
    forged = signing.sign_pdf(render_pdf(report), reason="Laporan", location="Baubau", creds=impostor)
    assert not signing.verify(forged, chain_pem=certificate.chain_pem()).valid


def test_finalising_stores_the_signed_pdf_and_the_download_serves_it(client, world, report, certificate):
    report = finalise(report, world)
    report.refresh_from_db()
    assert report.signed_by_subject == SIGNER and report.signed_at is not None
    stored = report.signed_pdf.read()
    assert signing.verify(stored, chain_pem=report.signing_certificate).valid
    client.force_login(world.admin)
    download = client.get(reverse("monitoring:report-pdf", args=[report.pk]))
    assert download.content == stored
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(download.content)).pages)
    assert "DRAF" not in text


def test_the_admin_shows_the_signer_the_time_and_whether_it_verifies(client, world, report, certificate):
    report = finalise(report, world)
    client.force_login(world.admin)
    url = reverse("admin:monitoring_monevreport_change", args=[report.pk])
    page = client.get(url).content.decode()
    assert f"Sah: PDF tidak berubah sejak ditandatangani oleh {SIGNER} pada 10 Jan 2027 10:00 WIB." in page
    assert "Penanda tangan" in page and "Ditandatangani" in page  # the stored signer and time, read-only

    tampered = changed_byte(report.signed_pdf.read(), b"/Producer")
    report.signed_pdf.save("tampered.pdf", ContentFile(tampered))
    page = client.get(url).content.decode()
    assert "TIDAK SAH" in page


def test_a_report_signed_before_the_certificate_was_renewed_still_verifies(client, world, report, certificate,
                                                                          settings, tmp_path):
    report = finalise(report, world)
    renewed = tmp_path / "renewed.p12"
    renewed.write_bytes(signing.self_signed_pkcs12("Kepala Dinas Komunikasi dan Informatika",
                                                   "Dinas Komunikasi dan Informatika", b"baru"))
    settings.SPLP_SIGNING_PKCS12, settings.SPLP_SIGNING_PASSWORD = str(renewed), "baru"
    client.force_login(world.admin)
    page = client.get(reverse("admin:monitoring_monevreport_change", args=[report.pk])).content.decode()
    assert f"Sah: PDF tidak berubah sejak ditandatangani oleh {SIGNER}" in page and "TIDAK SAH" not in page
    # The renewed certificate's signature on the same PDF is not the one the report was signed with.
    forged = signing.sign_pdf(render_pdf(report), reason="Laporan", location="Baubau", creds=signing.credentials())
    assert not signing.verify(forged, chain_pem=report.signing_certificate).valid


def test_production_without_a_certificate_finalises_unsigned_and_says_so(client, world, report, settings):
    settings.SPLP_SIGNING_PKCS12 = ""
    report = finalise(report, world)
    assert not report.signed_pdf and report.signed_at is None
    client.force_login(world.admin)
    page = client.get(reverse("admin:monitoring_monevreport_change", args=[report.pk])).content.decode()
    assert "Tidak ditandatangani" in page
    assert client.get(reverse("monitoring:report-pdf", args=[report.pk])).content.startswith(b"%PDF")


def test_the_developer_profile_generates_a_self_signed_certificate_once(world, report, settings, tmp_path):
    settings.DEBUG = True
    settings.SPLP_SIGNING_PKCS12 = ""
    settings.VAR_DIR = tmp_path
    first = signing.credentials()
    assert (tmp_path / signing.DEMO_FILE).exists()
    assert first.subject == f"Organization: {DINAS}, Common Name: Kepala {DINAS}"
    assert signing.credentials().certificate == first.certificate


def test_the_final_report_carries_the_log_heads_anchored_in_its_period(world, report, certificate, settings,
                                                                       tmp_path):
    anchors = tmp_path / "log-anchors.jsonl"
    settings.SPLP_LOG_ANCHOR_FILE = str(anchors)
    heads = [{"date": date, "time": f"{date}T00:10:00+07:00", "batch": batch, "hash": f"{batch:x}" * 64,
              "rows": batch * 10} for date, batch in (("2025-12-31", 1), ("2026-06-30", 7), ("2027-01-01", 9))]
    anchors.write_text("".join(json.dumps(head) + "\n" for head in heads))
    report = finalise(report, world)
    assert [a["batch"] for a in MonevReport.objects.get(pk=report.pk).figures["log_anchors"]] == [7]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(report.signed_pdf.read())).pages)
    assert "7777777777777777" in text and "30/06/2026" in text
