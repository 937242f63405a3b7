"""Admin of the personal data incident register (UU 27/2022 Pasal 46), for Dinas administrators only, like
the whole admin (ScopedAdminMixin). Recording, correcting, the notification
and closing go through monitoring.incidents; the register is never deleted (it is proof)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import pgettext_lazy

from directory.admin_base import AuditEventInline, ScopedAdminMixin, WorkflowAction, WorkflowAdminMixin
from splp.timezones import format_local

from .. import incidents
from ..models import IncidentStatusChoices as IS, PersonalDataIncident

CTX = "monitoring-privacy"

NOTIFY = WorkflowAction(
    "notify", pgettext_lazy(CTX, "Record the notification"),
    lambda actor, obj, text: incidents.incident_mark_notified(actor=actor, incident=obj, note=text),
    text_label=pgettext_lazy(CTX, "Notification sent: to the data subjects and the authority, how, letter number"),
    text_required=True, states=(IS.OPEN,),
)
CLOSE = WorkflowAction(
    "close", pgettext_lazy(CTX, "Close the incident"),
    lambda actor, obj, text: incidents.incident_close(actor=actor, incident=obj, note=text),
    text_label=pgettext_lazy(CTX, "Closing note"), states=(IS.NOTIFIED,),
)
DETAIL_FIELDS = ("summary", "services", "organizations", "data_affected", "cause", "steps_taken")
TEXTAREA = forms.Textarea(attrs={"rows": 3, "cols": 80})


class PersonalDataIncidentForm(forms.ModelForm):
    class Meta:
        model = PersonalDataIncident
        fields = ("found_at", *DETAIL_FIELDS)
        widgets = {"data_affected": TEXTAREA, "cause": TEXTAREA, "steps_taken": TEXTAREA}
        help_texts = {
            "found_at": pgettext_lazy(CTX, "The 3 x 24 hour deadline for notifying runs from this moment."),
            "data_affected": pgettext_lazy(CTX, "Which personal data, of whom, how many records."),
        }

    def clean_found_at(self):
        found_at = self.cleaned_data.get("found_at")
        if found_at is not None:
            try:
                incidents.check_found_at(found_at)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["found_at"]) from None
        return found_at


@admin.register(PersonalDataIncident)
class PersonalDataIncidentAdmin(ScopedAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    admin_permissions = frozenset({"view", "add", "change"})
    workflow_actions = (NOTIFY, CLOSE)
    form = PersonalDataIncidentForm
    list_display = ("found_local", "summary", "status", "deadline_local", "clock", "notified_local")
    list_filter = ("status", "found_at")
    search_fields = ("summary", "data_affected")
    date_hierarchy = "found_at"
    filter_horizontal = ("services", "organizations")
    inlines = [AuditEventInline]
    change_list_template = "admin/monitoring/personaldataincident/change_list.html"
    readonly_fields = ("status", "deadline_local", "clock", "recorded_by", "recorded_at", "notified_at",
                       "notification_note", "closed_at", "closing_note")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("found_at", *DETAIL_FIELDS)})]
        return [
            (None, {"fields": ("found_at", "deadline_local", "clock", "status", *DETAIL_FIELDS)}),
            (pgettext_lazy(CTX, "Notification and closing"), {"fields": (
                "notified_at", "notification_note", "closed_at", "closing_note", "recorded_by", "recorded_at")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # found_at is what the deadline counts from: never moved once recorded.
        return () if obj is None else (*self.readonly_fields, "found_at")

    def has_change_permission(self, request, obj=None):
        # A closed incident is final: its page is read-only.
        return super().has_change_permission(request, obj) and not (obj is not None and obj.status == IS.CLOSED)

    # -- the clock -------------------------------------------------------------------------------

    @admin.display(description=pgettext_lazy(CTX, "Found"), ordering="found_at")
    def found_local(self, obj):
        return format_local(obj.found_at)

    @admin.display(description=pgettext_lazy(CTX, "Notification deadline"), ordering="found_at")
    def deadline_local(self, obj):
        return format_local(incidents.notification_deadline(obj))

    @admin.display(description=pgettext_lazy(CTX, "Notified on"), ordering="notified_at")
    def notified_local(self, obj):
        return format_local(obj.notified_at) or "–"

    @admin.display(description=pgettext_lazy(CTX, "Deadline"))
    def clock(self, obj):
        clock = incidents.incident_clock(obj)
        colour = {"running": "#8a5a00", "overdue": "#b00020", "late": "#b00020", "on_time": "#1b6e20"}[clock.state]
        return format_html('<strong class="incident-clock incident-{}" style="color:{}">{}</strong>',
                           clock.state, colour, clock.text)

    # -- saving through the services -------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in DETAIL_FIELDS}
        data["services"], data["organizations"] = list(data["services"] or []), list(data["organizations"] or [])
        if change:
            incidents.incident_update(actor=request.user, incident=obj, **data)
            return
        incident = incidents.incident_record(actor=request.user, found_at=form.cleaned_data["found_at"], **data)
        # The admin carries on with its own instance (messages, redirect): make it the saved row.
        obj.pk, obj.recorded_by_id, obj.recorded_at = incident.pk, incident.recorded_by_id, incident.recorded_at
        obj._state.adding, obj._state.db = False, incident._state.db

    def save_related(self, request, form, formsets, change):
        # The services set the APIs and organisations; the audit inline is read-only: nothing saved here.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
