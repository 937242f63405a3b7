"""splp.mail: one rendering (the Pemda's prefix and language), and "send once" with one failure behaviour: a
send that fails releases its claim, so the next run sends the mail (nothing lost)."""

import datetime

import pytest
from django.core import mail as outbox
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext_noop as N_

from splp import mail
from splp.models import MailClaim, Pemda

pytestmark = pytest.mark.django_db

SUMMARY = {"subject": N_("Usage summary %(month)s"), "subject_args": {"month": "10/2026"},
           "template": "emails/usage_summary.txt"}


@pytest.fixture
def pemda():
    return Pemda.objects.create(name="Kota Baubau", dinas_name="Dinas Kominfo", domain="splp.baubaukota.go.id",
                                logo_text="SPLP")


@pytest.fixture
def failing_server(monkeypatch):
    """The mail server refuses the next send."""
    real_send = EmailMessage.send
    calls = []

    def send(message, fail_silently=False):
        calls.append(message)
        if len(calls) == 1:
            raise ConnectionRefusedError("mail server down")
        return real_send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send)


def test_send_renders_in_the_pemda_language_with_its_prefix_and_context(pemda):
    with translation.override("en"):  # the request's language does not decide the mail's
        context = {"rows": [], "month": datetime.date(2026, 10, 1)}
        assert mail.send(to=["b@example.test", "a@example.test"], context=context, **SUMMARY) == 1
    [message] = outbox.outbox
    assert message.subject == "[SPLP Kota Baubau] Ringkasan penggunaan 10/2026"
    assert "Penggunaan SPLP Kota Baubau" in message.body
    assert message.to == ["b@example.test", "a@example.test"]


def test_send_without_addresses_sends_nothing(pemda):
    assert mail.send(to=[], context={"rows": []}, **SUMMARY) == 0
    assert outbox.outbox == []


def test_send_once_sends_once_per_key(pemda):
    context = {"rows": [], "month": datetime.date(2026, 10, 1)}
    assert mail.send_once("usage_summary", "2026-10", to=["a@example.test"], context=context, **SUMMARY)
    assert not mail.send_once("usage_summary", "2026-10", to=["a@example.test"], context=context, **SUMMARY)
    assert mail.send_once("usage_summary", "2026-11", to=["a@example.test"], context=context, **SUMMARY)
    assert len(outbox.outbox) == 2
    claim = MailClaim.objects.get(kind="usage_summary", key="2026-10")
    assert claim.recipients == 1 and claim.sent_at is not None


def test_a_failed_send_is_sent_by_the_next_run(pemda, failing_server):
    context = {"rows": [], "month": datetime.date(2026, 10, 1)}
    with pytest.raises(ConnectionRefusedError):
        mail.send_once("usage_summary", "2026-10", to=["a@example.test"], context=context, **SUMMARY)
    assert outbox.outbox == [] and not MailClaim.objects.exists()
    assert mail.send_once("usage_summary", "2026-10", to=["a@example.test"], context=context, **SUMMARY)
    assert len(outbox.outbox) == 1


def test_one_failure_among_many_messages_resends_them_all_next_run(pemda, failing_server):
    messages = {address: {"rows": []} for address in ("a@example.test", "b@example.test")}
    with pytest.raises(ConnectionRefusedError):
        mail.send_each_once("usage_summary", "2026-10", messages, **SUMMARY)
    assert not MailClaim.objects.exists()
    assert mail.send_each_once("usage_summary", "2026-10", messages, **SUMMARY) == 2
    assert mail.send_each_once("usage_summary", "2026-10", messages, **SUMMARY) == 0
    assert sorted(m.to[0] for m in outbox.outbox) == ["a@example.test", "b@example.test"]


def test_a_claim_left_unsent_by_a_killed_process_is_taken_over_once_stale(pemda):
    context = {"rows": []}
    claimed = timezone.now() - mail.STALE_CLAIM + datetime.timedelta(minutes=5)
    MailClaim.objects.create(kind="usage_summary", key="2026-10", claimed_at=claimed)
    assert not mail.send_once("usage_summary", "2026-10", to=["a@example.test"], context=context, **SUMMARY)
    MailClaim.objects.update(claimed_at=claimed - datetime.timedelta(minutes=10))
    assert mail.send_once("usage_summary", "2026-10", to=["a@example.test"], context=context, **SUMMARY)
    assert len(outbox.outbox) == 1


def test_nobody_to_send_to_claims_nothing(pemda):
    assert not mail.send_once("usage_summary", "2026-10", to=[], context={"rows": []}, **SUMMARY)
    assert not MailClaim.objects.exists()
