"""Admin for the policy and SOP register (SPBE indicator 7): documents registered and corrected, reviews
recorded, through monitoring.governance. Dinas administrators only, like the whole admin
(ScopedAdminMixin); the PDFs are downloaded through admin views, never from a public URL."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy

from directory.admin_base import (
    AuditEventInline,
    ReadOnlyInlineMixin,
    ScopedAdminMixin,
    admin_access,
    stored_file_response,
)
from splp.uploads import KeepUploadsMixin

from .. import governance
from ..models import PolicyDocument, PolicyReview, PolicyReviewOutcomeChoices

PDF_HELP = pgettext_lazy("monitoring-pasal8", "PDF, as signed and published.")
RECORD_REVIEW = pgettext_lazy("monitoring-pasal8", "Record a review")


def checked_pdf(upload):
    """A form field's PDF, checked as the register stores it (the service's message on the field)."""
    if upload:
        try:
            governance.pdf_check(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("file", exc.messages)) from None
    return upload


class PolicyDocumentForm(forms.ModelForm):
    # Not the model's field: the service checks and stores the file, under a random name.
    upload = forms.FileField(label=pgettext_lazy("monitoring-pasal8", "File"), help_text=PDF_HELP)

    class Meta:
        model = PolicyDocument
        fields = ("kind", "title", "number", "issued_on", "owner", "review_cycle_months",
                  "regulates_national_connection", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["upload"].required = False
            self.fields["upload"].label = pgettext_lazy("monitoring-pasal8", "Replace the file")

    def clean_upload(self):
        return checked_pdf(self.cleaned_data.get("upload"))


class PolicyReviewForm(KeepUploadsMixin, forms.Form):
    reviewed_on = forms.DateField(label=pgettext_lazy("monitoring-pasal8", "reviewed on"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    outcome = forms.ChoiceField(label=pgettext_lazy("monitoring-pasal8", "outcome"),
                                choices=PolicyReviewOutcomeChoices.choices)
    findings = forms.CharField(label=pgettext_lazy("monitoring-pasal8", "findings"),
                               widget=forms.Textarea(attrs={"rows": 6, "cols": 60}))
    file = forms.FileField(label=pgettext_lazy("monitoring-pasal8", "Review report"), required=False,
                           help_text=pgettext_lazy("monitoring-pasal8", "PDF, optional (minutes, review report)."))

    def clean_file(self):
        return checked_pdf(self.cleaned_data.get("file"))


class PolicyReviewInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The reviews on record, oldest last; recorded only through "Record a review"."""

    model = PolicyReview
    fields = ("reviewed_on", "outcome", "findings", "download", "recorded_by", "recorded_at")

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "File"))
    def download(self, obj):
        if not obj.file:
            return "–"
        url = reverse("admin:monitoring_policydocument_review_file", args=[obj.document_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.file_name)


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The register: documents registered and corrected through the services; never deleted (it is proof)."""

    admin_permissions = frozenset({"view", "add", "change"})
    form = PolicyDocumentForm
    list_display = ("number", "title", "kind", "issued_on", "owner", "next_review", "is_active", "review_link")
    list_filter = ("kind", "is_active", "owner")
    list_select_related = ("owner",)
    search_fields = ("title", "number")
    readonly_fields = ("download", "next_review", "review_link", "created_by", "created_at")
    inlines = [PolicyReviewInline, AuditEventInline]

    def get_fields(self, request, obj=None):
        fields = ["kind", "title", "number", "issued_on", "owner", "review_cycle_months",
                  "regulates_national_connection", "is_active"]
        if obj is None:
            return [*fields, "upload"]
        return [*fields, "download", "upload", "next_review", "review_link", "created_by", "created_at"]

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "next review"), ordering="next_review_date")
    def next_review(self, obj):
        if obj.pk is None:
            return "–"
        today = timezone.localdate()
        text = formats.date_format(obj.next_review_date, "DATE_FORMAT")
        if not obj.is_active:
            return text
        if obj.next_review_date < today:
            return format_html('<strong style="color:#ba2121">{} ({})</strong>', text,
                               pgettext_lazy("monitoring-pasal8", "overdue"))
        if obj.next_review_date <= today + governance.DUE_WITHIN:
            return format_html('<strong>{} ({})</strong>', text, pgettext_lazy("monitoring-pasal8", "due soon"))
        return text

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "File"))
    def download(self, obj):
        url = reverse("admin:monitoring_policydocument_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.file_name)

    @admin.display(description=pgettext_lazy("monitoring-pasal8", "Review"))
    def review_link(self, obj):
        if obj.pk is None:
            return "–"
        url = reverse("admin:monitoring_policydocument_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, RECORD_REVIEW)

    # -- saving through the services -------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name]
                for name in ("kind", "title", "number", "issued_on", "owner", "review_cycle_months",
                             "regulates_national_connection")}
        upload = form.cleaned_data.get("upload")
        if change:
            governance.document_update(actor=request.user, document=obj, is_active=form.cleaned_data["is_active"],
                                       uploaded_file=upload, **data)
            return
        document = governance.document_register(actor=request.user, uploaded_file=upload, **data)
        # The admin carries on with its own instance (inlines, messages, redirect): make it the saved row.
        obj.pk, obj._state.adding, obj._state.db = document.pk, False, document._state.db

    def save_related(self, request, form, formsets, change):
        # Nothing is edited inline: reviews are recorded on their own page (the change message reads these).
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # -- the review page and the downloads -------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/review/", wrap(self.review_view), name="monitoring_policydocument_review"),
            path("<int:object_id>/file/", wrap(self.file_download), name="monitoring_policydocument_file"),
            path("<int:object_id>/reviews/<int:review_id>/file/", wrap(self.review_file_download),
                 name="monitoring_policydocument_review_file"),
            *super().get_urls(),
        ]

    def review_view(self, request, object_id):
        if not admin_access(request).is_admin:
            raise PermissionDenied
        document = self.get_object(request, unquote(object_id))
        form = PolicyReviewForm(request.POST or None, request.FILES or None,
                                initial={"reviewed_on": timezone.localdate()}, upload_owner=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                governance.review_record(
                    actor=request.user, document=document, reviewed_on=form.cleaned_data["reviewed_on"],
                    findings=form.cleaned_data["findings"], outcome=form.cleaned_data["outcome"],
                    uploaded_file=form.cleaned_data.get("file"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                document.refresh_from_db()
                messages.success(request, gettext("Review recorded; the next review is due on %(date)s.") % {
                    "date": formats.date_format(document.next_review_date, "DATE_FORMAT")})
                return HttpResponseRedirect(reverse("admin:monitoring_policydocument_change", args=[document.pk]))
        request.current_app = self.admin_site.name
        context = {**self.admin_site.each_context(request), "title": RECORD_REVIEW, "opts": self.opts,
                   "original": document, "form": form}
        return TemplateResponse(request, "admin/monitoring/policydocument/review_form.html", context)

    def file_download(self, request, object_id):
        document = get_object_or_404(PolicyDocument, pk=object_id)
        return stored_file_response(request, document.file, filename=document.file_name, content_type=governance.PDF)

    def review_file_download(self, request, object_id, review_id):
        review = get_object_or_404(PolicyReview, pk=review_id, document_id=object_id)
        return stored_file_response(request, review.file, filename=review.file_name, content_type=governance.PDF)
