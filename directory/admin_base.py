"""The admin for Dinas staff, shared by every app's ModelAdmins: membership-based permissions, read-only
inlines, workflow actions, the audit trail.

Permissions come from memberships (directory.selectors), not from Django model permissions: a Dinas
administrator works through the admin without being a superuser. Operators of the Perangkat Daerah work in
the portal; the admin site sends them there (monitoring.admin_site), and every ModelAdmin refuses them too.
Every state change goes through a service.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from splp.models import AuditEvent

from .audit_trail import audit_sentence, audit_state_change, with_actor_organisations
from .selectors import is_administrator

MANAGE = frozenset({"view", "add", "change", "delete"})


@dataclass(frozen=True)
class AdminAccess:
    is_admin: bool


def admin_access(request):
    """Whether the user is a Dinas administrator, computed once per request: every permission check asks."""
    access = getattr(request, "_splp_admin_access", None)
    if access is None:
        access = request._splp_admin_access = AdminAccess(is_admin=is_administrator(request.user))
    return access


def stored_file_response(request, field_file, *, content_type, filename=None):
    """A stored file (evidence, agreement, logo, archive) for an administrator: MEDIA_ROOT is never served, so
    the admin hands files out. Anyone else 403; no file, or one gone from storage, 404. With ``filename`` it
    downloads as an attachment, without it it shows inline."""
    if not admin_access(request).is_admin:
        raise PermissionDenied
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=filename is not None, filename=filename or "",
                        content_type=content_type)


class RolePermissionMixin:
    """Administrators get ``admin_permissions``; anyone else nothing."""

    admin_permissions = frozenset({"view"})

    def _allowed(self, request, permission):
        return admin_access(request).is_admin and permission in self.admin_permissions

    def has_module_permission(self, request):
        return self._allowed(request, "view")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view")

    def has_add_permission(self, request, obj=None):
        return self._allowed(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete")


class ScopedAdminMixin(RolePermissionMixin):
    """Used by every ModelAdmin: administrators only, and a missing object is a 404."""

    def get_object(self, request, object_id, from_field=None):
        # A missing object answers 404 (the admin would redirect to the index with a message).
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_actions(self, request):
        return super().get_actions(request) if admin_access(request).is_admin else {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and request.FILES and response.status_code == 200:
            # Re-rendered after a POST: the form was refused, and a browser never sends a file twice.
            names = ", ".join(upload.name for upload in request.FILES.values())
            messages.warning(request, gettext(
                "Nothing was saved, so the files you chose were not kept either: choose them again (%(names)s) "
                "after correcting the form."
            ) % {"names": names})
        return response


class SeededRowsAdminMixin(ScopedAdminMixin):
    """Settings rows a migration seeds and the Dinas edits (never adds or deletes): the admin only calls
    ``update_row(actor, obj, values)`` with the ``editable`` fields; a refusal becomes an error message."""

    admin_permissions = frozenset({"view", "change"})
    editable = ()

    def update_row(self, actor, obj, values):
        raise NotImplementedError

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            self.update_row(request.user, obj, {name: form.cleaned_data[name] for name in self.editable})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))


class ReadOnlyInlineMixin(RolePermissionMixin):
    """Rows shown with their parent, never edited here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class AuditEventInline(ReadOnlyInlineMixin, GenericTabularInline):
    """The audit history of the parent object, in sentences (audit_trail)."""

    model = AuditEvent
    fields = ("event", "state_change", "reason")
    classes = ("splp-audit",)
    verbose_name = _("audit event")
    verbose_name_plural = _("Audit history")

    @admin.display(description=_("What happened"))
    def event(self, obj):
        return audit_sentence(obj)

    @admin.display(description=_("State change"))
    def state_change(self, obj):
        return audit_state_change(obj)

    def get_queryset(self, request):
        return with_actor_organisations(super().get_queryset(request)).order_by("created_at", "id")


# The decision buttons' order and colours (templates/admin/base_site.html): yes first, no last.
TONES = ("approve", "revise", "refuse")


@dataclass(frozen=True)
class WorkflowAction:
    """A state change offered both as a bulk action and as a button on the change page.

    ``run(actor, obj, text)`` calls the service; ``text_label`` names the free-text field (a reason or a
    note), None for none. With ``date_label``, the page also asks for a date, passed as a fourth argument
    (``run(actor, obj, text, date)``). ``states`` only decides where the button shows: the service has the
    last word. A ``tone`` ("approve", "revise", "refuse") makes it one of the decision's large buttons on the
    change page, next to the reason box, instead of a link at the top. ``done`` says what happened
    ("%(object)s" is the object); without it the message names the object's new status.
    """

    name: str
    label: str
    run: Callable
    text_label: str | None = None
    text_required: bool = False
    date_label: str | None = None
    states: tuple = ()
    tone: str = ""
    done: str | None = None


@dataclass(frozen=True)
class ReviewSection:
    """A block of the decision page's summary: label/value rows, or ready HTML (a table)."""

    title: str
    rows: tuple = ()
    html: str = ""


class WorkflowForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))

    def __init__(self, workflow, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if workflow.date_label is not None:
            # Required or not, the service decides (and says why).
            self.fields["date"] = forms.DateField(label=workflow.date_label, required=False,
                                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        if workflow.text_label is None:
            del self.fields["text"]
            return
        field = self.fields["text"]
        field.label = workflow.text_label
        field.required = workflow.text_required
        field.error_messages["required"] = gettext("%(field)s is required.") % {"field": workflow.text_label}
        if not workflow.text_required:
            field.help_text = gettext("Optional.")


def _error_text(exc):
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


class WorkflowAdminMixin:
    """Turns ``workflow_actions`` into bulk actions and per-object pages; used with ScopedAdminMixin,
    which keeps both for administrators and answers 404 for missing objects."""

    workflow_actions = ()
    change_form_template = "admin/splp/workflow_change_form.html"

    def get_actions(self, request):
        actions = super().get_actions(request)
        for workflow in self.workflow_actions:
            actions[workflow.name] = (self._bulk_action(workflow), workflow.name, workflow.label)
        return actions

    def _bulk_action(self, workflow):
        def action(modeladmin, request, queryset):
            objects = list(queryset)
            self._report_vanished(request, objects)
            if not objects:
                return None
            return self._run_workflow(request, workflow, objects, bulk=True)

        return action

    def _report_vanished(self, request, objects):
        """Selected rows that left the list meanwhile: a queue drops what someone else has just decided."""
        if request.POST.get("select_across") == "1":
            return
        missing = set(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)) - {str(obj.pk) for obj in objects}
        if missing:
            messages.warning(
                request,
                ngettext(
                    "%(count)d selected item is no longer in this list (probably handled meanwhile); "
                    "it was skipped.",
                    "%(count)d selected items are no longer in this list (probably handled meanwhile); "
                    "they were skipped.",
                    len(missing),
                )
                % {"count": len(missing)},
            )

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_workflow"
        view = self.admin_site.admin_view(self.workflow_view)
        return [path("<path:object_id>/workflow/<slug:action>/", view, name=name), *super().get_urls()]

    def workflow_view(self, request, object_id, action):
        workflow = next((w for w in self.workflow_actions if w.name == action), None)
        if workflow is None:
            raise Http404
        if not admin_access(request).is_admin:
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        response = self._run_workflow(request, workflow, [obj], bulk=False)
        if response is not None:
            return response
        # A queue drops the object once decided: go back to the queue then.
        if self.get_queryset(request).filter(pk=obj.pk).exists():
            url_name, args = "change", [obj.pk]
        else:
            url_name, args = "changelist", []
        opts = self.opts
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_{url_name}", args=args,
                    current_app=self.admin_site.name)
        )

    def _run_workflow(self, request, workflow, objects, *, bulk):
        """The confirmation page (with the reason/note field) until it is submitted valid; then None."""
        form = WorkflowForm(workflow, request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            extra = (form.cleaned_data["date"],) if workflow.date_label is not None else ()
            self._apply_workflow(request, workflow, objects, form.cleaned_data.get("text", ""), *extra)
            return None
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": workflow.label,
            "opts": self.opts,
            "workflow": workflow,
            "objects": objects,
            "form": form,
            "bulk": bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/splp/workflow_form.html", context)

    def _apply_workflow(self, request, workflow, objects, text, *extra):
        """Each object through the service on its own: one refusal does not undo the others."""
        done = []
        for obj in objects:
            try:
                workflow.run(request.user, obj, text, *extra)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(
                    request,
                    gettext("%(action)s could not be done for “%(object)s”: %(error)s")
                    % {"action": workflow.label, "object": obj, "error": _error_text(exc)},
                )
            else:
                done.append(obj)
        if len(done) > self.DONE_NAMED:
            messages.success(request, gettext("%(action)s: done for %(count)d %(items)s.") % {
                "action": workflow.label, "count": len(done), "items": self.opts.verbose_name_plural})
            return
        for obj in done:
            messages.success(request, self._done_text(workflow, obj))

    DONE_NAMED = 5  # up to this many objects, one message each says what became of it

    @staticmethod
    def _done_text(workflow, obj):
        """What happened, in words: the action's own sentence, or the object's new status."""
        if workflow.done is not None:
            return workflow.done % {"object": obj}
        obj.refresh_from_db(fields=["status"])
        return gettext("“%(object)s” is now: %(status)s.") % {"object": obj, "status": obj.get_status_display()}

    def review_sections(self, request, obj):
        """The decision page's summary (ReviewSection list) above the record; none by default."""
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["review_sections"] = self.review_sections(request, obj)
        if obj is not None and admin_access(request).is_admin:
            offered = [w for w in self.workflow_actions if not w.states or obj.status in w.states]
            context["workflow_buttons"] = [w for w in offered if not w.tone]
            context["decision_buttons"] = sorted((w for w in offered if w.tone), key=lambda w: TONES.index(w.tone))
            context["decision_text_label"] = next((w.text_label for w in offered if w.tone and w.text_label), None)
            context["decision_text_required_for"] = [w.label for w in offered if w.tone and w.text_required]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
