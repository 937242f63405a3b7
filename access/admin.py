from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy as _, pgettext_lazy

from directory.admin_base import (
    AuditEventInline,
    ReadOnlyInlineMixin,
    ReviewSection,
    ScopedAdminMixin,
    SeededRowsAdminMixin,
    WorkflowAction,
    WorkflowAdminMixin,
    admin_access,
)
from directory.audit_trail import audit_sentence, with_actor_organisations
from directory.choices import ApiVersionStatusChoices
from directory.models import ApiVersion, Organization
from splp.audit import AuditAction, audit_events_for

from . import policy as rules, services
from .choices import WAITING_FOR_ADMINISTRATOR, AccessRequestStatusChoices as S
from .forms import AccessRequestOnBehalfForm
from .models import AccessRequest, ApiKey, ClassificationPolicy, Grant, PendingAccessRequest
from .policy import POLICY_FIELDS

APPROVE = WorkflowAction(
    "approve", pgettext_lazy("admin", "Approve"),
    lambda actor, obj, text: services.access_request_approve(actor=actor, access_request=obj, reason=text),
    text_label=pgettext_lazy("admin", "Reason"), states=WAITING_FOR_ADMINISTRATOR, tone="approve",
)
REJECT = WorkflowAction(
    "reject", pgettext_lazy("admin", "Reject"),
    lambda actor, obj, text: services.access_request_reject(actor=actor, access_request=obj, reason=text),
    text_label=pgettext_lazy("admin", "Reason"), text_required=True, states=WAITING_FOR_ADMINISTRATOR,
    tone="refuse",
)
REQUEST_CHANGES = WorkflowAction(
    "request_changes", pgettext_lazy("admin", "Request changes"),
    lambda actor, obj, text: services.access_request_request_changes(actor=actor, access_request=obj, note=text),
    text_label=pgettext_lazy("admin", "Note for the requester"), text_required=True,
    states=WAITING_FOR_ADMINISTRATOR, tone="revise",
)
REVOKE = WorkflowAction(
    "revoke", pgettext_lazy("admin", "Revoke access"),
    lambda actor, obj, text: services.access_request_revoke(actor=actor, access_request=obj, reason=text),
    text_label=pgettext_lazy("admin", "Reason"), text_required=True, states=(S.GRANTED,),
)

ACCESS_REQUEST_FIELDS = (
    "requester", "applicant", "letter_reference", "created_at", "api_version", "owner", "all_operations",
    "operations", "purpose", "legal_basis", "period_start", "period_end", "expected_daily_volume", "status",
    "first_approved_by", "first_approved_at", "changes_note", "decided_by", "decided_at", "decision_reason",
    "decline_reason", "updated_at",
)


