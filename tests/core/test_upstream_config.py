"""Publishers set how the bus calls their upstream; the Dinas suspends and resumes an API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from directory import services
from directory.models import ApiVersion
from splp import crypto
from splp.audit import audit_events_for
from splp.workflow import TransitionError


def test_configure_upstream_stores_secret_encrypted_and_keeps_it_out_of_the_audit(published_version, publisher):
    services.api_version_configure_upstream(
        actor=publisher, api_version=published_version, auth_header="X-Api-Key", auth_secret="rahasia-123",
        connect_timeout=2, read_timeout=10,
    )
    version = ApiVersion.objects.get(pk=published_version.pk)
    assert version.upstream_auth_header == "X-Api-Key" and (version.connect_timeout, version.read_timeout) == (2, 10)
    assert "rahasia" not in version.upstream_auth_secret
    assert crypto.decrypt(version.upstream_auth_secret) == "rahasia-123"
    event = audit_events_for(version).get(action="configure_upstream")
    assert event.data["secret_changed"] is True and "rahasia" not in str(event.data)
    # Timeouts change, the secret is kept.
    services.api_version_configure_upstream(actor=publisher, api_version=version, auth_header="X-Api-Key",
                                            connect_timeout=3, read_timeout=10)
    version.refresh_from_db()
    assert crypto.decrypt(version.upstream_auth_secret) == "rahasia-123"
    # No header: no credential at all.
    services.api_version_configure_upstream(actor=publisher, api_version=version, auth_header="",
                                            connect_timeout=3, read_timeout=10)
    version.refresh_from_db()
    assert version.upstream_auth_secret == ""


@pytest.mark.parametrize("fields, field", [
    ({"auth_header": "Bad Header"}, "auth_header"),
    ({"auth_header": "X-Forwarded-For"}, "auth_header"),
    ({"connect_timeout": 0}, "connect_timeout"),
    ({"read_timeout": 1000}, "read_timeout"),
    ({"auth_header": "X-Key", "auth_secret": None}, "auth_secret"),
])
def test_configure_upstream_refuses_bad_input(published_version, publisher, fields, field):
    kwargs = {"auth_header": "", "auth_secret": None, "connect_timeout": 3, "read_timeout": 30, **fields}
    with pytest.raises(ValidationError) as exc:
        services.api_version_configure_upstream(actor=publisher, api_version=published_version, **kwargs)
    assert field in exc.value.message_dict


def test_only_the_owner_configures_the_upstream(published_version, requester, outsider):
    for actor in (requester, outsider):
        with pytest.raises(PermissionDenied):
            services.api_version_configure_upstream(actor=actor, api_version=published_version, auth_header="",
                                                    connect_timeout=3, read_timeout=30)


def test_suspend_and_resume_by_the_dinas_only(service, admin_user, publisher):
    with pytest.raises(PermissionDenied):
        services.api_service_suspend(actor=publisher, service=service, reason="x")
    with pytest.raises(ValidationError):
        services.api_service_suspend(actor=admin_user, service=service, reason="")
    services.api_service_suspend(actor=admin_user, service=service, reason="Insiden keamanan")
    with pytest.raises(TransitionError):
        services.api_service_suspend(actor=admin_user, service=service, reason="lagi")
    services.api_service_resume(actor=admin_user, service=service)
    service.refresh_from_db()
    assert not service.is_suspended
    assert [e.action for e in audit_events_for(service).order_by("id")][-2:] == ["suspend", "resume"]


def test_portal_upstream_form(client, published_version, publisher, outsider):
    url = f"/api-saya/kelola/{published_version.service.slug}/versi/{published_version.pk}/upstream/"
    client.force_login(publisher)
    page = client.get(url)
    assert "Kredensial dan batas waktu layanan asal" in client.get(
        f"/api-saya/kelola/{published_version.service.slug}/").content.decode()
    assert page.status_code == 200 and "Header kredensial" in page.content.decode()
    response = client.post(url, {"auth_header": "X-Api-Key", "auth_secret": "s3cret", "connect_timeout": "2",
                                 "read_timeout": "20"})
    assert response.status_code == 302
    published_version.refresh_from_db()
    assert crypto.decrypt(published_version.upstream_auth_secret) == "s3cret"
    assert "s3cret" not in client.get(url).content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code in (403, 404)


def test_admin_suspends_through_the_workflow_action(client, admin_user, service):
    client.force_login(admin_user)
    page = client.get(f"/admin/directory/apiservice/{service.pk}/change/").content.decode()
    assert "Hentikan sementara di bus" in page
    response = client.post(f"/admin/directory/apiservice/{service.pk}/workflow/suspend/",
                           {"text": "Insiden", "apply": "1"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.is_suspended
