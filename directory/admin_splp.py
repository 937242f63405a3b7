"""The admin of splp's records (the Pemda identity, the audit trail, the e-mails sent once): registered here,
as who may see them is decided by the directory's memberships (admin_base)."""

from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from knox.models import get_token_model

from splp.identity import format_nip
from splp.models import AuditEvent, MailClaim, Pemda

from . import pemda as services
from .admin_base import AuditEventInline, ScopedAdminMixin, stored_file_response
from .audit_trail import audit_sentence, audit_state_change, with_actor_organisations


@dataclass(frozen=True)
class _LinkedFile:
    name: str
    url: str

    def __str__(self):
        return self.name


class AdminFileInput(forms.ClearableFileInput):
    """The "currently" link points at an admin view (``url``): MEDIA_URL is never served."""

    def __init__(self, url, attrs=None):
        super().__init__(attrs)
        self.url = url

    def format_value(self, value):
        value = super().format_value(value)
        return _LinkedFile(value.name, self.url) if value else value


class PemdaForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown the way it is written on a document; stored as digits (the model drops the spaces).
        self.initial["kepala_dinas_nip"] = format_nip(self.initial.get("kepala_dinas_nip"))
        if self.instance.pk:
            self.fields["logo"].widget = AdminFileInput(reverse("admin:splp_pemda_logo", args=[self.instance.pk]))


@admin.register(Pemda)
class PemdaAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Administrators only; every add and change goes through the service, which audits it. No deletion: a
    former identity is kept inactive, as its audit history and the documents issued under it refer to it."""

    admin_permissions = frozenset({"view", "add", "change"})
    list_display = ("name", "dinas_name", "domain", "logo_text", "is_active")
    list_filter = ("is_active",)
    form = PemdaForm
    readonly_fields = ("logo_preview",)
    fieldsets = (
        (pgettext_lazy("admin", "Identity"), {"fields": ("name", "dinas_name", "domain", "logo_text", "is_active")}),
        (pgettext_lazy("admin", "Head of region"), {"fields": ("head_of_region_title", "head_of_region_name")}),
        (pgettext_lazy("admin", "Kepala Dinas"), {"fields": (
            "kepala_dinas_name", "kepala_dinas_rank", "kepala_dinas_nip", "dinas_address",
        )}),
        (pgettext_lazy("admin", "Official documents"), {"fields": (
            "logo", "logo_preview", "splp_regulation", "document_place",
        )}),
    )
    inlines = [AuditEventInline]

    @admin.display(description=_("Current logo"))
    def logo_preview(self, obj):
        if not obj.logo:
            return "-"
        url = reverse("admin:splp_pemda_logo", args=[obj.pk], current_app=self.admin_site.name)
        return format_html('<img src="{}" alt="{}" style="max-height: 96px; max-width: 240px;">', url, obj.name)

    def get_urls(self):
        view = self.admin_site.admin_view(self.logo_view)
        return [path("<int:object_id>/logo/", view, name="splp_pemda_logo"), *super().get_urls()]

    def logo_view(self, request, object_id):
        """The logo for the preview, shown inline."""
        pemda = get_object_or_404(Pemda, pk=object_id)
        # Only PNG or JPEG were accepted (splp.identity.validate_logo): the extension names the type.
        content_type = "image/png" if pemda.logo.name.lower().endswith(".png") else "image/jpeg"
        return stored_file_response(request, pemda.logo, content_type=content_type)

    def save_model(self, request, obj, form, change):
        # The form has validated the fields; the service applies them and writes the audit row.
        fields = {name: getattr(obj, name) for name in form.changed_data}
        if change:
            services.pemda_update(actor=request.user, pemda=obj, **fields)
        else:
            obj.pk = services.pemda_create(actor=request.user, **fields).pk


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Append-only: nobody adds, changes or deletes here, superusers included."""

    list_display = ("event", "target_link", "state_change", "short_reason")
    list_filter = ("action", ("content_type", RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("object_repr", "action", "reason", "actor__username")
    fields = (
        "event", "target_link", "state_change", "reason", "data",
    )
    readonly_fields = fields

    @admin.display(description=_("Object"), ordering="object_repr")
    def target_link(self, obj):
        ct = obj.content_type
        try:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[obj.object_id])
        except NoReverseMatch:
            return obj.object_repr
        return format_html('<a href="{}">{}</a>', url, obj.object_repr)

    def get_queryset(self, request):
        return with_actor_organisations(super().get_queryset(request))

    @admin.display(description=_("What happened"), ordering="created_at")
    def event(self, obj):
        return audit_sentence(obj)

    @admin.display(description=_("State change"))
    def state_change(self, obj):
        return audit_state_change(obj)

    @admin.display(description=_("Reason"))
    def short_reason(self, obj):
        return Truncator(obj.reason).chars(80)


@admin.register(MailClaim)
class MailClaimAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What reminders and summaries went out, once per period: evidence that the Dinas was reminded."""

    list_display = ("claimed_at", "kind", "key", "recipients", "sent_at")
    list_filter = ("kind", "claimed_at")
    search_fields = ("key",)
    readonly_fields = ("kind", "key", "claimed_at", "sent_at", "recipients")
    fields = readonly_fields


# django-rest-knox's admin would let an administrator mint an API token for any user, with no audit row: a
# way to act as a publisher. Tokens come only from the API's login (splp.api_auth) and end with logout, a
# password change or expiry.
admin.site.unregister(get_token_model())
