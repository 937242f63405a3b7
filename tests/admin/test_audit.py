"""The audit trail in the admin: readable by the Dinas, never added, changed or deleted by anyone."""

import re

import pytest

from access.models import AccessRequest
from directory.models import ApiService, ApiVersion
from splp.choices import AuditAction
from splp.models import AuditEvent
from tests.factories import UserFactory

from .conftest import admin_url, change_url, login


@pytest.fixture
def superuser_client(db):
    return login(UserFactory(username="root", is_staff=True, is_superuser=True))


@pytest.fixture(params=["alice", "superuser_client"])
def dinas_client(request):
    return request.getfixturevalue(request.param)


def test_list_shows_who_did_what(alice, admin_user, approved_request):
    response = alice.get(admin_url(AuditEvent))
    assert response.status_code == 200
    assert not response.context["has_add_permission"]
    assert response.context["action_form"] is None  # no bulk delete
    page = response.content.decode()
    assert "Menunggu keputusan administrator → Disetujui, menunggu pemberian akses" in page
    assert change_url(approved_request) in page  # the object links to its own page
    assert "alice" in page

    filtered = alice.get(admin_url(AuditEvent), {"action": "approve"})
    assert [e.action for e in filtered.context["cl"].result_list] == ["approve"]
    searched = alice.get(admin_url(AuditEvent), {"q": "carol"})
    assert {e.actor.username for e in searched.context["cl"].result_list} == {"carol"}


def test_nobody_can_add_change_or_delete(dinas_client, approved_request):
    event = AuditEvent.objects.filter(action="approve").get()
    assert dinas_client.get(admin_url(AuditEvent, "add")).status_code == 403
    assert dinas_client.post(admin_url(AuditEvent, "add"), {"action": "forged"}).status_code == 403
    assert dinas_client.post(change_url(event), {"action": "forged", "reason": "x"}).status_code == 403
    assert dinas_client.get(admin_url(AuditEvent, "delete", event.pk)).status_code == 403
    assert dinas_client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    response = dinas_client.post(
        admin_url(AuditEvent), {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert response.status_code == 200  # no such action here: the list is shown again
    event.refresh_from_db()
    assert (event.action, event.reason) == ("approve", "")
    assert AuditEvent.objects.count() > 0

    page = dinas_client.get(change_url(event))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert "deletelink" not in page.content.decode()


@pytest.mark.parametrize("model", [ApiService, ApiVersion, AccessRequest])
def test_audit_history_inline(alice, approved_request, model):
    obj = {ApiService: approved_request.api_version.service, ApiVersion: approved_request.api_version,
           AccessRequest: approved_request}[model]
    response = alice.get(change_url(obj))
    assert response.status_code == 200
    inline = next(i for i in response.context["inline_admin_formsets"] if i.opts.model is AuditEvent)
    rows = [form.original for form in inline]
    assert rows == list(AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=model._meta.model_name)
                        .order_by("created_at", "id"))
    assert rows
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    assert "Riwayat audit" in response.content.decode()


def test_audit_rows_read_as_sentences_in_the_list_the_filter_and_the_inline(alice, approved_request):
    """"Disetujui oleh alice (Dinas Kominfo), 07/12/2026 14:05 WIB", the states in words: never the codes."""
    approved = r"Disetujui oleh alice \(Dinas Kominfo\), \d\d/\d\d/\d{4} \d\d:\d\d WIB"
    submitted = r"Diajukan oleh carol \(Dinas Kesehatan\), \d\d/\d\d/\d{4} \d\d:\d\d WIB"
    listing = alice.get(admin_url(AuditEvent)).content.decode()
    assert re.search(rf'<th class="field-event"><a href="[^"]+">{approved}</a></th>', listing)
    assert re.search(rf'<th class="field-event"><a href="[^"]+">{submitted}</a></th>', listing)
    assert "Menunggu keputusan administrator → Disetujui, menunggu pemberian akses" in listing
    assert ">approve<" not in listing and "submitted →" not in listing
    # The filter offers every action by its label, including ones that have not happened yet.
    assert '<a href="?action__exact=approve">Disetujui</a>' in listing
    assert '<a href="?action__exact=identifier_lookup">Pencarian pengenal</a>' in listing
    assert '<a href="?action__exact=revoke">Dicabut</a>' in listing

    event = AuditEvent.objects.get(action=AuditAction.APPROVE)
    assert re.search(rf'<div class="readonly">{approved}</div>', alice.get(change_url(event)).content.decode())

    inline = alice.get(change_url(approved_request)).content.decode()
    assert re.search(rf'<td class="field-event">\s*<p>{approved}</p>\s*</td>', inline)
    assert re.search(rf'<td class="field-event">\s*<p>{submitted}</p>\s*</td>', inline)


def test_codes_kept_outside_a_status_field_read_in_words(alice, granted_request, requester):
    """A key's "pending → revealed", an activity's "- → sosialisasi" style rows: their labels, not codes."""
    from access import services as access_services
    from access.models import ApiKey

    key = ApiKey.objects.get(grant__access_request=granted_request)
    access_services.api_key_reveal(actor=requester, api_key=key)
    page = alice.get(change_url(key)).content.decode()
    assert "Menunggu ditampilkan sekali → Sudah ditampilkan" in page
    assert "pending → revealed" not in page


@pytest.mark.parametrize(("model", "old", "new", "expected"), [
    ("activity", "", "sosialisasi", "Sosialisasi (pembinaan)"),  # recorded: its kind, without "- →"
    ("activity", "", "open", "Terbuka"),  # a follow-up added to it
    ("apiservice", "active", "suspended", "Aktif di bus → Dihentikan sementara di bus"),
    ("apikey", "active", "expire", "Aktif → Kedaluwarsa"),
    ("apiversion", "submitted", "submitted", ""),  # a note: no state change to show
])
def test_state_codes_read_in_the_words_of_their_model(db, model, old, new, expected):
    from django.contrib.contenttypes.models import ContentType

    from directory.audit_trail import audit_state_change

    event = AuditEvent(content_type=ContentType.objects.get(model=model), old_state=old, new_state=new)
    assert audit_state_change(event) == expected
