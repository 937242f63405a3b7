"""Accompaniment of registrations in the admin: queue, request changes, publish, notes, lifecycle."""

import pytest

from directory.choices import ApiVersionStatusChoices as S
from directory.models import ApiService, ApiVersion, PendingApiVersion, ReviewNote
from splp.models import AuditEvent

from .conftest import admin_url, change_url, confirm_action, messages_of, register, start_action


@pytest.fixture
def failing_version(publisher, publisher_org, theme):
    """Submitted with a plain-http upstream outside the Dinas' allow-list: a blocking check fails."""
    return register(publisher, publisher_org, theme, "data-akta", upstream="http://data.example.test/api", submit=True)


def test_queue_shows_only_submitted_versions(alice, submitted_version, published_version, draft_version_other):
    response = alice.get(admin_url(PendingApiVersion))
    assert response.status_code == 200
    assert [v.pk for v in response.context["cl"].result_list] == [submitted_version.pk]

    full = alice.get(admin_url(ApiVersion))
    assert {v.pk for v in full.context["cl"].result_list} == {
        submitted_version.pk, published_version.pk, draft_version_other.pk,
    }


def test_request_changes_needs_a_note(alice, submitted_version):
    response = start_action(alice, PendingApiVersion, "request_changes", [submitted_version])
    assert "“Minta perbaikan” akan diterapkan pada 1 item berikut:" in response.content.decode()

    response = confirm_action(alice, PendingApiVersion, "request_changes", [submitted_version], text="")
    assert response.status_code == 200
    assert "Catatan untuk penyedia API wajib diisi." in response.content.decode()
    submitted_version.refresh_from_db()
    assert submitted_version.status == S.SUBMITTED
    assert not ReviewNote.objects.exists()


def test_request_changes_with_note_adds_a_review_note(alice, admin_user, submitted_version):
    response = confirm_action(
        alice, PendingApiVersion, "request_changes", [submitted_version], text="Lengkapi skema respons 404."
    )
    assert ("success", f"“{submitted_version}” kini: Perlu perbaikan.") in messages_of(response)
    submitted_version.refresh_from_db()
    assert submitted_version.status == S.CHANGES_REQUESTED
    note = ReviewNote.objects.get()
    assert (note.api_version_id, note.author, note.body) == (
        submitted_version.pk, admin_user, "Lengkapi skema respons 404.",
    )
    # The thread shows on the version's page.
    assert "Lengkapi skema respons 404." in alice.get(change_url(submitted_version)).content.decode()


def test_reject_from_the_review_page(alice, admin_user, publisher, submitted_version, mailoutbox,
                                    django_capture_on_commit_callbacks):
    url = admin_url(PendingApiVersion, "workflow", submitted_version.pk, "reject")
    review_page = alice.get(change_url(submitted_version, PendingApiVersion)).content.decode()
    assert f'class="splp-decide splp-decide-refuse" formaction="{url}">Tolak</button>' in review_page

    # The decision box left empty: the reason is asked for, nothing changes.
    response = alice.post(url, {"apply": "1", "text": " "})
    assert response.status_code == 200
    assert "Alasan wajib diisi." in response.content.decode()
    submitted_version.refresh_from_db()
    assert submitted_version.status == S.SUBMITTED
    assert not ReviewNote.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(url, {"apply": "1", "text": "Duplikat API Data KK milik Disdukcapil."})
    # Decided, it leaves the queue: back to the queue, with the outcome in words.
    assert response.status_code == 302 and response.url == admin_url(PendingApiVersion)
    assert messages_of(response) == [("success", f"“{submitted_version}” kini: Ditolak.")]
    submitted_version.refresh_from_db()
    assert (submitted_version.status, submitted_version.rejection_reason) == (
        S.REJECTED, "Duplikat API Data KK milik Disdukcapil.")
    assert ReviewNote.objects.get().body == "Duplikat API Data KK milik Disdukcapil."
    event = AuditEvent.objects.get(object_id=str(submitted_version.pk), action="reject")
    assert (event.actor, event.reason) == (admin_user, "Duplikat API Data KK milik Disdukcapil.")
    assert [m.to for m in mailoutbox] == [[publisher.email]]
    assert alice.get(admin_url(PendingApiVersion)).context["cl"].result_list.count() == 0

    # Its page shows the reason (on the record, in the thread, in the audit history) and offers no decision.
    page = alice.get(change_url(submitted_version)).content.decode()
    assert "Alasan penolakan" in page and page.count("Duplikat API Data KK milik Disdukcapil.") == 3
    assert "Menunggu pendampingan Dinas → Ditolak" in page
    assert 'id="splp-decision"' not in page
    assert admin_url(ApiVersion, "workflow", submitted_version.pk, "reject") not in page


