import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from directory.audit_trail import audit_state_change
from splp.audit import AuditAction, audit_events_for, audit_record
from splp.models import AuditEvent


def test_audit_rows_are_append_only(submitted_request, requester):
    event = audit_events_for(submitted_request).get()
    assert event.actor == requester and event.new_state == "submitted"
    event.reason = "diubah"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    event.refresh_from_db()
    assert event.reason == ""


def test_transitions_read_in_the_status_words_of_the_object(approved_request, client, admin_user):
    from django.urls import reverse

    event = audit_events_for(approved_request).get(action="approve")
    assert audit_state_change(event) == "Menunggu keputusan administrator → Disetujui, menunggu pemberian akses"
    client.force_login(admin_user)
    page = client.get(reverse("admin:access_accessrequest_change", args=[approved_request.pk])).content.decode()
    assert "Menunggu keputusan administrator → Disetujui, menunggu pemberian akses" in page


@pytest.mark.parametrize("action", ["approve", "aprove", None])
def test_a_free_string_is_refused_as_an_action(admin_user, action):
    """A report counts rows by action: a misspelt or bare string must fail loudly, not count as nothing."""
    with pytest.raises(TypeError, match="AuditAction"):
        audit_record(actor=admin_user, target=admin_user, action=action)
    assert not AuditEvent.objects.exists()
    event = audit_record(actor=admin_user, target=admin_user, action=AuditAction.APPROVE)
    event.refresh_from_db()
    with translation.override("id"):
        assert event.action == "approve" and event.get_action_display() == "Disetujui"


def test_every_action_has_an_indonesian_label():
    with translation.override("en"):
        english = {action: str(action.label) for action in AuditAction}
    with translation.override("id"):
        indonesian = {action: str(action.label) for action in AuditAction}
    assert [action.value for action in AuditAction if indonesian[action] == english[action]] == []
    assert indonesian[AuditAction.APPROVE] == "Disetujui"
    assert indonesian[AuditAction.REVOKE] == "Dicabut"
    assert indonesian[AuditAction.IDENTIFIER_LOOKUP] == "Pencarian pengenal"
    assert indonesian[AuditAction.PEMDA_UPDATE] == "Identitas Pemda diubah"
    assert indonesian[AuditAction.MONEV_RULES_UPDATE] == "Aturan monev diubah"
