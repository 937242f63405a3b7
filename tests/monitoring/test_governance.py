"""The policy and SOP register (SPBE indicator 7): documents and reviews recorded by administrators only,
with audit rows; the next review one cycle after the last review; PDFs only, size-capped, downloadable by
administrators only; reviews due reminded monthly; the demo's regulation and three SOPs."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from directory.demo import seed_demo
from monitoring import governance
from monitoring.models import (
    PolicyDocument,
    PolicyKindChoices as PK,
    PolicyReview,
    PolicyReviewOutcomeChoices as PR,
)
from monitoring.reminders import reminder_policy_review_send
from splp.audit import audit_events_for
from splp.models import Pemda
from tests.conftest import sent_away

from ..admin.conftest import admin_url, login, make_staff
from .test_activities import JAKARTA, clock, media, stored_files  # noqa: F401  (autouse: the same clock and media root)

D = datetime.date


def pdf(name="sop.pdf", text="SOP registrasi API"):
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def register(actor, owner, **overrides):
    fields = {"kind": PK.SOP, "title": "SOP Registrasi API", "number": "SOP-SPLP/01/2025",
              "issued_on": D(2025, 1, 31), "owner": owner, "uploaded_file": pdf(), "review_cycle_months": 12}
    return governance.document_register(actor=actor, **{**fields, **overrides})


@pytest.fixture
def document(admin_user, dinas):
    return register(admin_user, dinas)


# -- services -------------------------------------------------------------------------------------


def test_administrator_registers_a_document_with_its_next_review(document, admin_user, dinas, media):
    assert (document.kind, document.number, document.owner, document.created_by, document.is_active) == (
        PK.SOP, "SOP-SPLP/01/2025", dinas, admin_user, True
    )
    assert document.next_review_date == D(2026, 1, 31)
    assert document.file_name == "sop.pdf" and "sop" not in document.file.name
    assert len(stored_files(media)) == 1
    event = audit_events_for(document).get()
    assert (event.action, event.actor, event.new_state) == ("policy_register", admin_user, PK.SOP)


def test_next_review_follows_the_cycle_and_the_last_review(document, admin_user, dinas):
    governance.document_update(
        actor=admin_user, document=document, kind=PK.SOP, title="SOP Registrasi API", number="SOP-SPLP/01/2025",
        issued_on=D(2025, 1, 31), owner=dinas, review_cycle_months=13, is_active=True,
        regulates_national_connection=True,
    )
    document.refresh_from_db()
    assert document.regulates_national_connection
    # 31 January + 13 months: February has no 31st, so its last day.
    assert document.next_review_date == D(2026, 2, 28)
    review = governance.review_record(actor=admin_user, document=document, reviewed_on=D(2026, 3, 2),
                                      findings="Masih sesuai.", outcome=PR.VALID, uploaded_file=pdf("ba.pdf"))
    document.refresh_from_db()
    assert document.next_review_date == D(2027, 4, 2)
    assert (review.recorded_by, review.file_name, review.outcome) == (admin_user, "ba.pdf", PR.VALID)
    assert [e.action for e in audit_events_for(document).order_by("id")] == [
        "policy_register", "policy_update", "policy_review"
    ]
    assert audit_events_for(document).order_by("id").last().data["next_review_date"] == ["2026-02-28", "2027-04-02"]


def test_a_replaced_file_is_deleted_once_the_change_commits(document, admin_user, dinas, media,
                                                           django_capture_on_commit_callbacks):
    [old] = stored_files(media)
    with django_capture_on_commit_callbacks(execute=True):
        governance.document_update(
            actor=admin_user, document=document, kind=PK.SOP, title="SOP Registrasi API (revisi)",
            number="SOP-SPLP/01/2025", issued_on=D(2025, 1, 31), owner=dinas, review_cycle_months=12,
            is_active=True, regulates_national_connection=False, uploaded_file=pdf("sop-revisi.pdf", "Revisi"),
        )
    document.refresh_from_db()
    [new] = stored_files(media)
    assert new != old and document.file_name == "sop-revisi.pdf" and document.title.endswith("(revisi)")
    event = audit_events_for(document).order_by("id").last()
    assert (event.action, event.data["before"]["file"], event.data["before"]["title"]) == (
        "policy_update", "sop.pdf", "SOP Registrasi API"
    )


def test_a_replaced_document_leaves_force_and_the_reviews_due(document, admin_user):
    governance.review_record(actor=admin_user, document=document, reviewed_on=D(2026, 3, 1),
                             findings="Diganti SOP baru.", outcome=PR.REPLACED)
    document.refresh_from_db()
    assert document.is_active is False
    assert list(governance.reviews_due(D(2030, 1, 1))) == []


def test_a_review_needs_date_findings_and_outcome_and_cannot_be_in_the_future(document, admin_user):
    with pytest.raises(ValidationError) as refused:
        governance.review_record(actor=admin_user, document=document, reviewed_on=D(2026, 3, 11), findings=" ",
                                 outcome="ok")
    assert set(refused.value.message_dict) == {"reviewed_on", "findings", "outcome"}
    with pytest.raises(ValidationError) as refused:
        governance.review_record(actor=admin_user, document=document, reviewed_on=D(2024, 12, 1), findings="x",
                                 outcome=PR.VALID)
    assert "reviewed_on" in refused.value.message_dict
    assert PolicyReview.objects.count() == 0


def test_only_administrators_change_the_register(document, publisher, requester, outsider, dinas):
    for user in (publisher, requester, outsider):
        with pytest.raises(PermissionDenied):
            register(user, dinas, number="X/1")
        with pytest.raises(PermissionDenied):
            governance.document_update(actor=user, document=document, kind=PK.OTHER, title="x", number="x",
                                       issued_on=D(2025, 1, 1), owner=dinas, review_cycle_months=1, is_active=False,
                                       regulates_national_connection=False)
        with pytest.raises(PermissionDenied):
            governance.review_record(actor=user, document=document, reviewed_on=D(2026, 3, 1), findings="x",
                                     outcome=PR.VALID)
    document.refresh_from_db()
    assert (PolicyDocument.objects.count(), document.kind, PolicyReview.objects.count()) == (1, PK.SOP, 0)
    assert audit_events_for(document).count() == 1


def test_a_file_over_the_limit_is_refused_and_nothing_saved(admin_user, dinas, settings, media):
    settings.SPLP_MAX_EVIDENCE_BYTES = 1000
    big = pdf(text="x" * 50)
    big.size = 1001
    with pytest.raises(ValidationError) as refused:
        register(admin_user, dinas, uploaded_file=big)
    assert "terlalu besar" in refused.value.message_dict["file"][0]
    assert PolicyDocument.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("sop.docx", b"PK\x03\x04 a zip"),  # evidence may be a DOCX; a register document not
    SimpleUploadedFile("sop.pdf", b"MZ\x90\x00 a program"),
])
def test_only_real_pdfs_are_accepted(admin_user, dinas, media, upload, document):
    with pytest.raises(ValidationError) as refused:
        register(admin_user, dinas, number="X/2", uploaded_file=upload)
    assert "file" in refused.value.message_dict
    with pytest.raises(ValidationError):
        governance.review_record(actor=admin_user, document=document, reviewed_on=D(2026, 3, 1), findings="x",
                                 outcome=PR.VALID, uploaded_file=upload)
    assert PolicyDocument.objects.count() == 1 and PolicyReview.objects.count() == 0
    assert len(stored_files(media)) == 1


def test_reviews_due_lists_overdue_and_due_within_30_days(admin_user, dinas):
    overdue = register(admin_user, dinas, number="A", issued_on=D(2025, 2, 1))  # due 2026-02-01
    soon = register(admin_user, dinas, number="B", issued_on=D(2025, 4, 9))  # due 2026-04-09
    register(admin_user, dinas, number="C", issued_on=D(2025, 4, 10))  # due 2026-04-10: 31 days ahead
    assert list(governance.reviews_due(D(2026, 3, 10))) == [overdue, soon]


# -- the reminder ---------------------------------------------------------------------------------


def test_the_monthly_reminder_names_the_reviews_due(admin_user, dinas, pemda_identity):
    assert reminder_policy_review_send(today=D(2026, 3, 10)) == 0
    register(admin_user, dinas, number="SOP-SPLP/01/2025", issued_on=D(2025, 2, 1))
    register(admin_user, dinas, number="SOP-SPLP/02/2025", title="SOP Permohonan Akses", issued_on=D(2025, 4, 1))
    assert reminder_policy_review_send(today=D(2026, 3, 10)) == 1
    assert reminder_policy_review_send(today=D(2026, 3, 20)) == 0  # once a month
    [message] = mail.outbox
    assert message.to == [admin_user.email]
    body = message.body
    assert "SOP-SPLP/01/2025 – SOP Registrasi API" in body
    assert "terlambat sejak 1 Februari 2026" in body
    assert "SOP-SPLP/02/2025 – SOP Permohonan Akses" in body and "jatuh tempo pada 1 April 2026" in body
    assert "/admin/monitoring/policydocument/" in body
    assert reminder_policy_review_send(today=D(2026, 4, 1)) == 1


# -- the admin ------------------------------------------------------------------------------------


def test_admin_registers_a_document_and_records_a_review(admin_user, dinas):
    alice = login(admin_user)
    response = alice.post(admin_url(PolicyDocument, "add"), {
        "kind": PK.INTEROPERABILITY, "title": "Standar Interoperabilitas", "number": "800/12/Diskominfo/2025",
        "issued_on": "2025-03-01", "owner": dinas.pk, "review_cycle_months": 12, "is_active": "on",
        "upload": pdf("standar.pdf"),
        "reviews-TOTAL_FORMS": 0, "reviews-INITIAL_FORMS": 0,
        "splp-auditevent-content_type-object_id-TOTAL_FORMS": 0,
        "splp-auditevent-content_type-object_id-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.context and response.context["errors"]
    document = PolicyDocument.objects.get()
    assert (document.kind, document.next_review_date, document.file_name) == (
        PK.INTEROPERABILITY, D(2026, 3, 1), "standar.pdf"
    )
    listing = alice.get(admin_url(PolicyDocument)).content.decode()
    assert "Register kebijakan dan SOP" in listing
    assert "terlambat" in listing  # due 1 March 2026, today is the 10th
    review_url = admin_url(PolicyDocument, "review", document.pk)
    assert review_url in alice.get(admin_url(PolicyDocument, "change", document.pk)).content.decode()
    assert "Catat reviu" in alice.get(review_url).content.decode()
    response = alice.post(review_url, {"reviewed_on": "2026-03-09", "outcome": PR.REVISED,
                                       "findings": "Tambah aturan skema keamanan.", "file": pdf("reviu.pdf")})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.next_review_date == D(2027, 3, 9)
    review = document.reviews.get()
    assert (review.outcome, review.recorded_by, review.file_name) == (PR.REVISED, admin_user, "reviu.pdf")
    change = alice.get(admin_url(PolicyDocument, "change", document.pk)).content.decode()
    assert "Tambah aturan skema keamanan." in change and "reviu.pdf" in change
    assert "terlambat" not in alice.get(admin_url(PolicyDocument)).content.decode()


def test_admin_corrects_a_document_without_replacing_its_file(document, admin_user, dinas):
    alice = login(admin_user)
    response = alice.post(admin_url(PolicyDocument, "change", document.pk), {
        "kind": PK.SOP, "title": "SOP Registrasi dan Publikasi API", "number": document.number,
        "issued_on": "2025-01-31", "owner": dinas.pk, "review_cycle_months": 6,
        "reviews-TOTAL_FORMS": 0, "reviews-INITIAL_FORMS": 0,
        "splp-auditevent-content_type-object_id-TOTAL_FORMS": 0,
        "splp-auditevent-content_type-object_id-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.context and response.context["errors"]
    document.refresh_from_db()
    assert (document.title, document.is_active, document.next_review_date, document.file_name) == (
        "SOP Registrasi dan Publikasi API", False, D(2025, 7, 31), "sop.pdf"
    )
    assert audit_events_for(document).order_by("id").last().action == "policy_update"


def test_admin_review_form_shows_the_refusal(document, admin_user):
    alice = login(admin_user)
    response = alice.post(admin_url(PolicyDocument, "review", document.pk),
                          {"reviewed_on": "2024-01-01", "outcome": PR.VALID, "findings": "x"})
    assert response.status_code == 200
    assert "tidak dapat mendahului" in response.content.decode()
    assert PolicyReview.objects.count() == 0


def download_urls(document, review):
    base = f"{admin_url(PolicyDocument)}{document.pk}"
    return f"{base}/file/", f"{base}/reviews/{review.pk}/file/"


def test_administrator_downloads_the_files(document, admin_user):
    review = governance.review_record(actor=admin_user, document=document, reviewed_on=D(2026, 3, 1),
                                      findings="x", outcome=PR.VALID, uploaded_file=pdf("ba.pdf"))
    alice = login(admin_user)
    file_url, review_url = download_urls(document, review)
    response = alice.get(file_url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sop.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert alice.get(review_url)["Content-Disposition"] == 'attachment; filename="ba.pdf"'
    assert alice.get(f"{admin_url(PolicyDocument)}{document.pk + 1}/file/").status_code == 404


def test_operators_and_outsiders_reach_neither_the_register_nor_its_files(
        document, admin_user, publisher, requester, outsider, client):
    review = governance.review_record(actor=admin_user, document=document, reviewed_on=D(2026, 3, 1),
                                      findings="x", outcome=PR.VALID, uploaded_file=pdf("ba.pdf"))
    file_url, review_url = download_urls(document, review)
    client.force_login(outsider)  # not staff: the admin's login page
    assert client.get(file_url).status_code == 302
    for user in (publisher, requester, outsider):
        browser = login(make_staff(user))
        assert sent_away(browser.get(admin_url(PolicyDocument)))
        assert sent_away(browser.get(admin_url(PolicyDocument, "change", document.pk)))
        for url in (file_url, review_url, admin_url(PolicyDocument, "review", document.pk)):
            assert sent_away(browser.get(url))
        assert sent_away(browser.post(admin_url(PolicyDocument, "review", document.pk),
                                      {"reviewed_on": "2026-03-09", "outcome": PR.VALID, "findings": "x"}))
    assert PolicyReview.objects.count() == 1
    assert client.get(f"/media/{document.file.name}").status_code == 404


def test_the_register_is_never_deleted(document, admin_user):
    assert login(admin_user).get(admin_url(PolicyDocument, "delete", document.pk)).status_code == 403


# -- the demo -------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset, number", [
    ("kota-baubau", "Peraturan Wali Kota Baubau Nomor 32 Tahun 2024"),
    ("kabupaten-bungo", "Peraturan Bupati Bungo Nomor 28 Tahun 2024"),
])
def test_the_demo_seeds_the_regulation_and_three_sops_once(db, preset, number):
    seed_demo(preset)
    seed_demo(preset)
    pemda = Pemda.objects.get(is_active=True)
    documents = PolicyDocument.objects.order_by("kind", "number")
    assert documents.count() == 4
    regulation = documents.get(kind=PK.REGULATION)
    assert regulation.number == number
    assert pemda.splp_regulation == f"{regulation.number} tentang {regulation.title}"
    assert regulation.reviews.count() == 1 and PolicyReview.objects.count() == 1
    assert sorted(d.title for d in documents.filter(kind=PK.SOP)) == [
        "Standar Operasional Prosedur Penanganan Insiden SPLP",
        "Standar Operasional Prosedur Permohonan Akses Layanan SPLP",
        "Standar Operasional Prosedur Registrasi API pada SPLP",
    ]
    assert all(d.file.open("rb").read(5) == b"%PDF-" for d in documents)
    # One SOP overdue, one due within the month: the reminder has something to say.
    assert len(governance.reviews_due(datetime.date(2026, 3, 10))) == 2
