"""The Pasal 8 activity register: evidence checked by size, extension and content; administrators
only (register and evidence downloads); the yearly and half-yearly status with traffic lights."""

import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from monitoring import activities
from monitoring.models import (
    Activity,
    ActivityEvidence,
    ActivityKindChoices as AK,
    FollowUpStatusChoices as FU,
)
from monitoring.rules import pasal8_status
from splp.audit import audit_events_for
from tests.conftest import sent_away

from ..admin.conftest import admin_url, login, make_staff

JAKARTA = ZoneInfo("Asia/Jakarta")
D = datetime.date


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 8, tzinfo=JAKARTA), tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def pdf_bytes(text="Notulen sosialisasi SPLP"):
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def png_bytes():
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def activity(admin_user, requester_org, publisher_org):
    return activities.activity_record(
        actor=admin_user, kind=AK.SOSIALISASI, date=D(2026, 3, 5), title="Sosialisasi SPLP",
        organizations=[requester_org, publisher_org], participants="25 operator", notes="Materi Perwali 32/2024",
    )


# -- services -------------------------------------------------------------------------------------


def test_administrator_records_an_activity(activity, admin_user, requester_org, publisher_org):
    assert (activity.kind, activity.date, activity.title, activity.created_by) == (
        AK.SOSIALISASI, D(2026, 3, 5), "Sosialisasi SPLP", admin_user
    )
    assert set(activity.organizations.all()) == {requester_org, publisher_org}
    assert audit_events_for(activity).get().action == "record"


def test_only_administrators_record_activities(publisher, requester, outsider, activity):
    for user in (publisher, requester, outsider):
        with pytest.raises(PermissionDenied):
            activities.activity_record(actor=user, kind=AK.PENGAWASAN, date=D(2026, 3, 5), title="x")
        with pytest.raises(PermissionDenied):
            activities.activity_evidence_add(actor=user, activity=activity,
                                             uploaded_file=upload("a.pdf", pdf_bytes()))
    assert Activity.objects.count() == 1 and ActivityEvidence.objects.count() == 0


def test_an_activity_needs_kind_date_and_title(admin_user):
    with pytest.raises(ValidationError) as refused:
        activities.activity_record(actor=admin_user, kind="rapat", date=None, title=" ")
    assert set(refused.value.message_dict) == {"kind", "date", "title"}


def test_a_good_pdf_is_stored_under_a_random_name(activity, admin_user, media):
    content = pdf_bytes()
    evidence = activities.activity_evidence_add(
        actor=admin_user, activity=activity, uploaded_file=upload("Notulen rapat.pdf", content, "text/html"),
    )
    assert (evidence.original_name, evidence.size, evidence.content_type, evidence.uploaded_by) == (
        "Notulen rapat.pdf", len(content), "application/pdf", admin_user
    )
    assert "Notulen" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    [path] = stored_files(media)
    assert path.read_bytes() == content
    assert audit_events_for(activity).filter(action="add_evidence").count() == 1


