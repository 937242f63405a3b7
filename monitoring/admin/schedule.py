"""The schedule of the periodic jobs (django-celery-beat) is data the Dinas edits: open it to administrators by
membership, like the rest of the admin, instead of Django model permissions.

django-celery-beat describes a crontab in English words (cron-descriptor has no Indonesian) and adds them
with an English "Translation:" label: those descriptions are left out; the cron fields' own help texts say
what each field means, in Indonesian (locale/admin)."""

from django.contrib import admin
from django_celery_beat import admin as beat_admin, models as beat_models

from directory.admin_base import MANAGE, RolePermissionMixin


class PeriodicTaskAdmin(RolePermissionMixin, beat_admin.PeriodicTaskAdmin):
    admin_permissions = MANAGE
    change_form_template = "admin/change_form.html"  # without the English "Translation:" script
    fieldsets = tuple(
        (name, {**options, "fields": tuple(f for f in options["fields"] if f != "crontab_translation")})
        for name, options in beat_admin.PeriodicTaskAdmin.fieldsets
    )
    readonly_fields = ("last_run_at",)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Skips the parent's English crontab descriptions (readable_crontabs).
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context)


class CrontabScheduleAdmin(RolePermissionMixin, beat_admin.CrontabScheduleAdmin):
    admin_permissions = MANAGE
    list_display = ("__str__",)
    fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ()


class IntervalScheduleAdmin(RolePermissionMixin, admin.ModelAdmin):
    admin_permissions = MANAGE


for _model, _model_admin in (
    (beat_models.PeriodicTask, PeriodicTaskAdmin),
    (beat_models.CrontabSchedule, CrontabScheduleAdmin),
    (beat_models.IntervalSchedule, IntervalScheduleAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)
