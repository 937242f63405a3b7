"""Admin for Pasal 8: supervision findings, the coaching/supervision activity register (with evidence
files and follow-ups), the Dinas' Pasal 8 and 9 rules. Dinas administrators only, like the whole admin
(ScopedAdminMixin). Every change goes through monitoring.findings /
monitoring.activities / monitoring.rules; evidence is downloaded through an admin view, never from a public URL."""

import json

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from directory.admin_base import (
    AuditEventInline,
    ReadOnlyInlineMixin,
    RolePermissionMixin,
    ScopedAdminMixin,
    SeededRowsAdminMixin,
    WorkflowAction,
    WorkflowAdminMixin,
    stored_file_response,
)
from splp.timezones import format_local

from .. import activities, findings, rules
from ..models import (
    Activity,
    ActivityEvidence,
    ActivityFollowUp,
    Finding,
    FindingStatusChoices as FS,
    FollowUpStatusChoices as FU,
    MonevRules,
)

FOLLOW_UP = WorkflowAction(
    "follow_up", pgettext_lazy("monitoring-pasal8", "Mark as followed up"),
    lambda actor, obj, text: findings.finding_follow_up(actor=actor, finding=obj, note=text),
    text_label=pgettext_lazy("monitoring-pasal8", "Follow-up note"), text_required=True, states=(FS.OPEN,),
)


@admin.register(Finding)
class FindingAdmin(ScopedAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    """Read-only: findings come from the log; the Dinas only marks them followed up, with a note."""

    workflow_actions = (FOLLOW_UP,)
    list_display = ("period", "kind", "organization", "service", "count", "status", "followed_up_at")
    list_filter = ("kind", "status", ("organization", RelatedOnlyFieldListFilter), "period_end")
    list_select_related = ("organization", "service")
    search_fields = ("organization__name", "organization__code", "service__name", "follow_up_note")
    date_hierarchy = "period_end"
    fields = (
        "kind", "organization", "service", "grant", "period_start", "period_end", "count", "detail_text",
        "detected_at", "status", "followed_up_by", "followed_up_at", "follow_up_note",
    )
    readonly_fields = fields
    inlines = [AuditEventInline]

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "Period"), ordering="period_end")
    def period(self, obj):
        # One zone for both ends: the column stays narrow enough for the list to fit at 1366 px.
        start = timezone.localtime(obj.period_start, timezone.get_default_timezone())
        return f"{start:%d/%m/%Y %H:%M} – {format_local(obj.period_end, 'd/m/Y H:i')}"

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "Detail"))
    def detail_text(self, obj):
        return "; ".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in sorted(obj.detail.items()))


# -- Activities -------------------------------------------------------------------------------------


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ("kind", "date", "title", "organizations", "participants", "notes")


class EvidenceUploadForm(forms.ModelForm):
    class Meta:
        model = ActivityEvidence
        fields = ("file",)
        labels = {"file": pgettext_lazy("monitoring-pasal8", "New evidence file")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].required = False
        self.fields["file"].help_text = _(
            "PDF, PNG, JPG, DOCX, XLSX or ODT (minutes, attendance list, photos, materials)."
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                activities.evidence_check(upload)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict.get("file", exc.messages)) from None
        return upload


class EvidenceInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The evidence on file, each downloadable by administrators only."""

    model = ActivityEvidence
    fields = ("download", "size_text", "content_type", "uploaded_by", "uploaded_at")

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "File"))
    def download(self, obj):
        url = reverse("admin:monitoring_activity_evidence", args=[obj.activity_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "Size"))
    def size_text(self, obj):
        return filesizeformat(obj.size)


class EvidenceUploadInline(RolePermissionMixin, admin.TabularInline):
    """Upload rows only; the files are checked and stored by activity_evidence_add."""

    model = ActivityEvidence
    form = EvidenceUploadForm
    fields = ("file",)
    admin_permissions = frozenset({"view", "add"})
    extra = 1
    can_delete = False
    verbose_name = pgettext_lazy("monitoring-pasal8", "evidence file to add")
    verbose_name_plural = pgettext_lazy("monitoring-pasal8", "Add evidence")

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class FollowUpForm(forms.ModelForm):
    mark_done = forms.BooleanField(label=pgettext_lazy("monitoring-pasal8", "Mark as done"), required=False)

    class Meta:
        model = ActivityFollowUp
        fields = ("description", "organization", "due_date")
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A recorded follow-up is not rewritten; it can only be marked done.
            for name in ("description", "organization", "due_date"):
                self.fields[name].disabled = True
            if self.instance.status != FU.OPEN:
                self.fields["mark_done"].disabled = True
        else:
            self.fields["mark_done"].disabled = True


class FollowUpInline(RolePermissionMixin, admin.TabularInline):
    model = ActivityFollowUp
    form = FollowUpForm
    fields = ("description", "organization", "due_date", "status", "done_at", "mark_done")
    readonly_fields = ("status", "done_at")
    admin_permissions = frozenset({"view", "add", "change"})
    extra = 1
    can_delete = False


class Pasal8Filter(admin.SimpleListFilter):
    title = pgettext_lazy("monitoring-pasal8", "Pasal 8 category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return rules.ActivityCategoryChoices.choices

    def queryset(self, request, queryset):
        kinds = rules.CATEGORY_KINDS.get(self.value())
        return queryset.filter(kind__in=kinds) if kinds else queryset


@admin.register(Activity)
class ActivityAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The Pasal 8 register: recorded and corrected through the services; never deleted (it is proof)."""

    admin_permissions = frozenset({"view", "add", "change"})
    form = ActivityForm
    list_display = ("date", "kind", "title", "organization_list", "evidence_count", "open_follow_ups")
    list_filter = ("kind", Pasal8Filter, "date")
    search_fields = ("title", "participants", "notes")
    date_hierarchy = "date"
    filter_horizontal = ("organizations",)
    inlines = [EvidenceInline, EvidenceUploadInline, FollowUpInline, AuditEventInline]
    change_list_template = "admin/monitoring/activity/change_list.html"

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .prefetch_related("organizations")
            .annotate(
                n_evidence=Count("evidence", distinct=True),
                n_open=Count("follow_ups", filter=Q(follow_ups__status=FU.OPEN), distinct=True),
            )
        )

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "Organisations"))
    def organization_list(self, obj):
        return ", ".join(sorted(o.code for o in obj.organizations.all()))

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "Evidence"), ordering="n_evidence")
    def evidence_count(self, obj):
        return obj.n_evidence

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "Open follow-ups"), ordering="n_open")
    def open_follow_ups(self, obj):
        return obj.n_open

    def changelist_view(self, request, extra_context=None):
        year = timezone.localdate().year
        monev_rules = rules.current()
        extra_context = {**(extra_context or {}), "pasal8": rules.pasal8_status(year=year, rules=monev_rules),
                         "pasal9": rules.pasal9_status(year=year, rules=monev_rules),
                         "categories": rules.ActivityCategoryChoices.labels}
        return super().changelist_view(request, extra_context)

    # -- saving through the services -------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("kind", "date", "title", "participants", "notes")}
        data["organizations"] = list(form.cleaned_data["organizations"])
        if change:
            activities.activity_update(actor=request.user, activity=obj, **data)
            return
        activity = activities.activity_record(actor=request.user, **data)
        # The admin carries on with its own instance (inlines, messages, redirect): make it the saved row.
        obj.pk, obj.created_by_id, obj.created_at = activity.pk, activity.created_by_id, activity.created_at
        obj._state.adding, obj._state.db = False, activity._state.db

    def save_related(self, request, form, formsets, change):
        # The organisations were set by the service; inline rows go through the services too.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        activity = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if issubclass(formset.form, EvidenceUploadForm):
            for row in formset.forms:
                upload = row.cleaned_data.get("file") if row.has_changed() else None
                if upload:
                    formset.new_objects.append(
                        activities.activity_evidence_add(actor=request.user, activity=activity, uploaded_file=upload)
                    )
        elif issubclass(formset.form, FollowUpForm):
            for row in formset.forms:
                if not row.has_changed():
                    continue
                if row.instance.pk is None:
                    formset.new_objects.append(activities.activity_follow_up_add(
                        actor=request.user, activity=activity, description=row.cleaned_data.get("description"),
                        organization=row.cleaned_data.get("organization"), due_date=row.cleaned_data.get("due_date"),
                    ))
                elif row.cleaned_data.get("mark_done"):
                    done = activities.activity_follow_up_complete(actor=request.user, follow_up=row.instance)
                    formset.changed_objects.append((done, ["status"]))

    # -- evidence downloads ----------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.evidence_download)
        return [
            path("<int:object_id>/evidence/<int:evidence_id>/", view, name="monitoring_activity_evidence"),
            *super().get_urls(),
        ]

    def evidence_download(self, request, object_id, evidence_id):
        evidence = get_object_or_404(ActivityEvidence, pk=evidence_id, activity_id=object_id)
        return stored_file_response(request, evidence.file, filename=evidence.original_name,
                                    content_type=evidence.content_type)


@admin.register(MonevRules)
class MonevRulesAdmin(SeededRowsAdminMixin, admin.ModelAdmin):
    """The Dinas' Pasal 8 and 9 targets and thresholds: one seeded row, edited by administrators through the
    service, which audits the old and new values."""

    editable = rules.RULE_FIELDS
    list_display = ("__str__", *rules.RULE_FIELDS, "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    fields = (*rules.RULE_FIELDS, "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")
    inlines = [AuditEventInline]

    def update_row(self, actor, obj, values):
        rules.monev_rules_update(actor=actor, rules=obj, **values)
