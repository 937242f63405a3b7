import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from monitoring.models import UsageRollup
from monitoring.usage import usage_summary_send
from splp.models import MailClaim


def test_monthly_summary_once_per_month_scoped_per_recipient(service, admin_user, publisher, outsider):
    hour = timezone.make_aware(datetime.datetime(2026, 10, 15, 10))
    UsageRollup.objects.create(hour=hour, service=service, calls=120, status_2xx=100, status_5xx=5,
                               refused_401=10, refused_429=5, latency_histogram=[0] * 15)
    UsageRollup.objects.create(hour=hour.replace(month=9), service=service, calls=999, latency_histogram=[0] * 15)
    with time_machine.travel(datetime.datetime(2026, 11, 1, 6, tzinfo=timezone.get_current_timezone())):
        assert usage_summary_send() == 3  # administrator, the API's publisher, the outsider (a publisher too)
        assert usage_summary_send() == 0
    by_recipient = {m.to[0]: m for m in mail.outbox}
    admin_mail = by_recipient[admin_user.email]
    assert "Ringkasan penggunaan 10/2026" in admin_mail.subject
    assert "Data Penduduk: 120 panggilan, 5 galat layanan asal (5xx), 15 ditolak oleh bus" in admin_mail.body
    assert "999" not in admin_mail.body  # September is not October
    assert "Data Penduduk: 120" in by_recipient[publisher.email].body
    assert "Data Penduduk" not in by_recipient[outsider.email].body  # not its API
    assert MailClaim.objects.filter(kind="usage_summary", key="2026-10").count() == 1


def test_command_sends_once(service, admin_user):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_usage_summary", stdout=out)
    call_command("send_usage_summary", stdout=out)
    # The administrator and the API's publisher.
    assert out.getvalue().splitlines() == ["2 e-mails sent.", "Nothing sent (already sent for last month)."]


def test_a_month_whose_summary_failed_to_send_goes_out_on_the_next_run(service, admin_user, monkeypatch):
    from django.core.mail import EmailMessage

    def refuse(message, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with time_machine.travel(datetime.datetime(2026, 11, 1, 6, tzinfo=timezone.get_current_timezone())):
        with monkeypatch.context() as patch:
            patch.setattr(EmailMessage, "send", refuse)
            with pytest.raises(ConnectionRefusedError):
                usage_summary_send()
        assert mail.outbox == []
        assert usage_summary_send() == 2  # the administrator and the API's publisher, October not lost
    assert all("Ringkasan penggunaan 10/2026" in m.subject for m in mail.outbox)