@pytest.mark.parametrize("name, content", [
    ("foto.png", png_bytes()),
    ("foto.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 100),
    ("daftar-hadir.docx", zip_bytes({"[Content_Types].xml": "<x/>", "word/document.xml": "<w/>"})),
    ("rekap.xlsx", zip_bytes({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<w/>"})),
    ("notulen.odt", zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<o/>"})),
])
def test_other_accepted_types(activity, admin_user, name, content):
    evidence = activities.activity_evidence_add(actor=admin_user, activity=activity,
                                                uploaded_file=upload(name, content))
    assert evidence.size == len(content)


def test_too_large_is_refused_and_nothing_saved(activity, admin_user, settings, media):
    settings.SPLP_MAX_EVIDENCE_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        activities.activity_evidence_add(actor=admin_user, activity=activity,
                                         uploaded_file=upload("besar.pdf", b"%PDF-1.4\n" + b"x" * 1000))
    assert "terlalu besar" in refused.value.message_dict["file"][0]
    assert ActivityEvidence.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize("name, content, words", [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "tidak diterima"),
    ("notulen.pdf", b"MZ\x90\x00" + b"\x00" * 100, "tidak sesuai"),       # an .exe renamed
    ("notulen.pdf", b"<html><script>alert(1)</script>", "tidak sesuai"),
    ("foto.png", pdf_bytes(), "tidak sesuai"),
    ("laporan.docx", zip_bytes({"payload.exe": "MZ"}), "tidak sesuai"),  # a zip, not a document
    ("laporan.odt", zip_bytes({"mimetype": "application/zip", "content.xml": "<o/>"}), "tidak sesuai"),
    ("notulen", pdf_bytes(), "tidak diterima"),
    ("kosong.pdf", b"", "kosong"),
])
def test_wrong_types_are_refused_and_nothing_saved(activity, admin_user, media, name, content, words):
    with pytest.raises(ValidationError) as refused:
        activities.activity_evidence_add(actor=admin_user, activity=activity, uploaded_file=upload(name, content))
    assert words in refused.value.message_dict["file"][0]
    assert ActivityEvidence.objects.count() == 0 and stored_files(media) == []


def test_follow_ups_are_added_and_completed(activity, admin_user, requester_org, publisher):
    follow_up = activities.activity_follow_up_add(
        actor=admin_user, activity=activity, description="Dinkes melengkapi dokumen API",
        organization=requester_org, due_date=D(2026, 4, 1),
    )
    assert follow_up.status == FU.OPEN
    with pytest.raises(PermissionDenied):
        activities.activity_follow_up_complete(actor=publisher, follow_up=follow_up)
    done = activities.activity_follow_up_complete(actor=admin_user, follow_up=follow_up)
    assert (done.status, done.done_at) == (FU.DONE, datetime.datetime(2026, 3, 10, 8, tzinfo=JAKARTA))
    with pytest.raises(ValidationError):
        activities.activity_follow_up_complete(actor=admin_user, follow_up=follow_up)
    with pytest.raises(ValidationError):
        activities.activity_follow_up_add(actor=admin_user, activity=activity, description="  ")
    assert [e.action for e in audit_events_for(activity).order_by("id")] == [
        "record", "add_follow_up", "complete_follow_up"
    ]


# -- admin --------------------------------------------------------------------------------------


def form_data(page):
    """The management forms of every inline on an admin page, as the browser would post them."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
    return data


def test_admin_records_an_activity_with_evidence_and_a_follow_up(admin_user, requester_org, media):
    alice = login(admin_user)
    url = admin_url(Activity, "add")
    page = alice.get(url)
    assert page.status_code == 200
    data = form_data(page)
    data.update({
        "kind": AK.PENGAWASAN, "date": "2026-03-09", "title": "Pengawasan penggunaan API Dinkes",
        "organizations": [requester_org.pk], "participants": "Tim Diskominfo", "notes": "Tidak ada temuan berat",
        "evidence-2-0-file": upload("berita-acara.pdf", pdf_bytes()),
        "follow_ups-0-description": "Rotasi kunci API", "follow_ups-0-organization": requester_org.pk,
        "follow_ups-0-due_date": "2026-03-31",
    })
    response = alice.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    activity = Activity.objects.get()
    assert (activity.kind, activity.created_by, list(activity.organizations.all())) == (
        AK.PENGAWASAN, admin_user, [requester_org]
    )
    assert activity.evidence.get().original_name == "berita-acara.pdf"
    assert activity.follow_ups.get().description == "Rotasi kunci API"
    assert [e.action for e in audit_events_for(activity).order_by("id")] == [
        "record", "add_evidence", "add_follow_up"
    ]
    listing = alice.get(admin_url(Activity))
    assert "Pengawasan penggunaan API Dinkes" in listing.content.decode()
    # This year's Pasal 8 status heads the register.
    assert listing.context["pasal8"]["periods"]["h1"]["categories"]["pengawasan"]["count"] == 1


def test_admin_upload_of_a_fake_pdf_is_refused_with_a_message(admin_user, media):
    alice = login(admin_user)
    url = admin_url(Activity, "add")
    data = form_data(alice.get(url))
    data.update({
        "kind": AK.PELATIHAN, "date": "2026-03-09", "title": "Pelatihan",
        "evidence-2-0-file": upload("materi.pdf", b"MZ\x90\x00 not a pdf"),
    })
    response = alice.post(url, data)
    assert response.status_code == 200
    assert "tidak sesuai" in response.content.decode()
    assert Activity.objects.count() == 0 and stored_files(media) == []


def test_admin_marks_a_follow_up_done_and_corrects_the_activity(activity, admin_user):
    follow_up = activities.activity_follow_up_add(actor=admin_user, activity=activity, description="Kirim materi")
    alice = login(admin_user)
    url = admin_url(Activity, "change", activity.pk)
    data = form_data(alice.get(url))
    data.update({
        "kind": AK.PELATIHAN, "date": "2026-03-06", "title": "Pelatihan SPLP",
        "organizations": [o.pk for o in activity.organizations.all()], "participants": "30", "notes": "",
        "follow_ups-0-id": follow_up.pk, "follow_ups-0-activity": activity.pk, "follow_ups-0-mark_done": "on",
        # A recorded follow-up cannot be rewritten from the form (the field is disabled).
        "follow_ups-0-description": "Diubah diam-diam",
    })
    response = alice.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    follow_up.refresh_from_db()
    activity.refresh_from_db()
    assert (follow_up.status, follow_up.description) == (FU.DONE, "Kirim materi")
    assert (activity.kind, activity.date, activity.title) == (AK.PELATIHAN, D(2026, 3, 6), "Pelatihan SPLP")
    assert [e.action for e in audit_events_for(activity).order_by("id")][-2:] == ["update", "complete_follow_up"]


def test_the_register_is_never_deleted(activity, admin_user):
    alice = login(admin_user)
    assert alice.get(admin_url(Activity, "delete", activity.pk)).status_code == 403


@pytest.fixture
def evidence(activity, admin_user):
    return activities.activity_evidence_add(actor=admin_user, activity=activity,
                                            uploaded_file=upload("notulen.pdf", pdf_bytes()))


def download_url(evidence, activity_id=None):
    return f"{admin_url(Activity)}{activity_id or evidence.activity_id}/evidence/{evidence.pk}/"


def test_administrator_downloads_evidence(evidence, admin_user):
    alice = login(admin_user)
    change = alice.get(admin_url(Activity, "change", evidence.activity_id))
    assert download_url(evidence) in change.content.decode()
    response = alice.get(download_url(evidence))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="notulen.pdf"'
    assert b"".join(response.streaming_content) == evidence.file.open("rb").read()
    assert alice.get(download_url(evidence, activity_id=evidence.activity_id + 1)).status_code == 404


def test_operators_and_outsiders_reach_neither_the_register_nor_the_evidence(
        evidence, publisher, requester, outsider, client):
    # Not staff: the admin sends them to its login page.
    client.force_login(outsider)
    assert client.get(download_url(evidence)).status_code == 302
    assert client.get(admin_url(Activity)).status_code == 302
    for user in (publisher, requester, outsider):
        browser = login(make_staff(user))
        assert sent_away(browser.get(admin_url(Activity)))
        assert sent_away(browser.get(admin_url(Activity, "add")))
        assert sent_away(browser.get(admin_url(Activity, "change", evidence.activity_id)))
        assert sent_away(browser.get(download_url(evidence)))


def test_evidence_is_not_under_a_public_url(evidence, client):
    assert client.get(f"/media/{evidence.file.name}").status_code == 404


# -- Pasal 8 status ------------------------------------------------------------------------------


@pytest.fixture
def register(admin_user):
    def add(kind, day):
        return activities.activity_record(actor=admin_user, kind=kind, date=day, title=f"{kind} {day}")

    return add


def lights(status, period):
    return {name: (c["count"], c["target"], c["light"]) for name, c in status["periods"][period]["categories"].items()}


def test_status_counts_and_lights_during_the_second_half(register, django_assert_num_queries):
    register(AK.SOSIALISASI, D(2026, 2, 10))
    register(AK.PENGAWASAN, D(2026, 3, 5))
    register(AK.PELATIHAN, D(2026, 8, 1))
    register(AK.PENGAWASAN, D(2025, 12, 31))  # another year
    register(AK.MONEV, D(2027, 1, 2))
    with django_assert_num_queries(2):  # the Dinas' targets, then one aggregate
        status = pasal8_status(year=2026, today=D(2026, 9, 1))
    assert status["counts_by_kind"] == {"sosialisasi": 1, "pelatihan": 1, "pengawasan": 1, "monev": 0}
    assert lights(status, "h1") == {"pembinaan": (1, 1, "green"), "pengawasan": (1, 1, "green")}
    assert lights(status, "h2") == {"pembinaan": (1, 1, "green"), "pengawasan": (0, 1, "amber")}
    # Monev entries are counted by kind; Pasal 9 is judged by final reports (test_rules.py).
    assert lights(status, "year") == {"pembinaan": (2, 2, "green"), "pengawasan": (1, 2, "amber")}
    assert (status["periods"]["h1"]["light"], status["periods"]["h2"]["light"], status["light"]) == (
        "green", "amber", "amber"
    )
    assert status["periods"]["h2"]["start"] == D(2026, 7, 1) and status["periods"]["h2"]["end"] == D(2026, 12, 31)

    # Once the year is over, what is missing is red.
    after = pasal8_status(year=2026, today=D(2027, 1, 5))
    assert lights(after, "h2")["pengawasan"] == (0, 1, "red")
    assert lights(after, "year") == {"pembinaan": (2, 2, "green"), "pengawasan": (1, 2, "red")}
    assert after["light"] == "red"


def test_a_year_behind_its_half_year_pace_is_red(register):
    register(AK.SOSIALISASI, D(2026, 5, 10))  # but no pengawasan in the first half
    during_h1 = pasal8_status(year=2026, today=D(2026, 6, 30))
    assert lights(during_h1, "h1")["pengawasan"] == (0, 1, "amber")
    assert lights(during_h1, "year")["pengawasan"] == (0, 2, "amber")
    after_h1 = pasal8_status(year=2026, today=D(2026, 7, 1))
    assert lights(after_h1, "h1")["pengawasan"] == (0, 1, "red")
    assert lights(after_h1, "year")["pengawasan"] == (0, 2, "red")
    assert lights(after_h1, "year")["pembinaan"] == (1, 2, "amber")  # on pace: one per half-year


def test_everything_met_is_green(register):
    for kind, day in ((AK.PELATIHAN, D(2026, 1, 20)), (AK.PENGAWASAN, D(2026, 6, 1)), (AK.SOSIALISASI, D(2026, 7, 2)),
                      (AK.PENGAWASAN, D(2026, 11, 3)), (AK.MONEV, D(2026, 12, 1))):
        register(kind, day)
    status = pasal8_status(year=2026, today=D(2026, 12, 2))
    assert {p: status["periods"][p]["light"] for p in ("h1", "h2", "year")} == {
        "h1": "green", "h2": "green", "year": "green"
    }


def test_a_future_year_is_in_progress(register):
    status = pasal8_status(year=2027)  # today is 10 March 2026
    assert status["as_of"] == D(2026, 3, 10)
    assert {c["light"] for p in status["periods"].values() for c in p["categories"].values()} == {"amber"}


DOCX_PARTS = {"[Content_Types].xml": "<x/>", "word/document.xml": "<w/>"}


def zip_bomb():
    """A docx whose one extra member unpacks to 101 MiB of zeros (about 100 KB compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in DOCX_PARTS.items():
            archive.writestr(name, content)
        with archive.open("word/media/zeros.xml", "w") as member:
            for _ in range(101):
                member.write(bytes(1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, words", [
    ("laporan.docx", zip_bytes({**DOCX_PARTS, "word/payload.exe": "MZ"}), "payload.exe"),
    ("laporan.docx", zip_bytes({**DOCX_PARTS, "word/vbaProject.bin": "VBA"}), "vbaProject.bin"),
    ("laporan.docx", zip_bytes({**DOCX_PARTS, "word/embeddings/run.PS1": "x"}), "run.PS1"),
    ("rekap.xlsx", zip_bytes({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<w/>", "xl/macro.xlsm": "x"}),
     "macro.xlsm"),
    ("notulen.odt", zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<o/>",
                               "Basic/Standard/Module1.xml": "<macro/>"}), "Basic/Standard/Module1.xml"),
    ("laporan.docx", zip_bytes({**DOCX_PARTS, **{f"word/p{i}.xml": "" for i in range(1000)}}), "1002 bagian"),
    ("laporan.docx", zip_bomb(), "101,0\xa0MB dalam 3 bagian"),
    ("laporan.docx", b"PK\x03\x04 but no zip after all", "tidak sesuai"),
])
def test_office_documents_with_programs_macros_or_bombs_are_refused(activity, admin_user, media, name, content,
                                                                     words):
    with pytest.raises(ValidationError) as refused:
        activities.activity_evidence_add(actor=admin_user, activity=activity, uploaded_file=upload(name, content))
    assert words in refused.value.message_dict["file"][0]
    assert ActivityEvidence.objects.count() == 0 and stored_files(media) == []


def test_printer_settings_are_the_binary_part_an_office_document_may_hold(activity, admin_user):
    content = zip_bytes({**DOCX_PARTS, "word/printerSettings/printerSettings1.bin": "\x00"})
    evidence = activities.activity_evidence_add(actor=admin_user, activity=activity,
                                                uploaded_file=upload("laporan.docx", content))
    assert evidence.size == len(content)


def test_admin_upload_of_a_docx_holding_a_program_is_refused_in_indonesian(admin_user, media):
    alice = login(admin_user)
    url = admin_url(Activity, "add")
    data = form_data(alice.get(url))
    data.update({
        "kind": AK.PELATIHAN, "date": "2026-03-09", "title": "Pelatihan",
        "evidence-2-0-file": upload("materi.docx", zip_bytes({**DOCX_PARTS, "word/setup.exe": "MZ"})),
    })
    response = alice.post(url, data)
    assert response.status_code == 200
    assert "berisi program, skrip, atau makro (word/setup.exe)" in response.content.decode()
    assert Activity.objects.count() == 0 and stored_files(media) == []
