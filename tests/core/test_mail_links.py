"""Links in e-mails lead to SITE_URL (`make run`: this server), else to the Pemda's own domain over https."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from monitoring.models import MonevReport, UsageRollup
from monitoring.monev import services as monev
from monitoring.usage import usage_summary_send
from splp.models import Pemda

from ..conftest import submit_request

DEV = "http://127.0.0.1:8104"


@pytest.fixture
def baubau(db):
    return Pemda.objects.create(name="Kota Baubau", dinas_name="Diskominfo Kota Baubau",
                                domain="splp.baubaukota.go.id", logo_text="SPLP Baubau")


def links(body):
    return [word for word in body.split() if "://" in word]


def submit(requester, requester_org, published_version, capture):
    with capture(execute=True):
        submit_request(requester, requester_org, published_version)
    [message] = mail.outbox
    return message


def test_notification_links_to_site_url(settings, baubau, requester, requester_org, published_version, admin_user,
                                        django_capture_on_commit_callbacks):
    settings.SITE_URL = DEV
    message = submit(requester, requester_org, published_version, django_capture_on_commit_callbacks)
    assert links(message.body) == [DEV]


def test_without_site_url_links_use_the_pemda_domain(settings, baubau, requester, requester_org, published_version,
                                                     admin_user, django_capture_on_commit_callbacks):
    settings.SITE_URL = ""
    message = submit(requester, requester_org, published_version, django_capture_on_commit_callbacks)
    assert links(message.body) == ["https://splp.baubaukota.go.id"]


def test_usage_summary_links_to_the_dashboard_at_site_url(settings, baubau, service, admin_user):
    settings.SITE_URL = DEV
    UsageRollup.objects.create(hour=timezone.make_aware(datetime.datetime(2026, 10, 15, 10)), service=service,
                               calls=3, latency_histogram=[0] * 15)
    with time_machine.travel(datetime.datetime(2026, 11, 1, 6, tzinfo=timezone.get_current_timezone())):
        usage_summary_send()
    assert {link for message in mail.outbox for link in links(message.body)} == {f"{DEV}/pemantauan/"}


def test_report_ready_mail_links_to_the_report_in_the_admin(settings, baubau, admin_user,
                                                            django_capture_on_commit_callbacks):
    settings.SITE_URL = DEV
    with time_machine.travel(datetime.datetime(2026, 1, 2, 3, tzinfo=timezone.get_current_timezone())):
        with django_capture_on_commit_callbacks(execute=True):
            monev.generate_annual_monev_report_task()
    report = MonevReport.objects.get()
    [message] = mail.outbox
    assert links(message.body) == [f"{DEV}/admin/monitoring/monevreport/{report.pk}/change/"]
