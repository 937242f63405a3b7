"""The request log and its hash-chained batches: evidence, read-only in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from directory.admin_base import ScopedAdminMixin

from ..models import LogBatch, RequestLog


@admin.register(RequestLog)
class RequestLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: the log is evidence (Pasal 9)."""

    list_display = ("time", "organization", "service", "method", "path", "status", "upstream_status",
                    "latency_ms", "error_code")
    list_filter = ("status", "error_code", ("service", admin.RelatedOnlyFieldListFilter),
                   ("organization", admin.RelatedOnlyFieldListFilter), "time")
    search_fields = ("request_id", "path", "key_prefix")
    date_hierarchy = "time"
    list_select_related = ("organization", "service")
    show_full_result_count = False  # counting millions of rows on every page is the slow part

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(LogBatch)
class LogBatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "row_count", "short_hash")
    readonly_fields = ("created_at", "row_count", "prev_hash", "hash")

    @admin.display(description=_("hash"))
    def short_hash(self, obj):
        return obj.hash[:16]
