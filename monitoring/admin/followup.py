"""Tindak lanjut rekomendasi: the Dinas assigns each recommendation of a final Monev report an owner
organisation and a due date and records its follow-up, through monitoring.monev.followup's service."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.text import Truncator
from django.utils.translation import pgettext_lazy

from directory.admin_base import AuditEventInline, ScopedAdminMixin

from ..models import MonevRecommendation, RecommendationStatusChoices
from ..monev import followup

CTX = "monitoring-report"


class MonevRecommendationForm(forms.ModelForm):
    class Meta:
        model = MonevRecommendation
        fields = ("owner", "due_date", "status", "note")
        widgets = {"due_date": AdminDateWidget, "note": forms.Textarea(attrs={"rows": 4, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" not in self.fields:  # a read-only view
            return
        # Only the statuses the current one may become (the service has the last word).
        allowed = followup.TRANSITIONS[RecommendationStatusChoices(self.instance.status)]
        self.fields["status"].choices = [(value, label) for value, label in RecommendationStatusChoices.choices
                                         if value in allowed]


@admin.register(MonevRecommendation)
class MonevRecommendationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Items are created when a report is finalised (never added by hand) and kept as evidence."""

    admin_permissions = frozenset({"view", "change"})
    form = MonevRecommendationForm
    # The recommendation's text gets the room; the report is named by its period (its title is long).
    list_display = ("report_period", "position", "summary", "owner", "due_date", "status", "updated_at")
    list_display_links = ("position", "summary")
    list_filter = ("status", ("owner", RelatedOnlyFieldListFilter), "report")
    list_select_related = ("report", "owner")
    search_fields = ("text", "note", "owner__name")
    info_fields = ("report", "position", "text", "updated_by", "updated_at")
    fields = ("report", "position", "text", "owner", "due_date", "status", "note", "updated_by", "updated_at")
    inlines = [AuditEventInline]

    @admin.display(description=pgettext_lazy(CTX, "report period"), ordering="report__period_end")
    def report_period(self, obj):
        return f"{obj.report.period_start:%d/%m/%Y} – {obj.report.period_end:%d/%m/%Y}"

    @admin.display(description=pgettext_lazy(CTX, "recommendation"))
    def summary(self, obj):
        return Truncator(obj.text).chars(120)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A closed item (done or dropped) is the evidence the next report shows: it opens read-only.
        if obj is not None and not followup.TRANSITIONS[obj.status]:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.info_fields

    def save_model(self, request, obj, form, change):
        try:
            followup.monev_recommendation_update(
                actor=request.user, item=obj, owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"], status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
