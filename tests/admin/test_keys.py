"""Grants and keys: read-only, and the key's hash or pending secret never reaches a page."""

from access.models import ApiKey, Grant

from .conftest import admin_url, change_url


def test_key_hash_and_pending_secret_never_shown(alice, granted_request):
    key = ApiKey.objects.get(grant__access_request=granted_request)
    assert key.pending_secret  # granted by Bob (not of Dinkes): still waiting to be revealed
    # The key pages and the grant's page (keys inline) show the public prefix, nothing more.
    pages = [alice.get(admin_url(ApiKey)), alice.get(change_url(key)), alice.get(change_url(granted_request.grant))]
    for response in pages + [alice.get(admin_url(Grant))]:
        assert response.status_code == 200
        html = response.content.decode()
        assert key.key_hash not in html
        assert key.pending_secret not in html
    for response in pages:
        assert key.prefix in response.content.decode()


def test_grants_and_keys_are_read_only(alice, granted_request):
    key = ApiKey.objects.get(grant__access_request=granted_request)
    grant = granted_request.grant
    assert alice.post(change_url(grant), {"rate_limit_per_minute": 9999}).status_code == 403
    assert alice.post(change_url(key), {"revoked_at": "2030-01-01"}).status_code == 403
    assert alice.post(admin_url(ApiKey, "delete", key.pk), {"post": "yes"}).status_code == 403
    grant.refresh_from_db()
    key.refresh_from_db()
    assert grant.rate_limit_per_minute != 9999
    assert key.revoked_at is None
