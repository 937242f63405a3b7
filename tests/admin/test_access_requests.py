"""The Pasal 7 decision in the admin: queue, approve, reject (reason required), revoke, refusals."""

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from access.models import AccessRequest, PendingAccessRequest
from splp.models import AuditEvent

from .conftest import admin_url, change_url, confirm_action, login, messages_of, sent_away, start_action


def audit_actions(obj):
    return list(
        AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model="accessrequest")
        .order_by("id").values_list("action", flat=True)
    )


def test_queue_shows_only_submitted_requests(alice, submitted_request, approved_request_other):
    response = alice.get(admin_url(PendingAccessRequest))
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [submitted_request.pk]
    assert "Permohonan" in response.content.decode()

    full = alice.get(admin_url(AccessRequest))
    assert {r.pk for r in full.context["cl"].result_list} == {submitted_request.pk, approved_request_other.pk}


def test_the_queue_filters_by_the_statuses_it_holds_only(alice, submitted_request):
    page = alice.get(admin_url(PendingAccessRequest)).content.decode()
    filters = page[page.index('id="changelist-filter"'):]
    assert "Menunggu keputusan administrator" in filters and "menunggu administrator kedua" in filters
    assert "Ditolak" not in filters and "Akses diberikan" not in filters
    second = alice.get(admin_url(PendingAccessRequest), {"status": S.SECOND_APPROVAL})
    assert list(second.context["cl"].result_list) == []
    assert list(alice.get(admin_url(PendingAccessRequest), {"status": S.SUBMITTED}).context["cl"].result_list) == [
        submitted_request]


def test_reject_asks_for_a_reason_on_a_confirmation_page(alice, submitted_request):
    response = start_action(alice, PendingAccessRequest, "reject", [submitted_request])
    assert response.status_code == 200
    page = response.content.decode()
    assert "“Tolak” akan diterapkan pada 1 item berikut:" in page
    assert 'name="text"' in page
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED


def test_reject_without_reason_is_refused_and_changes_nothing(alice, submitted_request):
    before = audit_actions(submitted_request)
    response = confirm_action(alice, PendingAccessRequest, "reject", [submitted_request], text="   ")
    assert response.status_code == 200
    assert "Alasan wajib diisi." in response.content.decode()
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED
    assert submitted_request.decision_reason == ""
    assert audit_actions(submitted_request) == before


def test_reject_with_reason_changes_status_and_writes_audit(alice, admin_user, submitted_request):
    response = confirm_action(
        alice, PendingAccessRequest, "reject", [submitted_request], text="Dasar hukum tidak relevan"
    )
    assert response.status_code == 302
    assert ("success", f"“{submitted_request}” kini: Ditolak.") in messages_of(response)
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.REJECTED
    assert submitted_request.decided_by == admin_user
    event = AuditEvent.objects.filter(object_id=str(submitted_request.pk), action="reject").get()
    assert (event.old_state, event.new_state, event.reason, event.actor) == (
        S.SUBMITTED, S.REJECTED, "Dasar hukum tidak relevan", admin_user,
    )
    # Decided: it leaves the queue.
    queue = alice.get(admin_url(PendingAccessRequest))
    assert list(queue.context["cl"].result_list) == []


def test_approve_without_reason(alice, submitted_request):
    response = confirm_action(alice, PendingAccessRequest, "approve", [submitted_request])
    assert response.status_code == 302
    assert ("success", f"“{submitted_request}” kini: Disetujui, menunggu pemberian akses.") in messages_of(response)
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.APPROVED
    assert audit_actions(submitted_request)[-1] == "approve"


def test_bulk_reports_each_refusal_and_processes_the_rest(alice, submitted_request, approved_request_other):
    response = confirm_action(
        alice, AccessRequest, "reject", [submitted_request, approved_request_other], text="Tidak memenuhi syarat"
    )
    assert response.status_code == 302
    msgs = messages_of(response)
    assert ("success", f"“{submitted_request}” kini: Ditolak.") in msgs
    errors = [text for level, text in msgs if level == "error"]
    assert len(errors) == 1
    assert errors[0].startswith(f"Tolak tidak dapat dilakukan untuk “{approved_request_other}”: ")
    submitted_request.refresh_from_db()
    approved_request_other.refresh_from_db()
    assert submitted_request.status == S.REJECTED
    assert approved_request_other.status == S.APPROVED


def test_revoke_requires_a_reason(alice, granted_request):
    response = confirm_action(alice, AccessRequest, "revoke", [granted_request], text="")
    assert response.status_code == 200
    assert "Alasan wajib diisi." in response.content.decode()
    granted_request.refresh_from_db()
    assert granted_request.status == S.GRANTED

    response = confirm_action(alice, AccessRequest, "revoke", [granted_request], text="Penyalahgunaan data")
    assert ("success", f"“{granted_request}” kini: Akses dicabut.") in messages_of(response)
    granted_request.refresh_from_db()
    assert granted_request.status == S.REVOKED
    assert granted_request.grant.revoked_at is not None


