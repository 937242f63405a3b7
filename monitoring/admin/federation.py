"""Admin for the register of SPLP connections (national SPLP, other Pemda) and the national exports, through
monitoring.federation. Dinas administrators only, like the whole admin; the agreement is downloaded through an
admin view, never from a public URL; an export is a POST that records it and answers with the zip."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy as _

from directory.admin_base import AuditEventInline, ScopedAdminMixin, admin_access, stored_file_response
from directory.choices import ClassificationChoices
from directory.models import ApiService

from .. import governance
from ..federation import services, wso2
from ..models import NationalExport, SplpConnection
from .governance import checked_pdf

EXPORT = _("Export to the national SPLP (WSO2)")


def change_summary(export: NationalExport) -> str:
    changes = export.changes
    if changes.get("first"):
        return gettext("First export")
    parts = []
    if changes.get("version"):
        parts.append(gettext("version %(before)s → %(after)s") % dict(zip(("before", "after"), changes["version"],
                                                                          strict=True)))
    if changes.get("endpoint"):
        parts.append(gettext("endpoint changed to %(url)s") % {"url": changes["endpoint"][1]})
    if changes.get("context"):
        parts.append(gettext("context changed to %(context)s") % {"context": changes["context"][1]})
    if changes.get("added"):
        parts.append(gettext("operations added: %(ops)s") % {"ops": ", ".join(changes["added"])})
    if changes.get("removed"):
        parts.append(gettext("operations removed: %(ops)s") % {"ops": ", ".join(changes["removed"])})
    return "; ".join(parts) or gettext("No change")


def _zip_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class SplpConnectionForm(forms.ModelForm):
    # Not the model's fields: the services check and store the agreement, and mark each API (audited).
    upload = forms.FileField(label=_("Agreement document"), required=False,
                             help_text=_("PDF, as signed (the cooperation agreement or its minutes)."))
    published = forms.ModelMultipleChoiceField(
        label=_("APIs published there"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=ApiService.objects.filter(is_listed=True).exclude(classification=ClassificationChoices.RAHASIA),
    )

    class Meta:
        model = SplpConnection
        fields = ("kind", "name", "endpoint", "tenant", "notes", "is_active")
        # An endpoint typed without a scheme is https (the services refuse plain http outside the intranet).
        field_classes = {"endpoint": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["published"].initial = list(self.instance.published_services.values_list("pk", flat=True))

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"]
        refusal = services.endpoint_refusal(endpoint)
        if refusal:
            raise ValidationError(refusal)
        return endpoint

    def clean(self):
        cleaned = super().clean()
        marked = set(self.instance.published_services.all()) if self.instance.pk else set()
        if not cleaned.get("is_active", True) and set(cleaned.get("published") or []) - marked:
            self.add_error("published", gettext("This connection is not active."))
        return cleaned

    def clean_upload(self):
        return checked_pdf(self.cleaned_data.get("upload"))


@admin.register(SplpConnection)
class SplpConnectionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    admin_permissions = frozenset({"view", "add", "change"})
    form = SplpConnectionForm
    list_display = ("name", "kind", "endpoint", "tenant", "outward_count", "last_export", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "endpoint", "tenant")
    readonly_fields = ("download", "outward", "inward", "last_export", "history", "created_by", "created_at")
    actions = ["export_action"]
    inlines = [AuditEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("published_services")

    def get_fields(self, request, obj=None):
        fields = ["kind", "name", "endpoint", "tenant", "notes", "is_active", "published", "upload"]
        if obj is None:
            return fields
        return [*fields, "download", "outward", "inward", "last_export", "history", "created_by", "created_at"]

    @admin.display(description=_("APIs published there"))
    def outward_count(self, obj):
        return len(obj.published_services.all())

    @admin.display(description=_("Agreement document"))
    def download(self, obj):
        if not obj.agreement:
            return "–"
        url = reverse("admin:monitoring_splpconnection_agreement", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.agreement_name)

    @admin.display(description=_("Outward: APIs published there"))
    def outward(self, obj):
        rows = [(s.name, reverse("admin:monitoring_splpconnection_export_one", args=[obj.pk, s.pk]), EXPORT)
                for s in obj.published_services.order_by("name")]
        if not rows:
            return "–"
        return format_html('<ul>{}</ul><a class="button" href="{}">{}</a>',
                           format_html_join("", '<li>{} <a href="{}">{}</a></li>', rows),
                           reverse("admin:monitoring_splpconnection_export", args=[obj.pk]), EXPORT)

    @admin.display(description=_("Inward: APIs registered here whose upstream is on its host"))
    def inward(self, obj):
        rows = []
        for version, check in services.inward_versions(obj):
            if check is None:
                health = gettext("not checked yet")
            else:
                health = (gettext("up") if check.ok else gettext("down")) + timezone.localtime(
                    check.checked_at).strftime(" (%Y-%m-%d %H:%M)")
            rows.append((str(version), version.upstream_base_url, health))
        if not rows:
            return "–"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} – {} – {}</li>", rows))

    @admin.display(description=_("last export"))
    def last_export(self, obj):
        export = services.last_export(obj) if obj.pk else None
        if export is None:
            return "–"
        return f"{timezone.localtime(export.exported_at):%Y-%m-%d %H:%M} – {export.api_version}"

    @admin.display(description=_("Export history"))
    def history(self, obj):
        url = reverse("admin:monitoring_nationalexport_changelist") + f"?connection__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("Export history"))

    # -- saving through the services -------------------------------------------------------------

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("kind", "name", "endpoint", "tenant", "notes")}
        upload = form.cleaned_data.get("upload")
        if change:
            connection = services.connection_update(actor=request.user, connection=obj, uploaded_file=upload,
                                                    is_active=form.cleaned_data["is_active"], **data)
        else:
            connection = services.connection_register(actor=request.user, uploaded_file=upload, **data)
            obj.pk, obj._state.adding, obj._state.db = connection.pk, False, connection._state.db
        wanted = set(form.cleaned_data["published"])
        marked = set(connection.published_services.all())
        for service in wanted ^ marked:
            services.national_publication_mark(actor=request.user, connection=connection, service=service,
                                               publish=service in wanted)

    def save_related(self, request, form, formsets, change):
        # The marks were set by save_model through the service; audit rows are never edited inline.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # -- export and download ---------------------------------------------------------------------

    @admin.action(description=EXPORT)
    def export_action(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Choose one connection to export."), messages.WARNING)
            return None
        return self._export(request, queryset.get(), None)

    def _export(self, request, connection, only):
        try:
            exports, data = services.national_export(actor=request.user, connection=connection, services=only)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return None
        stamp = timezone.localtime(exports[0].exported_at).strftime("%Y%m%d-%H%M")
        return _zip_response(data, f"wso2-{connection.pk}-{stamp}.zip")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/export/", wrap(self.export_view), name="monitoring_splpconnection_export"),
            path("<path:object_id>/export/<int:service_id>/", wrap(self.export_view),
                 name="monitoring_splpconnection_export_one"),
            path("<int:object_id>/agreement/", wrap(self.agreement_download),
                 name="monitoring_splpconnection_agreement"),
            *super().get_urls(),
        ]

    def export_view(self, request, object_id, service_id=None):
        if not admin_access(request).is_admin:
            raise PermissionDenied
        connection = self.get_object(request, unquote(object_id))
        marked = connection.published_services.order_by("name")
        chosen = [get_object_or_404(marked, pk=service_id)] if service_id else None
        if request.method == "POST":
            response = self._export(request, connection, chosen)
            if response is not None:
                return response
        request.current_app = self.admin_site.name
        context = {**self.admin_site.each_context(request), "title": EXPORT, "opts": self.opts,
                   "original": connection, "services": chosen or list(marked)}
        return TemplateResponse(request, "admin/monitoring/splpconnection/export_confirm.html", context)

    def agreement_download(self, request, object_id):
        connection = get_object_or_404(SplpConnection, pk=object_id)
        return stored_file_response(request, connection.agreement, filename=connection.agreement_name,
                                    content_type=governance.PDF)


@admin.register(NationalExport)
class NationalExportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The export history: recorded by the export only, never changed or deleted."""

    admin_permissions = frozenset({"view"})
    list_display = ("exported_at", "connection", "api_version", "exported_by", "summary", "download")
    list_filter = ("connection",)
    list_select_related = ("connection", "api_version__service", "exported_by")
    fields = ("connection", "api_version", "exported_at", "exported_by", "summary", "download", "api_yaml_sha256",
              "manifest")
    readonly_fields = fields

    @admin.display(description=_("changes since the previous export"))
    def summary(self, obj):
        return change_summary(obj)

    @admin.display(description=_("project files"))
    def download(self, obj):
        if not obj.project:  # exported before the files were kept
            return "–"
        url = reverse("admin:monitoring_nationalexport_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        return [
            path("<int:object_id>/download/", self.admin_site.admin_view(self.download_view),
                 name="monitoring_nationalexport_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        if not admin_access(request).is_admin:
            raise PermissionDenied
        export = get_object_or_404(NationalExport.objects.exclude(project={}), pk=object_id)
        data = wso2.archive({path: text.encode() for path, text in export.project.items()})
        stamp = timezone.localtime(export.exported_at).strftime("%Y%m%d-%H%M")
        return _zip_response(data, f"wso2-{export.connection_id}-{stamp}-{export.api_version.version}.zip")
