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
