"""Access's part of `manage.py seed_demo`: one request waiting in the queue "Permohonan menunggu keputusan".
Run on directory's ``demo_seeded`` signal (directory never imports access); idempotent like the rest of the demo."""

import datetime

from django.dispatch import receiver
from django.utils import timezone

from directory.choices import ApiVersionStatusChoices as S
from directory.demo import REQUESTER_ORG, demo_seeded
from directory.models import ApiVersion

from .models import AccessRequest
from .services import access_request_submit

DEMO_ACCESS_REQUEST = {
    "service": "indikator-pembangunan",
    "purpose": "Menyelaraskan target program kesehatan dengan indikator IPM dan angka harapan hidup di RKPD.",
    "legal_basis": "Perpres 39/2019 tentang Satu Data Indonesia.",
    "expected_daily_volume": 50,
    "days": 365,
}


@receiver(demo_seeded, dispatch_uid="access.demo.seed_access_request")
def seed_access_request(sender, *, report, organizations, users, **kwargs):
    requester_org = organizations[REQUESTER_ORG]
    service_slug = DEMO_ACCESS_REQUEST["service"]
    if AccessRequest.objects.filter(requester=requester_org, api_version__service__slug=service_slug).exists():
        report.count("Permohonan akses", False)
        return
    api_version = ApiVersion.objects.filter(service__slug=service_slug, status=S.PUBLISHED).first()
    if api_version is None:
        # Someone deprecated or retired the demo API: nothing left to request access to.
        return
    today = timezone.localdate()
    access_request_submit(
        actor=users["requester"], requester=requester_org, api_version=api_version,
        purpose=DEMO_ACCESS_REQUEST["purpose"], legal_basis=DEMO_ACCESS_REQUEST["legal_basis"],
        period_start=today, period_end=today + datetime.timedelta(days=DEMO_ACCESS_REQUEST["days"]),
        expected_daily_volume=DEMO_ACCESS_REQUEST["expected_daily_volume"],
    )
    report.count("Permohonan akses", True)
