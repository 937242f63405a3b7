"""Monitoring's part of `manage.py seed_demo`: one personal data incident, notified within 3 x 24 hours, so the
register, its clock and the Monev report's section have something to show. Run on directory's ``demo_seeded``
signal (directory never imports monitoring); idempotent like the rest of the demo."""

import datetime

from django.dispatch import receiver
from django.utils import timezone

from directory.demo import demo_seeded
from directory.models import ApiService

from .incidents import incident_mark_notified, incident_record
from .models import PersonalDataIncident

DEMO_INCIDENT = {
    "summary": "Tangkapan layar respons API Data Kependudukan berisi NIK beredar di grup percakapan",
    "data_affected": "NIK, nama lengkap, tanggal lahir, dan alamat 12 penduduk yang tercantum dalam satu tangkapan "
                     "layar respons API Data Kependudukan.",
    "cause": "Seorang operator aplikasi Dinas Kesehatan menyimpan tangkapan layar respons API untuk melaporkan "
             "kendala, lalu membagikannya di grup percakapan antarinstansi. Ditemukan oleh Diskominfo saat "
             "pengawasan penggunaan layanan.",
    "steps_taken": "Pesan dihapus dari grup dan seluruh anggota diminta menghapus salinannya; kunci API Dinas "
                   "Kesehatan dirotasi; operator dan atasannya dibina tentang penanganan data pribadi; pelaporan "
                   "kendala kini memakai nomor permintaan (request ID), bukan tangkapan layar.",
    "notification": "Surat pemberitahuan kepada 12 subjek data pribadi (diantar langsung melalui kelurahan) dan "
                    "kepada lembaga penyelenggara pelindungan data pribadi (melalui surel resmi), memuat data "
                    "yang terungkap, waktu dan cara terungkapnya, serta upaya penanganan dan pemulihan.",
    "service": "data-kependudukan",
    "organizations": ("dinkes", "disdukcapil"),
    "found_hours_ago": 30,
}


@receiver(demo_seeded, dispatch_uid="monitoring.demo.seed_incident")
def seed_incident(sender, *, report, organizations, users, **kwargs):
    if PersonalDataIncident.objects.filter(summary=DEMO_INCIDENT["summary"]).exists():
        report.count("incidents", False)
        return
    admin = users["admin"]
    incident = incident_record(
        actor=admin, found_at=timezone.now() - datetime.timedelta(hours=DEMO_INCIDENT["found_hours_ago"]),
        summary=DEMO_INCIDENT["summary"], data_affected=DEMO_INCIDENT["data_affected"],
        cause=DEMO_INCIDENT["cause"], steps_taken=DEMO_INCIDENT["steps_taken"],
        services=list(ApiService.objects.filter(slug=DEMO_INCIDENT["service"])),
        organizations=[organizations[code] for code in DEMO_INCIDENT["organizations"]],
    )
    # Notified 30 hours after it was found: well within the 3 x 24 hours.
    incident_mark_notified(actor=admin, incident=incident, note=DEMO_INCIDENT["notification"])
    report.count("incidents", True)