@admin.register(AccessRequest)
class AccessRequestAdmin(ScopedAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    """Read-only; the decision is taken through the actions, which call the Pasal 7 services."""

    workflow_actions = (APPROVE, REQUEST_CHANGES, REJECT, REVOKE)
    # The title says who asks for what in words; applicant and letter stay searchable and on the record.
    list_display = ("__str__", "owner", "status", "created_at", "decided_at")
    list_filter = (
        "status",
        ("requester", RelatedOnlyFieldListFilter),
        ("api_version__service__owner", RelatedOnlyFieldListFilter),
        "created_at",
        "decided_at",
    )
    list_select_related = ("requester", "api_version__service__owner")
    search_fields = (
        "requester__name", "requester__code", "api_version__service__name", "api_version__service__slug",
        "applicant__username", "purpose", "letter_reference",
    )
    fieldsets = (
        # Summarised above the record (review_sections): the full fields fold away.
        (pgettext_lazy("admin", "Applicant"), {"classes": ("collapse",), "fields": (
            "requester", "applicant", "letter_reference", "created_at",
        )}),
        (pgettext_lazy("admin", "Requested access"), {"classes": ("collapse",), "fields": (
            "api_version", "owner", "all_operations", "operations", "purpose", "legal_basis", "period_start",
            "period_end", "expected_daily_volume",
        )}),
        (pgettext_lazy("admin", "Decision"), {"fields": (
            "status", "first_approved_by", "first_approved_at", "changes_note", "decided_by", "decided_at",
            "decision_reason", "decline_reason", "updated_at",
        )}),
    )
    readonly_fields = ACCESS_REQUEST_FIELDS
    inlines = [AuditEventInline]
    change_list_template = "admin/access/accessrequest/change_list.html"

    @admin.display(description=_("Owner"), ordering="api_version__service__owner__name")
    def owner(self, obj):
        return obj.api_version.service.owner

    def review_sections(self, request, obj):
        """What the administrator weighs for Pasal 7b, above the record: who asks and why, for what data."""
        field = AccessRequest._meta.get_field
        service = obj.api_version.service
        operations = (gettext("All operations") if obj.all_operations else
                      "\n".join(str(op) for op in obj.operations.order_by("path", "method")))
        request_rows = (
            (field("requester").verbose_name, obj.requester.name),
            (field("applicant").verbose_name, obj.applicant.get_full_name() or obj.applicant.get_username()),
            (field("letter_reference").verbose_name, obj.letter_reference),
            (field("purpose").verbose_name, obj.purpose),
            (field("legal_basis").verbose_name, obj.legal_basis),
            (gettext("Period"), f"{obj.period_start:%d/%m/%Y} – {obj.period_end:%d/%m/%Y}"),
            (field("expected_daily_volume").verbose_name, gettext("%(calls)s calls a day") % {
                "calls": f"{obj.expected_daily_volume:,}".replace(",", ".")}),
            (field("operations").verbose_name, operations),
        )
        yes_no = {True: gettext("Yes"), False: gettext("No")}
        data_rows = (
            (gettext("API"), str(obj.api_version)),
            (_("Owner"), service.owner.name),
            (service._meta.get_field("classification").verbose_name, service.get_classification_display()),
            (service._meta.get_field("has_personal_data").verbose_name, yes_no[service.has_personal_data]),
            (service._meta.get_field("legal_basis").verbose_name, service.legal_basis),
            (field("status").verbose_name, obj.get_status_display()),
            (field("first_approved_by").verbose_name, obj.first_approved_by or ""),
        )
        sections = [ReviewSection(pgettext_lazy("admin", "The request"), rows=request_rows),
                    ReviewSection(pgettext_lazy("admin", "The data asked for"), rows=data_rows)]
        rounds = self._change_rounds(obj)
        if rounds:
            sections.append(ReviewSection(pgettext_lazy("admin", "History of changes requested"), rows=rounds))
        return sections

    @staticmethod
    def _change_rounds(obj):
        """Every "request changes" note and what the requester changed in answer, oldest first: whoever decides a
        resubmitted request sees what was asked and what was done."""
        events = with_actor_organisations(audit_events_for(obj).filter(
            Q(action=AuditAction.REQUEST_CHANGES) | Q(action=AuditAction.SUBMIT, old_state=S.CHANGES_REQUESTED)
        )).order_by("created_at", "id")
        rows = []
        for event in events:
            if event.action == AuditAction.REQUEST_CHANGES:
                rows.append((audit_sentence(event), event.reason))
                continue
            changed = [str(AccessRequest._meta.get_field(name).verbose_name) for name in event.data.get("new", {})]
            rows.append((audit_sentence(event), gettext("Changed: %(fields)s.") % {"fields": ", ".join(changed)}
                         if changed else gettext("Submitted again without changes.")))
        return rows

    def get_urls(self):
        view = self.admin_site.admin_view(self.on_behalf_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_on_behalf"
        return [path("on-behalf/", view, name=name), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_record_on_behalf": admin_access(request).is_admin}
        return super().changelist_view(request, extra_context)

    def on_behalf_view(self, request):
        """"Catat permohonan atas nama Perangkat Daerah": an administrator records an organisation's application
        (Pasal 7a) from its official letter, for any published API, rahasia included."""
        if not admin_access(request).is_admin:
            raise PermissionDenied
        form = AccessRequestOnBehalfForm(
            request.POST or None, requesters=Organization.objects.order_by("name"),
            versions=ApiVersion.objects.filter(status=ApiVersionStatusChoices.PUBLISHED).select_related(
                "service").order_by("service__name", "id"),
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                access_request = services.access_request_submit(
                    actor=request.user, requester=data["requester"], api_version=data["api_version"],
                    purpose=data["purpose"], legal_basis=data["legal_basis"], period_start=data["period_start"],
                    period_end=data["period_end"], expected_daily_volume=data["expected_daily_volume"],
                    operations=list(data["operations"]), letter_reference=data["letter_reference"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, gettext(
                    "The request of %(org)s is recorded; its requester operators are told. Another administrator "
                    "decides on it.") % {"org": access_request.requester.name})
                return HttpResponseRedirect(reverse(
                    f"admin:{self.opts.app_label}_accessrequest_change", args=[access_request.pk],
                    current_app=self.admin_site.name))
        second_approval = [policy.get_classification_display().lower() for policy in rules.policies().values()
                           if policy.require_second_approval]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Record a request on behalf of a Perangkat Daerah"),
            "opts": self.opts,
            "form": form,
            "second_approval": ", ".join(second_approval),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/access/accessrequest/on_behalf.html", context)


class WaitingStatusFilter(admin.SimpleListFilter):
    """The queue's statuses only (the field's filter would offer every status, each giving an empty list)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, S(status).label) for status in WAITING_FOR_ADMINISTRATOR]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(PendingAccessRequest)
class PendingAccessRequestAdmin(AccessRequestAdmin):
    """The administrator's queue (Pasal 7b): requests waiting for a decision, oldest first; those with one
    approval wait for a second administrator (the status and the first approver say so)."""

    workflow_actions = (APPROVE, REQUEST_CHANGES, REJECT)
    list_display = ("__str__", "status", "first_approved_by", "period", "created_at")
    list_select_related = (*AccessRequestAdmin.list_select_related, "first_approved_by")
    list_filter = (
        WaitingStatusFilter,
        ("requester", RelatedOnlyFieldListFilter),
        ("api_version__service__owner", RelatedOnlyFieldListFilter),
        "created_at",
    )
    ordering = ("created_at", "id")

    @admin.display(description=_("Period"), ordering="period_start")
    def period(self, obj):
        return f"{obj.period_start:%d/%m/%Y} – {obj.period_end:%d/%m/%Y}"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status__in=WAITING_FOR_ADMINISTRATOR)


@admin.register(ClassificationPolicy)
class ClassificationPolicyAdmin(SeededRowsAdminMixin, admin.ModelAdmin):
    """The Dinas's rules per classification: one seeded row each, edited by administrators through the
    service, which audits the old and new values."""

    editable = POLICY_FIELDS
    list_display = ("classification", *POLICY_FIELDS, "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    fields = ("classification", *POLICY_FIELDS, "updated_by", "updated_at")
    readonly_fields = ("classification", "updated_by", "updated_at")
    inlines = [AuditEventInline]

    def update_row(self, actor, obj, values):
        services.classification_policy_update(actor=actor, policy=obj, **values)


class ApiKeyInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ApiKey
    # Never the hash or the pending secret.
    fields = ("prefix", "created_at", "revealed_at", "expires_at", "revoked_at")


@admin.register(Grant)
class GrantAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "id", "organization", "api_version", "rate_limit_per_minute", "rate_limit_per_day", "granted_at",
        "expires_at", "revoked_at", "is_active",
    )
    list_filter = (
        ("organization", RelatedOnlyFieldListFilter),
        ("api_version__service__owner", RelatedOnlyFieldListFilter),
        "expires_at",
        "revoked_at",
    )
    list_select_related = ("organization", "api_version__service")
    search_fields = ("organization__name", "organization__code", "api_version__service__name")
    fields = (
        "access_request", "organization", "api_version", "all_operations", "operations", "rate_limit_per_minute",
        "rate_limit_per_day", "ip_allowlist", "granted_by", "granted_at", "expires_at", "revoked_at", "is_active",
    )
    readonly_fields = fields
    inlines = [ApiKeyInline, AuditEventInline]

    @admin.display(description=_("Active"), boolean=True)
    def is_active(self, obj):
        return obj.is_active


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("prefix", "organization", "api_version", "created_at", "revealed_at", "expires_at", "revoked_at")
    list_filter = (("grant__organization", RelatedOnlyFieldListFilter), "expires_at", "revoked_at")
    list_select_related = ("grant__organization", "grant__api_version__service")
    search_fields = ("prefix", "grant__organization__name", "grant__api_version__service__name")
    # Never the hash or the pending secret.
    fields = ("prefix", "grant", "created_by", "created_at", "revealed_at", "expires_at", "revoked_at")
    readonly_fields = fields
    inlines = [AuditEventInline]

    @admin.display(description=_("Organisation"), ordering="grant__organization__name")
    def organization(self, obj):
        return obj.grant.organization

    @admin.display(description=_("API"), ordering="grant__api_version__service__name")
    def api_version(self, obj):
        return obj.grant.api_version
