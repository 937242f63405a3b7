"""Logins that hold: lockout at the three doors (API token, portal, admin), the audit trail of logins, and API
tokens that are hashed at rest, expire, can be revoked, and end with a password change."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from splp.models import AuditEvent

from ..factories import PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"
LOCKED_TEXT = "Terlalu banyak percobaan masuk yang gagal"
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def api_login(username, password=PASSWORD, ip="10.0.0.1", **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=ip, **extra)


def token_of(username, password=PASSWORD):
    response = api_login(username, password)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def client_with(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token):
    return client_with(token).get("/api/v1/access-requests/").status_code == 200


def fail_until_locked(post):
    """Wrong passwords up to the limit; the last of them already answers with the lockout."""
    return [post("salah-sekali") for _ in range(settings.AXES_FAILURE_LIMIT)]


# --- lockout -------------------------------------------------------------------------------------------------


def test_api_login_locks_out_after_the_limit_and_refuses_the_right_password(requester):
    first, *_, last = fail_until_locked(lambda pw: api_login("carol", pw))
    assert first.status_code == 400
    assert first.json()["error"]["code"] == "invalid_credentials"
    assert "token" not in first.json()
    assert last.status_code == 429

    response = api_login("carol", PASSWORD)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert LOCKED_TEXT in response.json()["error"]["message"]
    assert "15 menit" in response.json()["error"]["message"]
    assert response["Retry-After"] == "900"
    assert not AuthToken.objects.exists()


def test_portal_login_locks_out_with_an_indonesian_page(requester):
    client = Client(REMOTE_ADDR="10.0.0.1")
    fail_until_locked(lambda pw: client.post("/masuk/", {"username": "carol", "password": pw}))

    response = client.post("/masuk/", {"username": "carol", "password": PASSWORD})

    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_TEXT in page and "15 menit" in page
    assert "<h1>Masuk diblokir</h1>" in page
    assert 'class="site-header"' in page  # the portal's look
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    assert client.get("/permohonan-saya/").status_code == 302  # still anonymous: sent to the login page


def test_admin_login_locks_out_with_an_indonesian_page(admin_user):
    client = Client(REMOTE_ADDR="10.0.0.1")
    login = lambda pw: client.post("/admin/login/", {"username": "alice", "password": pw})  # noqa: E731
    fail_until_locked(login)

    response = login(PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_TEXT in page
    assert ">SPLP Pemerintah Daerah</a>" in page and "Masuk diblokir" in page  # the admin's look
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_lockout_is_per_username_and_address(requester, publisher):
    fail_until_locked(lambda pw: api_login("carol", pw, ip="10.0.0.1"))
    assert api_login("carol", ip="10.0.0.1").status_code == 429

    # The same account from another address, and another account from the same (NAT) address, log in.
    assert api_login("carol", ip="10.0.0.2").status_code == 200
    assert api_login("bob", ip="10.0.0.1").status_code == 200


def test_lockout_ends_after_the_cooloff(requester):
    with time_machine.travel(NOW, tick=False) as traveller:
        fail_until_locked(lambda pw: api_login("carol", pw))
        traveller.shift(datetime.timedelta(minutes=14))
        assert api_login("carol").status_code == 429
        # Each refused attempt restarts the cool-off.
        traveller.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
        assert api_login("carol").status_code == 200


def test_success_before_the_limit_resets_the_count(requester):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_login("carol", "salah").status_code == 400
    assert api_login("carol").status_code == 200
    assert api_login("carol", "salah").status_code == 400  # counting starts again


def test_a_forged_forwarded_for_does_not_escape_the_lockout(requester):
    fail_until_locked(lambda pw: api_login("carol", pw, HTTP_X_FORWARDED_FOR=f"192.0.2.{len(pw)}"))
    assert api_login("carol", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(requester, settings):
    settings.SPLP_TRUSTED_PROXIES = ["10.0.0.1"]
    fail_until_locked(lambda pw: api_login("carol", pw, HTTP_X_FORWARDED_FOR="203.0.113.7"))
    assert api_login("carol", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # Another office behind the same proxy is not locked out.
    assert api_login("carol", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200
    event = AuditEvent.objects.filter(action="login").get()
    assert event.data["ip"] == "203.0.113.8"


# --- audit trail ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [TOKEN_URL, "/masuk/", "/admin/login/"])
def test_failed_and_successful_logins_are_audited_without_the_password(url, admin_user):
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    client.post(url, {"username": "alice", "password": "rahasia-yang-salah"})
    client.post(url, {"username": "tidak-ada", "password": "rahasia-yang-salah"})
    client.post(url, {"username": "alice", "password": PASSWORD})

    failed, unknown, success = AuditEvent.objects.order_by("id")
    assert (failed.action, failed.actor, failed.target, failed.data) == (
        "login_failed", None, admin_user, {"ip": "10.0.0.9", "path": url, "locked_out": False})
    assert (unknown.action, unknown.object_id, unknown.object_repr) == ("login_failed", "", "tidak-ada")
    assert (success.action, success.actor, success.target, success.data) == (
        "login", admin_user, admin_user, {"ip": "10.0.0.9", "path": url})
    for event in (failed, unknown, success):
        row = str(AuditEvent.objects.filter(pk=event.pk).values().get())
        assert "rahasia" not in row and PASSWORD not in row


def test_locked_out_attempts_are_audited_as_such(requester):
    fail_until_locked(lambda pw: api_login("carol", pw))
    api_login("carol")
    failures = AuditEvent.objects.filter(action="login_failed").order_by("id")
    flags = [event.data["locked_out"] for event in failures]
    assert flags == [False] * (settings.AXES_FAILURE_LIMIT - 1) + [True, True]
    assert not AuditEvent.objects.filter(action="login").exists()


# --- API tokens ----------------------------------------------------------------------------------------------


def test_token_is_hashed_at_rest(requester):
    token = token_of("carol")
    stored = AuthToken.objects.get()
    row = AuthToken.objects.filter(pk=stored.pk).values().get()
    assert not any(token in str(value) for value in row.values())
    assert len(stored.token_key) < len(token) // 4  # only a lookup prefix is kept in clear
    assert works(token)


def test_login_takes_a_form_too(requester):
    response = APIClient().post(TOKEN_URL, {"username": "carol", "password": PASSWORD})
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expiry"}


def test_token_expires_after_the_configured_days(requester):
    with time_machine.travel(NOW, tick=False) as traveller:
        response = api_login("carol")
        token = response.json()["token"]
        expiry = datetime.datetime.fromisoformat(response.json()["expiry"])
        assert expiry == timezone.now() + datetime.timedelta(days=30)
        traveller.shift(datetime.timedelta(days=29, hours=23))
        assert works(token)
        traveller.shift(datetime.timedelta(hours=1, seconds=1))
        response = client_with(token).get("/api/v1/access-requests/")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"


def test_logout_ends_the_token_at_once(requester):
    token, other = token_of("carol"), token_of("carol")
    client = client_with(token)

    response = client.post("/api/v1/auth/logout/")

    assert response.status_code == 204
    assert client.get("/api/v1/access-requests/").status_code == 401
    assert client.post("/api/v1/auth/logout/").status_code == 401
    assert works(other)  # only the token used is ended
    assert AuditEvent.objects.filter(action="logout", actor=requester).exists()


def test_logout_all_ends_every_token_of_the_user(requester, publisher):
    tokens, bobs = [token_of("carol"), token_of("carol")], token_of("bob")

    assert client_with(tokens[0]).post("/api/v1/auth/logout-all/").status_code == 204

    assert not any(works(t) for t in tokens)
    assert works(bobs)


def test_outsider_cannot_end_someone_elses_token(requester, outsider):
    carols = token_of("carol")
    for url in ("/api/v1/auth/logout/", "/api/v1/auth/logout-all/"):
        assert client_with(token_of("charlie")).post(url).status_code == 204
        assert APIClient().post(url).status_code == 401
        assert client_with("x" * 64).post(url).status_code == 401
    assert works(carols)


def test_logout_needs_a_token_not_a_session(requester):
    client = APIClient()
    client.force_login(requester)
    assert client.post("/api/v1/auth/logout/").status_code == 401
    client = APIClient()
    client.force_authenticate(requester)
    assert client.post("/api/v1/auth/logout/").status_code == 401


@pytest.mark.parametrize("change", ["set_password", "password_form", "admin"])
def test_a_password_change_ends_every_token(change, requester):
    tokens = [token_of("carol"), token_of("carol")]
    if change == "set_password":
        requester.set_password("kata-sandi-baru-123")
        requester.save()
    elif change == "password_form":
        form = PasswordChangeForm(requester, {"old_password": PASSWORD, "new_password1": "kata-sandi-baru-123",
                                              "new_password2": "kata-sandi-baru-123"})
        assert form.is_valid(), form.errors
        form.save()
    else:
        superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
        client = Client()
        client.force_login(superuser)
        response = client.post(f"/admin/auth/user/{requester.pk}/password/",
                               {"password1": "kata-sandi-baru-123", "password2": "kata-sandi-baru-123",
                                "usable_password": "true"})
        assert response.status_code == 302, response.content

    assert not any(works(t) for t in tokens)
    assert works(token_of("carol", "kata-sandi-baru-123"))


def test_other_changes_to_the_user_keep_the_tokens(requester):
    token = token_of("carol")
    requester.email = "carol@dinkes.example.test"
    requester.save()
    assert works(token)


def test_a_token_that_is_not_utf8_is_refused_not_a_crash(requester):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token \xff\xfe")
    response = client.get("/api/v1/access-requests/")
    assert response.status_code == 401