def test_change_page_offers_the_steps_its_state_allows(alice, submitted_request, granted_request_other):
    page = alice.get(change_url(submitted_request)).content.decode()
    assert admin_url(AccessRequest, "workflow", submitted_request.pk, "approve") in page
    assert admin_url(AccessRequest, "workflow", submitted_request.pk, "reject") in page
    assert admin_url(AccessRequest, "workflow", submitted_request.pk, "revoke") not in page

    page = alice.get(change_url(granted_request_other)).content.decode()
    assert admin_url(AccessRequest, "workflow", granted_request_other.pk, "revoke") in page
    assert admin_url(AccessRequest, "workflow", granted_request_other.pk, "approve") not in page


def test_per_object_reject_page(alice, submitted_request):
    url = admin_url(AccessRequest, "workflow", submitted_request.pk, "reject")
    assert alice.get(url).status_code == 200

    response = alice.post(url, {"apply": "1", "text": ""})
    assert response.status_code == 200
    assert "Alasan wajib diisi." in response.content.decode()
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED

    response = alice.post(url, {"apply": "1", "text": "Tujuan tidak jelas"})
    assert response.status_code == 302
    assert response.url == change_url(submitted_request)
    submitted_request.refresh_from_db()
    assert (submitted_request.status, submitted_request.decision_reason) == (S.REJECTED, "Tujuan tidak jelas")


def test_per_object_decision_from_the_queue_returns_to_the_queue(alice, submitted_request):
    url = admin_url(PendingAccessRequest, "workflow", submitted_request.pk, "approve")
    response = alice.post(url, {"apply": "1", "text": ""})
    assert response.status_code == 302
    assert response.url == admin_url(PendingAccessRequest)
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.APPROVED
    # No longer in the queue: its page there is gone.
    assert alice.get(change_url(submitted_request, PendingAccessRequest)).status_code == 404


def test_per_object_refusal_becomes_a_message(alice, approved_request_other):
    url = admin_url(AccessRequest, "workflow", approved_request_other.pk, "reject")
    response = alice.post(url, {"apply": "1", "text": "Terlambat"})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    approved_request_other.refresh_from_db()
    assert approved_request_other.status == S.APPROVED


def test_unknown_workflow_step_is_404(alice, submitted_request):
    assert alice.get(admin_url(AccessRequest, "workflow", submitted_request.pk, "grant")).status_code == 404


def test_status_cannot_be_changed_by_posting_the_form(alice, submitted_request):
    response = alice.post(change_url(submitted_request), {"status": S.APPROVED, "decision_reason": "x"})
    assert response.status_code == 403
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED
    page = alice.get(change_url(submitted_request)).content.decode()
    assert 'name="status"' not in page
    assert 'name="_save"' not in page


