"""The schedule of the periodic jobs (django-celery-beat) is data the Dinas edits: open it to administrators by
membership, like the rest of the admin, instead of Django model permissions."""

from django.contrib import admin
from django_celery_beat import admin as beat_admin, models as beat_models

from directory.admin_base import MANAGE, RolePermissionMixin

for _model, _model_admin in (
    (beat_models.PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (beat_models.CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (beat_models.IntervalSchedule, admin.ModelAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(
        _model, type(f"{_model.__name__}Admin", (RolePermissionMixin, _model_admin), {"admin_permissions": MANAGE})
    )
