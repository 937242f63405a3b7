"""Monitoring's demo data, beyond what `manage.py seed_demo` loads in directory:

- one personal data incident, notified within 3 x 24 hours, so the register, its clock and the Monev report's
  section have something to show; seeded on directory's ``demo_seeded`` signal (directory never imports
  monitoring), idempotent like the rest of the demo;
- the policy and SOP register (SPBE indicator 7): the Pemda's SPLP regulation, as its record names it, and three
  SOPs of the Dinas, each with a placeholder PDF; the regulation with one review, one SOP overdue and one due
  within the month, so the highlight and the reminder have something to show; seeded on the same signal;
- the national SPLP connection (monitoring.federation): two open APIs marked for national publication and one
  export of them as WSO2 API Manager projects; seeded on the same signal when the allow-list admits its host;
- demo traffic (`manage.py demo_traffic`, run by `make run` after seed_demo): a granted access and a few real
  calls through the bus, so the request log, the identifier lookup and the dashboards have something to show.
  The calls carry NIKs; the log keeps only the operation and keyed hashes of them (UU 27/2022)."""

import datetime
import io
import json
import socket
import threading
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import setup_testing_defaults

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from access import services as access_services
from access.gateway import Gateway
from access.models import Grant
from directory.choices import ApiVersionStatusChoices
from directory.demo import ADMINISTRATOR_ORG, REQUESTER_ORG, SpecContext, demo_seeded
from directory.models import ApiService, ApiVersion, Organization
from splp.models import Pemda
from splp.presets import PEMDA_PRESETS

from .federation import services as federation
from .governance import document_register, document_update, review_record
from .incidents import incident_mark_notified, incident_record
from .logbuffer import build_buffer
from .models import (
    PersonalDataIncident,
    PolicyDocument,
    PolicyKindChoices as PK,
    PolicyReviewOutcomeChoices as PR,
    RequestLog,
    SplpConnection,
    SplpConnectionKindChoices,
)
from .services import request_log_drain

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
        report.count("Insiden data pribadi", False)
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
    report.count("Insiden data pribadi", True)


# (number, title, days since issued): one overdue for its yearly review, one due within the month, one recent.
DEMO_SOPS = [
    ("SOP-SPLP/01", "Standar Operasional Prosedur Registrasi API pada SPLP", 400),
    ("SOP-SPLP/02", "Standar Operasional Prosedur Permohonan Akses Layanan SPLP", 350),
    ("SOP-SPLP/03", "Standar Operasional Prosedur Penanganan Insiden SPLP", 100),
]
DEMO_REVIEW_FINDINGS = (
    "Reviu tahunan bersama Bagian Hukum: ketentuan jalur (bus), repositori metadata, direktori layanan, prosedur "
    "akses, pembinaan dan pengawasan, serta monitoring dan evaluasi masih sesuai dengan penyelenggaraan SPLP. "
    "Belum diperlukan perubahan; SOP teknis diselaraskan dengan standar interoperabilitas terbaru."
)


