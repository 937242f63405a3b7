"""The Monev report as a document the Dinas signs (issue 10): letterhead, cover to the head of region, kata
pengantar and daftar isi, numbered captions, the Kepala Dinas' signature block with the NIP, the DRAF mark
until finalising, no word split in a table cell; the identity frozen at finalising; the DOCX export."""

import io
import re

import docx
import pypdf
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from reportlab.pdfbase.pdfmetrics import stringWidth

from monitoring.monev import services as monev
from monitoring.monev.document import official_document
from monitoring.monev.docx import render_docx
from monitoring.monev.pdf import column_widths, render_pdf, table_flowable
from monitoring.monev.sections import Table
from splp.models import AuditEvent
from splp.workflow import TransitionError

from .test_reports import REPORT_TIME, YEAR, build_world

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def world(admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme,
          pemda_identity):
    """test_reports' world (APIs, connectors, calls, findings) under the Baubau identity, at report time."""
    world = build_world(admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme)
    with time_machine.travel(REPORT_TIME, tick=False):
        yield world


@pytest.fixture
def report(world):
    return monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=YEAR[1])


def pdf_pages(report):
    """Each page's text, lines stripped of the indentation of centred text."""
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(report)))
    return ["\n".join(line.strip() for line in page.extract_text().splitlines()) for page in reader.pages]


def finalise(report, world):
    return monev.monev_report_finalise(actor=world.admin, report=report)


def test_cover_has_the_letterhead_and_is_addressed_to_the_head_of_region(report):
    cover = pdf_pages(report)[0]
    assert "PEMERINTAH KOTA BAUBAU" in cover
    assert "DINAS KOMUNIKASI DAN INFORMATIKA KOTA\nBAUBAU" in cover or \
        "DINAS KOMUNIKASI DAN INFORMATIKA KOTA BAUBAU" in cover
    assert "Jl. Contoh Raya No. 1" in cover and "Laman: spl.baubaukota.go.id" in cover
    assert "Kepada Yth.\nWali Kota Baubau\ndi Baubau" in cover
    assert "Periode 1 Januari 2026 s.d. 31 Desember 2026" in cover


def test_foreword_contents_numbered_captions_and_signature(report):
    pages = pdf_pages(report)
    text = "\n".join(pages)
    foreword = next(page for page in pages if "Kata Pengantar" in page)
    assert "Peraturan Wali Kota Baubau Nomor 32 Tahun 2024" in foreword
    contents = next(page for page in pages if "Daftar Isi" in page)
    assert "3. Inventaris Layanan" in contents and "Penutup" in contents and "12. Lampiran" in contents
    for caption in ("Tabel 2.1 Angka utama", "Tabel 3.1 Daftar API", "Tabel 3.2 API per organisasi",
                    "Gambar 4.1 Panggilan per bulan", "Gambar 4.2 Panggilan per API"):
        assert caption in text
    closing = " ".join(text[text.rindex("Penutup"):].split())  # the lines as read, wrapped or not
    assert "Demikian laporan ini disampaikan kepada Wali Kota Baubau" in closing
    # A draft is dated the day it was generated (10 January 2027).
    assert ("Baubau, 10 Januari 2027 Kepala Dinas Komunikasi dan Informatika Kota Baubau, Drs. La Ode Contoh, "
            "M.Si. Pembina Utama Muda (IV/c) NIP 19700101 199503 1 001") in closing
    assert re.search(r"Halaman \d+", pages[-1])


def test_no_word_is_split_in_the_inventory_table(report):
    text = "\n".join(pdf_pages(report))
    table = text[text.index("Tabel 3.1 Daftar API"):text.index("Tabel 3.2")]
    lines = table.splitlines()
    words = set()
    for api in report.figures["inventory"]["apis"]:
        for value in (api["name"], api["owner"], api["theme"]):
            words.update(value.split())
    words.update(("Klasifikasi", "Interoperabilitas"))
    for word in words:
        assert any(re.search(rf"(^|\s){re.escape(word)}(\s|$)", line) for line in lines), word


def test_column_widths_never_go_below_the_widest_word_and_break_slugs_after_a_hyphen():
    columns = [("API", ["Data Kependudukan", "data-kependudukan"]), ("Klasifikasi", ["Terbatas"]),
               ("Catatan", ["Menunggu pendampingan Dinas " * 6])]
    widths, size = column_widths(columns, 300)
    assert widths[0] >= stringWidth("Kependudukan", "Helvetica", size)
    assert widths[0] < stringWidth("data-kependudukan", "Helvetica", size)  # "data-" may end a line
    assert widths[1] >= stringWidth("Klasifikasi", "Helvetica-Bold", size)
    assert abs(sum(widths) - 300) < 0.01


