"""Portal pages: the themed service directory (public) and "API saya" for publisher operators.

Views only parse input, call the services and render; every change goes through directory.services.
"""

import copy

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from splp.portal import paginate, run_service

from . import selectors, services
from .choices import CLASSIFICATION_HELP, ApiVersionStatusChoices, ClassificationChoices
from .forms import RegisterForm, ServiceMetadataForm, SpecForm, UpstreamForm, VersionForm
from .models import LIVE_STATUSES, Organization, ReviewNote, Theme
from .portal import portal_page

# Directory (public)


def _theme_groups(user):
    """The themes with published APIs, shown as cards, and the empty ones, listed apart under one line: a
    directory still filling up would otherwise be mostly "0 API" cards."""
    themes = list(selectors.themes_with_counts(user))
    return {
        "themes": [theme for theme in themes if theme.published_count],
        "empty_themes": [theme for theme in themes if not theme.published_count],
    }


@portal_page()
def home(request):
    groups = _theme_groups(request.user)
    published_total = sum(theme.published_count for theme in groups["themes"])
    return render(request, "portal/home.html", {**groups, "published_total": published_total})


@portal_page()
def theme_list(request):
    return render(request, "portal/themes.html", _theme_groups(request.user))


@portal_page()
def theme_detail(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    page = paginate(request, selectors.visible_services(request.user).filter(theme=theme), selectors.DirectoryPaginator)
    return render(request, "portal/theme.html", {"theme": theme, "services": page, "page_obj": page})


@portal_page()
def search(request):
    term = request.GET.get("q", "").strip()
    filters = {
        "organization": request.GET.get("organization", ""),
        "classification": request.GET.get("classification", ""),
        "theme": request.GET.get("theme", ""),
    }
    results = selectors.search_services(selectors.visible_services(request.user), term)
    if filters["organization"]:
        results = results.filter(owner__code=filters["organization"])
    if filters["classification"]:
        results = results.filter(classification=filters["classification"])
    if filters["theme"]:
        results = results.filter(theme__slug=filters["theme"])
    # One page at a time, an empty search included: rendering every API ties up the server.
    page = paginate(request, results, selectors.DirectoryPaginator)
    context = {
        "term": term,
        "filters": filters,
        "services": page,
        "page_obj": page,
        "organizations": selectors.publishing_organizations(request.user),
        "classifications": ClassificationChoices.choices,
        "themes": Theme.objects.all(),
    }
    return render(request, "portal/search.html", context)


@portal_page()
def service_detail(request, slug):
    service = selectors.published_service_detail(slug, request.user)
    if service is None:
        raise Http404
    context = {
        "service": service,
        "versions": service.versions.all(),
        "classification_help": CLASSIFICATION_HELP,
    }
    return render(request, "portal/service_detail.html", context)


def service_openapi(request, slug, version):
    api_version = selectors.published_version(slug, version, request.user)
    if api_version is None:
        raise Http404
    response = JsonResponse(api_version.spec, json_dumps_params={"indent": 2, "ensure_ascii": False})
    # The version is free text: the helper quotes whatever it holds.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{slug}-{api_version.version}.openapi.json"
    )
    return response


# "API saya" (publisher operators)


def _managed_service(request, slug):
    """A registration the user manages; another organisation's is a 404, not a 403 (no existence leak)."""
    return get_object_or_404(selectors.services_managed_by(request.user), slug=slug)


@portal_page(role="publisher")
def my_apis(request):
    return render(request, "portal/my_apis.html", {"services": selectors.services_managed_by(request.user)})


