from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat_models

from directory.admin_base import MANAGE, RolePermissionMixin, ScopedAdminMixin

from .models import LogBatch, RequestLog


@admin.register(RequestLog)
class RequestLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: the log is evidence (Pasal 9); operators see the calls of their organisations."""

    publisher_scope = "service__owner"
    requester_scope = "organization"
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


# The schedule of the periodic jobs (django-celery-beat) is data the Dinas edits: open it to
# administrators by membership, like the rest of the admin, instead of Django model permissions.
for _model, _model_admin in (
    (beat_models.PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (beat_models.CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (beat_models.IntervalSchedule, admin.ModelAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(
        _model, type(f"{_model.__name__}Admin", (RolePermissionMixin, _model_admin), {"admin_permissions": MANAGE})
    )
from . import admin_pasal8  # noqa: E402,F401  (Pasal 8 registrations live beside their services)
from . import admin_privacy, admin_reports  # noqa: E402,F401