def _placeholder_pdf(name, *lines):
    """A one-page PDF saying it stands in for the signed document."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for row, line in enumerate((*lines, "Dokumen contoh (data demo), bukan dokumen resmi."), start=1):
        page.drawString(72, 800 - 20 * row, line[:95])
    page.save()
    return ContentFile(buffer.getvalue(), name=name)


@receiver(demo_seeded, dispatch_uid="monitoring.demo.seed_policy_register")
def seed_policy_register(sender, *, report, organizations, users, **kwargs):
    admin, owner, pemda = users["admin"], organizations[ADMINISTRATOR_ORG], report.pemda
    today = timezone.localdate()
    documents = []
    # "Peraturan Wali Kota Baubau Nomor 32 Tahun 2024 tentang Pengelolaan ...": number, then title.
    number, _sep, title = pemda.splp_regulation.partition(" tentang ")
    preset = next((p for p in PEMDA_PRESETS.values() if p["domain"] == pemda.domain), {})
    if number and title and preset.get("splp_regulation_issued"):
        documents.append((PK.REGULATION, number, title, datetime.date.fromisoformat(preset["splp_regulation_issued"])))
    documents += [(PK.SOP, f"{sop_number}/{(today - datetime.timedelta(days=age)).year}", sop_title,
                   today - datetime.timedelta(days=age)) for sop_number, sop_title, age in DEMO_SOPS]
    for kind, number, title, issued_on in documents:
        if PolicyDocument.objects.filter(kind=kind, title=title, number=number).exists():
            report.count("Dokumen kebijakan dan SOP", False)
            continue
        # The demo's one regulation follows the active Pemda (Perwali Baubau, Perbup Bungo): renamed, not doubled.
        regulation = PolicyDocument.objects.filter(kind=kind).first() if kind == PK.REGULATION else None
        upload = _placeholder_pdf(f"{number.replace('/', '-')}.pdf", number, title, pemda.dinas_name)
        if regulation is not None:
            document_update(
                actor=admin, document=regulation, kind=kind, title=title, number=number, issued_on=issued_on,
                owner=owner, review_cycle_months=regulation.review_cycle_months, is_active=regulation.is_active,
                regulates_national_connection=regulation.regulates_national_connection, uploaded_file=upload,
            )
            report.count("Dokumen kebijakan dan SOP", False)
            continue
        document = document_register(
            actor=admin, kind=kind, title=title, number=number, issued_on=issued_on, owner=owner,
            uploaded_file=upload,
        )
        report.count("Dokumen kebijakan dan SOP", True)
        if kind == PK.REGULATION:
            review_record(
                actor=admin, document=document, reviewed_on=max(issued_on, today - datetime.timedelta(days=60)),
                findings=DEMO_REVIEW_FINDINGS, outcome=PR.VALID,
                uploaded_file=_placeholder_pdf("berita-acara-reviu.pdf", f"Berita Acara Reviu {number}", title),
            )


DEMO_NATIONAL_SPLP = {"name": "SPLP Nasional", "endpoint": "https://splp.layanan.go.id"}
# Open APIs without personal data: what a Pemda would first publish nationally.
DEMO_NATIONAL_APIS = ["fasilitas-kesehatan", "indikator-pembangunan"]


@receiver(demo_seeded, dispatch_uid="monitoring.demo.seed_national_connection")
def seed_national_connection(sender, *, report, users, **kwargs):
    """The national SPLP connection, two published APIs marked for it and one export of them. Skipped when the
    endpoint is not on the upstream allow-list (production without SPLP_UPSTREAM_HOSTS): never forced."""
    if SplpConnection.objects.filter(name=DEMO_NATIONAL_SPLP["name"]).exists():
        report.count("Koneksi SPLP", False)
        return
    if federation.endpoint_refusal(DEMO_NATIONAL_SPLP["endpoint"]):
        return
    admin, pemda = users["admin"], report.pemda
    connection = federation.connection_register(
        actor=admin, kind=SplpConnectionKindChoices.NATIONAL, tenant=pemda.domain.partition(".")[2],
        notes="Koneksi ke SPLP Nasional (WSO2 API Manager); Pemda sebagai tenant.",
        uploaded_file=_placeholder_pdf("perjanjian-kerja-sama-splp-nasional.pdf",
                                       "Perjanjian Kerja Sama Pemanfaatan SPLP Nasional", pemda.dinas_name),
        **DEMO_NATIONAL_SPLP,
    )
    for service in ApiService.objects.filter(slug__in=DEMO_NATIONAL_APIS):
        federation.national_publication_mark(actor=admin, connection=connection, service=service, publish=True)
    federation.national_export(actor=admin, connection=connection)
    report.count("Koneksi SPLP", True)


DEMO_GRANT = {
    "service": "data-kependudukan",
    "purpose": "Verifikasi identitas pasien saat pendaftaran di puskesmas dan rumah sakit daerah.",
    "legal_basis": "Permendagri 102/2019 tentang Pemberian Hak Akses dan Pemanfaatan Data Kependudukan.",
    "expected_daily_volume": 500,
    "days": 180,
}
# (method, path, NIK serial, query): a puskesmas' system looking patients up (SpecContext.nik makes the NIKs).
DEMO_CALLS = [
    ("GET", "/v1/penduduk/{nik}", 1203, ""),
    ("GET", "/v1/penduduk/{nik}", 2417, ""),
    ("GET", "/v1/penduduk/{nik}", 1203, "kolom=nama_lengkap"),
    ("POST", "/v1/verifikasi-nik", 3042, ""),
    ("GET", "/v1/penduduk/{nik}", 1203, ""),
]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # the bus keeps its upstream connections alive: one thread each


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def demo_upstream_served():
    """Serve the demo upstreams at SPLP_DEMO_UPSTREAM_BASE while nothing else does (`make run` seeds before its
    server starts); when the SPLP already answers there, use it."""
    parts = urlsplit(settings.SPLP_DEMO_UPSTREAM_BASE)
    address = (parts.hostname, parts.port or 80)
    try:
        socket.create_connection(address, timeout=1).close()
    except OSError:
        server = make_server(*address, get_wsgi_application(), server_class=_ThreadingServer,
                             handler_class=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()
    else:
        yield


def _environ(method, path, query, body, key):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "RAW_URI": path + (f"?{query}" if query else ""),
               "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body)) if body else "", "HTTP_AUTHORIZATION": f"Bearer {key}"}
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    setup_testing_defaults(environ)
    return environ


def _demo_key(requester_org, api_version):
    """(grant, raw key): the demo grant, made through the Pasal 7 services the first time, else a new key."""
    users = get_user_model().objects
    requester, admin, publisher = (users.get(username=name) for name in ("requester", "admin", "publisher"))
    grant = Grant.objects.filter(organization=requester_org, api_version=api_version, revoked_at__isnull=True).first()
    if grant is not None:
        _key, raw = access_services.api_key_rotate(actor=requester, grant=grant)
        return grant, raw
    today = timezone.localdate()
    with transaction.atomic():
        request = access_services.access_request_submit(
            actor=requester, requester=requester_org, api_version=api_version, purpose=DEMO_GRANT["purpose"],
            legal_basis=DEMO_GRANT["legal_basis"], period_start=today,
            period_end=today + datetime.timedelta(days=DEMO_GRANT["days"]),
            expected_daily_volume=DEMO_GRANT["expected_daily_volume"],
        )
        access_services.access_request_approve(actor=admin, access_request=request,
                                               reason="Dasar hukum dan tujuan sesuai; data demo.")
        grant, key, _raw = access_services.access_request_grant(actor=publisher, access_request=request)
        return grant, access_services.api_key_reveal(actor=requester, api_key=key)


def demo_traffic():
    """Make the demo calls once (a demo grant whose calls are logged is left alone). Returns the bus' statuses
    of the calls made, [] when there was nothing to do."""
    requester_org = Organization.objects.get(code=REQUESTER_ORG)
    api_version = ApiVersion.objects.filter(service__slug=DEMO_GRANT["service"],
                                            status=ApiVersionStatusChoices.PUBLISHED).first()
    if api_version is None or RequestLog.objects.filter(
        organization=requester_org, api_version=api_version
    ).exists():
        return []
    _grant, raw = _demo_key(requester_org, api_version)
    pemda = Pemda.objects.filter(is_active=True).first()
    preset = next(p for p in PEMDA_PRESETS.values() if pemda is None or p["domain"] == pemda.domain)
    ctx = SpecContext(preset=preset, org_name=requester_org.name, org_email=requester_org.contact_email)
    gateway, statuses = Gateway(buffer_factory=build_buffer), []
    with demo_upstream_served():
        for method, template, serial, query in DEMO_CALLS:
            nik = ctx.nik(serial)
            body = json.dumps({"nik": nik, "nama_lengkap": "SITI CONTOH", "tanggal_lahir": "1990-01-01"}).encode()
            environ = _environ(method, f"/gateway/{DEMO_GRANT['service']}" + template.format(nik=nik), query,
                               body if method == "POST" else b"", raw)
            answer = gateway(environ, lambda status, headers, exc_info=None: statuses.append(int(status[:3])))
            try:
                b"".join(answer)
            finally:
                answer.close()
        gateway.buffer.flush()
    request_log_drain()
    return statuses
