import pytest
from django.core.exceptions import ValidationError

from splp.audit import audit_events_for


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
    assert event.transition_label == "Menunggu keputusan administrator → Disetujui, menunggu pemberian akses"
    client.force_login(admin_user)
    page = client.get(reverse("admin:access_accessrequest_change", args=[approved_request.pk])).content.decode()
    assert "Menunggu keputusan administrator → Disetujui, menunggu pemberian akses" in page