def test_reject_as_a_bulk_action_needs_a_reason(alice, submitted_version, published_version):
    response = start_action(alice, PendingApiVersion, "reject", [submitted_version])
    assert "“Tolak” akan diterapkan pada 1 item berikut:" in response.content.decode()
    response = confirm_action(alice, PendingApiVersion, "reject", [submitted_version], text="")
    assert "Alasan wajib diisi." in response.content.decode()
    submitted_version.refresh_from_db()
    assert submitted_version.status == S.SUBMITTED

    # A published version is refused by the service; the submitted one is rejected.
    response = confirm_action(alice, ApiVersion, "reject", [submitted_version, published_version], text="Duplikat")
    assert sorted(level for level, _text in messages_of(response)) == ["error", "success"]
    error = next(text for level, text in messages_of(response) if level == "error")
    assert error.startswith(f"Tolak tidak dapat dilakukan untuk “{published_version}”: Tidak dapat menolak")
    submitted_version.refresh_from_db()
    published_version.refresh_from_db()
    assert (submitted_version.status, published_version.status) == (S.REJECTED, S.PUBLISHED)


def test_publish_is_blocked_while_interop_fails(alice, failing_version):
    response = confirm_action(alice, PendingApiVersion, "publish", [failing_version])
    assert response.status_code == 302
    errors = [text for level, text in messages_of(response) if level == "error"]
    assert len(errors) == 1
    assert errors[0].startswith(f"Setujui & terbitkan tidak dapat dilakukan untuk “{failing_version}”: ")
    failing_version.refresh_from_db()
    assert failing_version.status == S.SUBMITTED
    assert failing_version.published_at is None


def test_publish_with_optional_note(alice, submitted_version):
    response = confirm_action(alice, PendingApiVersion, "publish", [submitted_version], text="Selamat, terbit.")
    assert ("success", f"“{submitted_version}” kini: Terbit.") in messages_of(response)
    submitted_version.refresh_from_db()
    assert submitted_version.status == S.PUBLISHED
    assert ReviewNote.objects.filter(api_version=submitted_version, body="Selamat, terbit.").exists()
    assert AuditEvent.objects.filter(object_id=str(submitted_version.pk), action="publish").exists()


def test_deprecate_then_retire(alice, published_version):
    confirm_action(alice, ApiVersion, "deprecate", [published_version], text="Diganti v2", date="2099-06-30")
    published_version.refresh_from_db()
    assert published_version.status == S.DEPRECATED
    # The change page now offers retiring, not deprecating.
    page = alice.get(change_url(published_version)).content.decode()
    assert admin_url(ApiVersion, "workflow", published_version.pk, "retire") in page
    assert admin_url(ApiVersion, "workflow", published_version.pk, "deprecate") not in page

    response = alice.post(admin_url(ApiVersion, "workflow", published_version.pk, "retire"), {"apply": "1"})
    assert response.status_code == 302
    published_version.refresh_from_db()
    assert published_version.status == S.RETIRED