def test_draft_until_finalised_then_the_frozen_identity(report, world, pemda_identity):
    assert all("DRAF" in page for page in pdf_pages(report))
    draft_logo = official_document(report).letterhead.logo
    assert draft_logo == pemda_identity.logo.open("rb").read()

    report.recommendations = "1. Percepat penyediaan API."
    report.save()
    report = finalise(report, world)
    assert AuditEvent.objects.filter(object_id=str(report.pk), action="finalise").exists()
    final_pages = pdf_pages(report)
    assert not any("DRAF" in page for page in final_pages)

    # The Pemda changes its Kepala Dinas and logo afterwards: the signed report does not.
    pemda_identity.kepala_dinas_name = "Dr. Pengganti, M.T."
    pemda_identity.kepala_dinas_nip = "198001012005011002"
    pemda_identity.dinas_address = "Jl. Baru No. 9"
    pemda_identity.save()
    pemda_identity.logo.save("baru.png", ContentFile(b"not the signed logo"))
    report.refresh_from_db()
    text = "\n".join(pdf_pages(report))
    assert "Drs. La Ode Contoh, M.Si." in text and "NIP 19700101 199503 1 001" in text
    assert "Dr. Pengganti" not in text and "Jl. Baru" not in text
    assert official_document(report).letterhead.logo == draft_logo


def test_finalising_is_refused_without_the_nip(report, world, pemda_identity):
    pemda_identity.kepala_dinas_nip = ""
    pemda_identity.save()
    with pytest.raises(TransitionError, match="NIP Kepala Dinas"):
        finalise(report, world)
    report.refresh_from_db()
    assert report.status == "draft" and "document" not in report.figures and not report.logo


def test_docx_has_the_outline_the_headings_and_the_nip(report):
    document = docx.Document(io.BytesIO(render_docx(report)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == ["1. Pendahuluan", "2. Gambaran Umum", "3. Inventaris Layanan"]
    assert "Penutup" in headings and headings[-1] == "12. Lampiran"
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert "Tabel 3.1 Daftar API" in captions and "Gambar 4.1 Panggilan per bulan" in captions
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Kepada Yth." in body and "Wali Kota Baubau" in body and "Kata Pengantar" in body
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "PEMERINTAH KOTA BAUBAU" in cells and "NIP 19700101 199503 1 001" in cells
    assert "Data Penduduk" in cells  # the inventory table
    assert document.sections[0].header.paragraphs[0].text == "DRAF"
    assert document.inline_shapes  # the logo on the letterhead


def test_docx_of_a_final_report_has_no_draft_mark(report, world):
    report = finalise(report, world)
    document = docx.Document(io.BytesIO(render_docx(report)))
    assert "DRAF" not in document.sections[0].header.paragraphs[0].text


def test_docx_download_for_administrators_only(client, report, world):
    url = reverse("monitoring:report-docx", args=[report.pk])
    assert client.get(url).status_code == 302
    for user in (world.publisher, world.requester, world.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(world.admin)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert "attachment" in response["Content-Disposition"] and ".docx" in response["Content-Disposition"]
    page = client.get(reverse("monitoring:report", args=[report.pk])).content.decode()
    assert url in page and "Unduh DOCX" in page
    assert url in client.get(reverse("admin:monitoring_monevreport_changelist")).content.decode()


def test_admin_finalise_says_what_the_identity_lacks(client, report, world, pemda_identity):
    pemda_identity.kepala_dinas_nip = ""
    pemda_identity.logo = ""
    pemda_identity.save()
    client.force_login(world.admin)
    url = reverse("admin:monitoring_monevreport_workflow", args=[report.pk, "finalise"])
    page = client.post(url, {"apply": "1"}, follow=True).content.decode()
    assert "Laporan belum dapat difinalkan: identitas Pemda belum memuat NIP Kepala Dinas, logo." in page
    report.refresh_from_db()
    assert report.status == "draft"


def test_a_table_too_wide_for_a_portrait_page_gets_a_landscape_page():
    headers = [f"Kolom{n}panjangsekali" for n in range(12)]
    _narrow_table, wide = table_flowable(Table("t", "T", headers[:3], [["a", "b", "c"]]), 480, "Tidak ada.")
    assert not wide
    wide_table, wide = table_flowable(Table("t", "T", headers, [["x"] * 12]), 480, "Tidak ada.")
    assert wide and sum(wide_table._colWidths) > 480


def test_a_draft_renders_before_the_identity_is_complete(report, pemda_identity):
    pemda_identity.delete()  # only the settings' name, Dinas and domain remain
    cover = pdf_pages(report)[0]
    assert "PEMERINTAH" in cover and "Kepada Yth." not in cover
    assert docx.Document(io.BytesIO(render_docx(report))).paragraphs