@portal_page(role="publisher")
def register(request):
    owners = Organization.objects.filter(pk__in=request.portal_roles.publisher_org_ids)
    form = RegisterForm(request.POST or None, request.FILES or None, owners=owners, upload_owner=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service, _version = services.api_service_register(
                actor=request.user, owner=data["owner"], slug=data["slug"], version=data["version"],
                upstream_base_url=data["upstream_base_url"], spec=data["spec"], **form.service_fields(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The API is registered as a draft. Check the interoperability results, "
                                        "then submit it for the Dinas' review."))
            return redirect("directory:manage", slug=service.slug)
    return render(request, "portal/form_page.html", {
        "title": _("Register an API"), "form": form, "submit_label": _("Register"), "multipart": True,
        "cancel_url": "directory:my-apis",
    })


@portal_page(role="publisher")
def manage(request, slug):
    service = _managed_service(request, slug)
    versions = service.versions.order_by("-id").prefetch_related(
        Prefetch("review_notes", queryset=ReviewNote.objects.select_related("author"))
    )
    published = [v for v in versions if v.status == ApiVersionStatusChoices.PUBLISHED]
    for version in versions:
        version.is_editable = version.status in services.EDITABLE_VERSION_STATES
        version.is_live = version.status in LIVE_STATUSES
        version.is_ended = version.status in services.ENDED_VERSION_STATES
        if version.status in (ApiVersionStatusChoices.DEPRECATED, ApiVersionStatusChoices.RETIRED):
            # Where its grants may go (access moves them): newer published versions.
            version.move_targets = [v for v in published if v.pk > version.pk]
    return render(request, "portal/manage.html", {"service": service, "versions": versions})


@portal_page(role="publisher")
def edit_metadata(request, slug):
    service = _managed_service(request, slug)
    # A copy: the form writes cleaned values onto its instance, and the page header shows the saved ones.
    form = ServiceMetadataForm(request.POST or None, instance=copy.copy(service))
    if request.method == "POST" and form.is_valid():
        try:
            services.api_service_update(actor=request.user, service=service, **form.service_fields())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The metadata is saved."))
            return redirect("directory:manage", slug=service.slug)
    return render(request, "portal/form_page.html", {
        "title": _("Edit metadata"), "service": service, "form": form, "submit_label": _("Save"),
    })


@portal_page(role="publisher")
def version_create(request, slug):
    service = _managed_service(request, slug)
    form = VersionForm(request.POST or None, request.FILES or None, upload_owner=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.api_version_create(
                actor=request.user, service=service, version=data["version"],
                upstream_base_url=data["upstream_base_url"], spec=data["spec"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The new version is saved as a draft."))
            return redirect("directory:manage", slug=service.slug)
    return render(request, "portal/form_page.html", {
        "title": _("New version"), "service": service, "form": form, "submit_label": _("Save draft"),
        "multipart": True,
    })


@portal_page(role="publisher")
def version_edit(request, slug, pk):
    service = _managed_service(request, slug)
    api_version = get_object_or_404(service.versions, pk=pk)
    if api_version.status not in services.EDITABLE_VERSION_STATES:
        messages.error(request, _("Only a draft or a version with changes requested can be edited."))
        return redirect("directory:manage", slug=service.slug)
    if request.method == "POST":
        form = SpecForm(request.POST, request.FILES, upload_owner=request.user)
    else:
        form = SpecForm.for_version(api_version)
    if request.method == "POST" and form.is_valid():
        try:
            services.api_version_update(
                actor=request.user, api_version=api_version,
                upstream_base_url=form.cleaned_data["upstream_base_url"], spec=form.cleaned_data["spec"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The document is saved and checked again."))
            return redirect("directory:manage", slug=service.slug)
    return render(request, "portal/form_page.html", {
        "title": _("Edit version %(version)s") % {"version": api_version.version}, "service": service,
        "form": form, "submit_label": _("Save and check"), "multipart": True,
    })


@portal_page(role="publisher")
def version_upstream(request, slug, pk):
    service = _managed_service(request, slug)
    api_version = get_object_or_404(service.versions, pk=pk)
    form = UpstreamForm(request.POST) if request.method == "POST" else UpstreamForm.for_version(api_version)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.api_version_configure_upstream(
                actor=request.user, api_version=api_version, auth_type=data["auth_type"] or None,
                auth_header=data["auth_header"], auth_secret=data["auth_secret"] or None,
                token_url=data["token_url"], client_id=data["client_id"], client_secret=data["client_secret"] or None,
                token_scope=data["token_scope"], connect_timeout=data["connect_timeout"],
                read_timeout=data["read_timeout"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The upstream settings are saved."))
            return redirect("directory:manage", slug=service.slug)
    return render(request, "portal/form_page.html", {
        "title": _("Upstream of version %(version)s") % {"version": api_version.version}, "service": service,
        "form": form, "submit_label": _("Save"),
    })


# action name -> (service, the POST field passed to it as which argument, message on success)
VERSION_ACTIONS = {
    "submit": (services.api_version_submit_for_review, None,
               gettext_lazy("Submitted. The Dinas will review it and reply in the notes.")),
    "deprecate": (services.api_version_deprecate, "reason", gettext_lazy("The version is marked deprecated.")),
    "retire": (services.api_version_retire, "reason", gettext_lazy("The version is retired.")),
    "note": (services.review_note_add, "body", gettext_lazy("The note is added.")),
}


@portal_page(role="publisher")
@require_POST
def version_action(request, slug, pk, action):
    service = _managed_service(request, slug)
    api_version = get_object_or_404(service.versions, pk=pk)
    function, text_argument, success_message = VERSION_ACTIONS[action]
    kwargs = {text_argument: request.POST.get(text_argument, "")} if text_argument else {}
    if action == "deprecate":
        try:
            kwargs["sunset_on"] = forms.DateField(required=False).clean(request.POST.get("sunset_on", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("directory:manage", slug=service.slug)
    run_service(request, function, success_message, api_version=api_version, **kwargs)
    return redirect("directory:manage", slug=service.slug)