def test_deprecating_asks_for_the_planned_retirement_date(alice, published_version):
    page = start_action(alice, ApiVersion, "deprecate", [published_version]).content.decode()
    assert 'type="date"' in page and "Rencana tanggal penghentian" in page
    response = confirm_action(alice, ApiVersion, "deprecate", [published_version], text="Diganti v2", date="")
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert "Rencana tanggal penghentian wajib diisi" in messages_of(response)[0][1]
    published_version.refresh_from_db()
    assert published_version.status == S.PUBLISHED
    confirm_action(alice, ApiVersion, "deprecate", [published_version], date="2099-06-30")
    published_version.refresh_from_db()
    assert (published_version.status, str(published_version.sunset_on)) == (S.DEPRECATED, "2099-06-30")


def test_retire_refused_for_a_published_version(alice, published_version):
    response = confirm_action(alice, ApiVersion, "retire", [published_version])
    assert [level for level, _text in messages_of(response)] == ["error"]
    published_version.refresh_from_db()
    assert published_version.status == S.PUBLISHED


def test_add_review_note(alice, admin_user, published_version):
    url = admin_url(ApiVersion, "workflow", published_version.pk, "add_note")
    response = alice.post(url, {"apply": "1", "text": ""})
    assert "Catatan wajib diisi." in response.content.decode()
    assert not ReviewNote.objects.exists()

    response = alice.post(url, {"apply": "1", "text": "Mohon perbarui narahubung."})
    assert response.status_code == 302
    assert ReviewNote.objects.get().body == "Mohon perbarui narahubung."
    published_version.refresh_from_db()
    assert published_version.status == S.PUBLISHED


def test_change_page_shows_spec_summary_and_checklist_line_by_line(alice, failing_version):
    response = alice.get(change_url(failing_version, PendingApiVersion))
    assert response.status_code == 200
    page = response.content.decode()
    report = failing_version.interop_report
    assert page.count('<tr class="splp-pass">') == sum(c["passed"] for c in report)
    assert page.count('<tr class="splp-fail">') == sum(not c["passed"] for c in report) == 1
    assert "<strong>Gagal</strong>" in page and "<strong>Lulus</strong>" in page
    for check in report:
        assert check["label"] in page
    assert "data-akta" in page  # the document's title, in the summary
    # The operations extracted from the spec are listed.
    assert "/v1/penduduk/{nik}" in page
    assert admin_url(PendingApiVersion, "workflow", failing_version.pk, "publish") in page


def test_status_cannot_be_changed_by_posting_the_form(alice, submitted_version):
    response = alice.post(change_url(submitted_version), {"status": S.PUBLISHED})
    assert response.status_code == 403
    submitted_version.refresh_from_db()
    assert submitted_version.status == S.SUBMITTED
    assert 'name="status"' not in alice.get(change_url(submitted_version)).content.decode()


def test_service_metadata_edit_goes_through_the_service(alice, admin_user, service):
    url = change_url(service)
    form_page = alice.get(url)
    data = {
        name: value for name, value in form_page.context["adminform"].form.initial.items()
        if name in form_page.context["adminform"].form.fields
    }
    data.update(theme=service.theme_id, sla="99,9% per bulan", status="retired", owner="", slug="dibajak")
    for inline in form_page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{key}": value for key, value in management.initial.items()})
    response = alice.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    service.refresh_from_db()
    assert service.sla == "99,9% per bulan"
    assert service.slug == "data-penduduk"  # read-only fields ignore posted values
    assert service.versions.get().status == S.PUBLISHED
    event = AuditEvent.objects.get(object_id=str(service.pk), content_type__model="apiservice", action="update")
    assert (event.actor, event.data) == (admin_user, {"changed": ["sla"]})


def test_services_cannot_be_added_or_deleted(alice, service):
    assert alice.get(admin_url(ApiService, "add")).status_code == 403
    assert alice.post(admin_url(ApiService, "delete", service.pk), {"post": "yes"}).status_code == 403
    assert ApiService.objects.filter(pk=service.pk).exists()
