from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import ApiOperation, ApiVersion, Organization

from .choices import AccessRequestStatusChoices


class AccessRequest(models.Model):
    """A Pasal 7 application: requester -> administrator decision -> publisher grant."""

    requester = models.ForeignKey(
        Organization, verbose_name=_("perangkat daerah pemohon"), on_delete=models.PROTECT,
        related_name="access_requests",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pemohon"), on_delete=models.PROTECT, related_name="+"
    )
    api_version = models.ForeignKey(
        ApiVersion, verbose_name=_("API"), on_delete=models.PROTECT, related_name="access_requests"
    )
    all_operations = models.BooleanField(_("semua operasi"), default=True)
    operations = models.ManyToManyField(ApiOperation, verbose_name=_("operasi yang diminta"), blank=True)
    purpose = models.TextField(_("tujuan penggunaan"))
    legal_basis = models.TextField(_("dasar hukum"))
    period_start = models.DateField(_("mulai"))
    period_end = models.DateField(_("berakhir"))
    expected_daily_volume = models.PositiveIntegerField(_("perkiraan volume per hari"))
    status = models.CharField(
        _("status"), max_length=20, choices=AccessRequestStatusChoices.choices,
        default=AccessRequestStatusChoices.SUBMITTED, db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diputuskan oleh"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("waktu keputusan"), null=True, blank=True)
    decision_reason = models.TextField(_("alasan keputusan"), blank=True)
    created_at = models.DateTimeField(_("diajukan"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    class Meta:
        verbose_name = _("permohonan akses")
        verbose_name_plural = _("permohonan akses")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return _("Permohonan #%(id)s %(org)s -> %(api)s") % {
            "id": self.pk, "org": self.requester.code, "api": self.api_version.service.slug,
        }


class PendingAccessRequest(AccessRequest):
    """Admin queue: requests waiting for the administrator's decision."""

    class Meta:
        proxy = True
        verbose_name = _("permohonan menunggu keputusan")
        verbose_name_plural = _("permohonan menunggu keputusan")


class Grant(models.Model):
    """The access the publisher gave; the bus enforces it."""

    access_request = models.OneToOneField(
        AccessRequest, verbose_name=_("permohonan"), on_delete=models.PROTECT, related_name="grant"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("perangkat daerah"), on_delete=models.PROTECT, related_name="grants"
    )
    api_version = models.ForeignKey(
        ApiVersion, verbose_name=_("versi API"), on_delete=models.PROTECT, related_name="grants"
    )
    all_operations = models.BooleanField(_("semua operasi"), default=True)
    operations = models.ManyToManyField(ApiOperation, verbose_name=_("operasi yang diizinkan"), blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("batas per menit"), default=60)
    rate_limit_per_day = models.PositiveIntegerField(_("batas per hari"), default=10000)
    ip_allowlist = models.TextField(
        _("daftar IP yang diizinkan"), blank=True, help_text=_("Satu alamat/CIDR per baris; kosong = semua.")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diberikan oleh"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("diberikan"), auto_now_add=True)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("hak akses")
        verbose_name_plural = _("hak akses")
        ordering = ["-granted_at"]

    def __str__(self):
        return _("Hak akses %(org)s -> %(api)s") % {"org": self.organization.code, "api": self.api_version}

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class ApiKey(models.Model):
    """Stored as SHA-256 of the secret with a public prefix for lookup; the secret is shown once."""

    grant = models.ForeignKey(Grant, verbose_name=_("hak akses"), on_delete=models.PROTECT, related_name="keys")
    prefix = models.CharField(_("prefiks"), max_length=16, unique=True)
    key_hash = models.CharField(_("hash"), max_length=64)
    # Encrypted secret kept only until the requester reveals it once; then emptied.
    pending_secret = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    revealed_at = models.DateTimeField(_("ditampilkan"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kedaluwarsa"))
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("kunci API")
        verbose_name_plural = _("kunci API")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}…"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()