def test_user_text_is_escaped(alice, requester, requester_org, published_version):
    from tests.conftest import submit_request

    request = submit_request(requester, requester_org, published_version, purpose="<script>alert(1)</script>")
    page = alice.get(change_url(request)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_request_decided_meanwhile_is_reported_not_redecided(alice, admin_user, submitted_request):
    """Two administrators on the same queue: the second one's selection is stale."""
    confirmation = start_action(alice, PendingAccessRequest, "reject", [submitted_request])
    assert confirmation.status_code == 200
    access_services.access_request_approve(actor=admin_user, access_request=submitted_request)

    response = confirm_action(alice, PendingAccessRequest, "reject", [submitted_request], text="Terlambat")
    assert response.status_code == 302
    assert messages_of(response) == [(
        "warning",
        "1 item yang dipilih sudah tidak ada di daftar ini (kemungkinan sudah ditangani orang lain); "
        "item tersebut dilewati.",
    )]
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.APPROVED
    assert audit_actions(submitted_request) == ["submit", "approve"]


def test_declined_requests_are_listed_by_status_with_the_publishers_reason(
    alice, publisher, submitted_request, approved_request_other
):
    access_services.access_request_decline(actor=publisher, access_request=approved_request_other,
                                           reason="Kapasitas tidak cukup")
    response = alice.get(admin_url(AccessRequest), {"status__exact": S.DECLINED})
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [approved_request_other.pk]
    assert "Ditolak oleh penyedia API" in response.content.decode()

    page = alice.get(change_url(approved_request_other, AccessRequest)).content.decode()
    assert "Alasan penolakan oleh penyedia API" in page and "Kapasitas tidak cukup" in page


def test_administrator_of_the_requesting_organisation_is_refused_by_name(alice, admin_user, submitted_request,
                                                                         requester_org):
    from tests.factories import R, member

    member(admin_user, requester_org, R.REQUESTER)
    response = confirm_action(alice, PendingAccessRequest, "approve", [submitted_request], text="")
    assert response.status_code == 302
    [(level, text)] = messages_of(response)
    assert level == "error" and "Pemisahan tugas" in text
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED


# "Minta perbaikan": back to the requester with a note


def test_request_changes_asks_for_a_note_and_refuses_none(alice, submitted_request):
    response = start_action(alice, PendingAccessRequest, "request_changes", [submitted_request])
    page = response.content.decode()
    assert "“Minta perbaikan” akan diterapkan pada 1 item berikut:" in page
    assert "Catatan untuk pemohon" in page and 'name="text"' in page

    response = confirm_action(alice, PendingAccessRequest, "request_changes", [submitted_request], text="  ")
    assert response.status_code == 200
    assert "Catatan untuk pemohon wajib diisi." in response.content.decode()
    submitted_request.refresh_from_db()
    assert (submitted_request.status, submitted_request.changes_note) == (S.SUBMITTED, "")
    assert audit_actions(submitted_request) == ["submit"]


def test_request_changes_from_the_decision_page_leaves_the_queue(alice, admin_user, submitted_request):
    page = alice.get(change_url(submitted_request, PendingAccessRequest)).content.decode()
    url = admin_url(PendingAccessRequest, "workflow", submitted_request.pk, "request_changes")
    assert f'class="splp-decide splp-decide-revise" formaction="{url}">Minta perbaikan</button>' in page
    # The decision's buttons: yes first, no last, the changes between.
    assert page.index("splp-decide-approve") < page.index("splp-decide-revise") < page.index("splp-decide-refuse")
    assert "Wajib diisi untuk: Minta perbaikan, Tolak." in page

    response = alice.post(url, {"apply": "1", "text": "Lengkapi dasar hukum."})
    assert response.status_code == 302 and response.url == admin_url(PendingAccessRequest)
    assert messages_of(response) == [
        ("success", f"“{submitted_request}” kini: Dikembalikan ke pemohon untuk diperbaiki.")]
    submitted_request.refresh_from_db()
    assert (submitted_request.status, submitted_request.changes_note) == (S.CHANGES_REQUESTED, "Lengkapi dasar hukum.")
    event = AuditEvent.objects.filter(object_id=str(submitted_request.pk), action="request_changes").get()
    assert (event.actor, event.reason) == (admin_user, "Lengkapi dasar hukum.")
    assert list(alice.get(admin_url(PendingAccessRequest)).context["cl"].result_list) == []
    # While it is with the requester there is nothing to decide.
    page = alice.get(change_url(submitted_request)).content.decode()
    assert 'id="splp-decision"' not in page
    assert "Dikembalikan ke pemohon untuk diperbaiki" in page and "Lengkapi dasar hukum." in page


def test_a_resubmitted_request_shows_what_was_asked_and_what_changed(alice, admin_user, requester,
                                                                     submitted_request):
    access_services.access_request_request_changes(actor=admin_user, access_request=submitted_request,
                                                   note="Dasar hukum <b>kurang</b>.")
    access_services.access_request_resubmit(actor=requester, access_request=submitted_request,
                                            legal_basis="UU 24/2013", expected_daily_volume=50)
    access_services.access_request_request_changes(actor=admin_user, access_request=submitted_request,
                                                   note="Sebutkan pasalnya.")
    access_services.access_request_resubmit(actor=requester, access_request=submitted_request)

    page = alice.get(change_url(submitted_request, PendingAccessRequest)).content.decode()
    assert "Riwayat permintaan perbaikan" in page
    history = page[page.index("Riwayat permintaan perbaikan"):]
    rounds = ["Perbaikan diminta oleh alice (Dinas Kominfo)", "Dasar hukum &lt;b&gt;kurang&lt;/b&gt;.",
              "Diajukan oleh carol (Dinas Kesehatan)", "Yang diubah: dasar hukum, perkiraan volume per hari.",
              "Perbaikan diminta oleh alice", "Sebutkan pasalnya.", "Diajukan oleh carol",
              "Diajukan lagi tanpa perubahan."]
    position = 0
    for text in rounds:  # each after the one before
        position = history.index(text, position)
    assert "<b>kurang</b>" not in page


def test_a_request_never_returned_has_no_history_of_changes(alice, submitted_request):
    assert "Riwayat permintaan perbaikan" not in alice.get(change_url(submitted_request)).content.decode()


def test_an_operator_cannot_request_changes_in_the_admin(requester, submitted_request):
    url = admin_url(PendingAccessRequest, "workflow", submitted_request.pk, "request_changes")
    response = login(requester).post(url, {"apply": "1", "text": "Saya minta perbaikan"})
    assert sent_away(response)
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED
