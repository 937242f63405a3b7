from django.db import models
from django.utils.translation import gettext_lazy as _


class LogBatch(models.Model):
    """One drained batch of request-log rows, chained to the previous batch by hash (tamper evidence)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("rows"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("log batch")
        verbose_name_plural = _("log batches")
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} ({self.row_count})"


class RequestLog(models.Model):
    """One call through the bus (Pasal 9 monitoring). No payloads: they may hold personal data."""

    batch = models.ForeignKey(LogBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="rows")
    request_id = models.CharField(_("request ID"), max_length=64, unique=True)
    time = models.DateTimeField(_("time"), db_index=True)
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("requesting organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    grant = models.ForeignKey(
        "access.Grant", verbose_name=_("grant"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "directory.ApiService", verbose_name=_("API"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    api_version = models.ForeignKey(
        "directory.ApiVersion", verbose_name=_("API version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    operation = models.ForeignKey(
        "directory.ApiOperation", verbose_name=_("operation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    key_prefix = models.CharField(_("key prefix"), max_length=16, blank=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=1000)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    status = models.PositiveSmallIntegerField(_("gateway status"))
    upstream_status = models.PositiveSmallIntegerField(_("upstream status"), null=True, blank=True)
    latency_ms = models.FloatField(_("total latency (ms)"))
    upstream_latency_ms = models.FloatField(_("upstream latency (ms)"), null=True, blank=True)
    bytes_in = models.PositiveBigIntegerField(_("bytes in"), default=0)
    bytes_out = models.PositiveBigIntegerField(_("bytes out"), default=0)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("request log")
        verbose_name_plural = _("request log")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["service", "time"]),
            models.Index(fields=["organization", "time"]),
            models.Index(fields=["status", "time"]),
        ]

    def __str__(self):
        return f"{self.request_id} {self.method} {self.path} {self.status}"
