"""Portal pages of the Pasal 7 workflow: requesting access, deciding grants, and the keys (shown once).

Views only parse input, call access.services and render.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Max, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory.choices import ApiVersionStatusChoices
from directory.models import ApiVersion, Organization
from directory.portal import portal_page
from directory.selectors import visible_services
from splp.portal import paginate, run_service

from . import policy as rules, selectors, services
from .choices import OPEN_STATES, AccessRequestStatusChoices
from .forms import AccessRequestForm, GrantForm, GrantMoveForm


@portal_page(role="requester")
def request_create(request, slug, version):
    api_version = get_object_or_404(
        ApiVersion.objects.select_related("service__owner"),
        service__in=visible_services(request.user), service__slug=slug, version=version,
        status=ApiVersionStatusChoices.PUBLISHED,
    )
    # Organisations with a request under way or access already are not offered: the API page says so.
    requesters = Organization.objects.filter(pk__in=request.portal_roles.requester_org_ids).exclude(
        pk__in=selectors.own_requests(request.user).filter(api_version=api_version, status__in=OPEN_STATES)
        .values("requester_id")
    )
    if not requesters:
        messages.info(request, _("Your organisation already has access to this API or a request under way."))
        return redirect(api_version.service.get_absolute_url())
    form = AccessRequestForm(
        request.POST or None, requesters=requesters, operations=api_version.operations.order_by("path", "method"),
    )
    return _application_page(
        request, form, api_version,
        lambda data, **fields: services.access_request_submit(
            actor=request.user, requester=data["requester"], api_version=api_version, **fields),
        title=_("Request access"), submit_label=_("Send request"),
        done=_("Your request is sent to the administrator for a decision."),
    )


@portal_page(role="requester")
def request_resubmit(request, pk):
    """"Perbaiki dan ajukan lagi": the request form, filled with the returned request, for the requesting
    organisation's operators; sending it resubmits the request to the administrator."""
    access_request = get_object_or_404(selectors.own_requests(request.user), pk=pk)
    if access_request.status != AccessRequestStatusChoices.CHANGES_REQUESTED:
        messages.error(request, _("Only a request the administrator returned for changes can be changed."))
        return redirect("access:my-requests")
    api_version = access_request.api_version
    initial = {name: getattr(access_request, name) for name in services.APPLICATION_FIELDS}
    if not access_request.all_operations:
        initial.update(all_operations=False, operations=[op.pk for op in access_request.operations.all()])
    form = AccessRequestForm(
        request.POST or None, initial=initial,
        requesters=Organization.objects.filter(pk=access_request.requester_id),
        operations=api_version.operations.order_by("path", "method"),
    )
    return _application_page(
        request, form, api_version,
        lambda data, **fields: services.access_request_resubmit(
            actor=request.user, access_request=access_request, **fields),
        title=_("Change the request"), submit_label=_("Submit again"),
        done=_("Your changed request is sent to the administrator for a decision."), access_request=access_request,
    )


def _application_page(request, form, api_version, send, *, title, submit_label, done, access_request=None):
    """The request form, first or changed: a valid form goes to ``send(cleaned_data, **application)`` (the
    service), whose refusals show on the form; then to "Permohonan saya"."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            send(data, operations=form.requested_operations(),
                 **{name: data[name] for name in services.APPLICATION_FIELDS})
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, done)
            return redirect("access:my-requests")
    return render(request, "portal/request_form.html", {
        "title": title, "api_version": api_version, "service": api_version.service, "form": form,
        "access_request": access_request, "submit_label": submit_label,
        "policy": rules.policy_for(api_version.service.classification),
    })


# "Permohonan saya" filters: every status, the open ones (pending or granted), or one status.
ACTIVE = "active"


@portal_page(role="requester")
def my_requests(request):
    """Those returned for changes first (the requester must act), then the other open ones (after many
    withdrawals they were pages away), then by date; a status filter and a search in the API's and the
    organisations' names."""
    status, term = request.GET.get("status", ""), request.GET.get("q", "").strip()
    requests = selectors.own_requests(request.user).annotate(
        rank=Case(When(status=AccessRequestStatusChoices.CHANGES_REQUESTED, then=Value(0)),
                  When(status__in=OPEN_STATES, then=Value(1)), default=Value(2))
    ).order_by("rank", "-created_at", "-id")
    if status == ACTIVE:
        requests = requests.filter(status__in=OPEN_STATES)
    elif status in AccessRequestStatusChoices.values:
        requests = requests.filter(status=status)
    else:
        status = ""
    if term:
        requests = requests.filter(
            Q(api_version__service__name__icontains=term) | Q(api_version__service__owner__name__icontains=term)
            | Q(requester__name__icontains=term)
        )
    page = paginate(request, requests)
    return render(request, "portal/my_requests.html", {
        "requests": page, "page_obj": page, "status": status, "term": term, "active": ACTIVE,
        "statuses": AccessRequestStatusChoices.choices,
    })


@portal_page(role="requester")
@require_POST
def request_withdraw(request, pk):
    access_request = get_object_or_404(selectors.own_requests(request.user), pk=pk)
    run_service(request, services.access_request_withdraw, _("The request is withdrawn."),
                access_request=access_request)
    return redirect("access:my-requests")


# Requests for my APIs (publisher operators)


@portal_page(role="publisher")
def incoming(request):
    page = paginate(request, selectors.incoming_requests_for_publisher(request.user).select_related("grant"))
    # One query for the page: the newest published version of each API, to offer moving older grants there.
    newest = dict(
        ApiVersion.objects.filter(
            service_id__in={r.api_version.service_id for r in page}, status=ApiVersionStatusChoices.PUBLISHED,
        ).values("service_id").annotate(newest=Max("id")).values_list("service_id", "newest")
    )
    policies, today = rules.policies(), timezone.localdate()
    for access_request in page:
        if access_request.status == AccessRequestStatusChoices.APPROVED:
            # Distinct ids per row: several grant forms share the page.
            access_request.grant_form = GrantForm(auto_id=f"grant{access_request.pk}_%s")
            # What the classification's policy asks of this grant, shown before the publisher submits.
            access_request.policy = policy = policies[access_request.api_version.service.classification]
            access_request.grant_until = rules.grant_last_day(policy, access_request, today)
        elif access_request.status == AccessRequestStatusChoices.GRANTED:
            version = access_request.api_version
            access_request.can_move = newest.get(version.service_id, 0) > version.pk
    return render(request, "portal/incoming.html", {"requests": page, "page_obj": page})


@portal_page(role="publisher")
@require_POST
@never_cache
def request_grant(request, pk):
    access_request = get_object_or_404(selectors.incoming_requests_for_publisher(request.user), pk=pk)
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(
            f"{form.fields[name].label}: {error}" for name, errors in form.errors.items() for error in errors
        ))
        return redirect("access:incoming")
    ok, result = run_service(request, services.access_request_grant, access_request=access_request,
                             **form.cleaned_data)
    if not ok:
        return redirect("access:incoming")
    _grant, key, raw_key = result
    if raw_key:
        # The granting user also operates the requesting organisation, so the service handed over the key.
        return render(request, "portal/grant_done.html", {"key": key, "raw_key": raw_key})
    messages.success(request, _("Access is granted. The API key will be shown once to the requesting "
                                "organisation's operators on their \"My keys\" page."))
    return redirect("access:incoming")


def _publisher_decision(request, pk, action, success_message):
    """A publisher's button on an incoming request that takes a reason (decline, revoke)."""
    access_request = get_object_or_404(selectors.incoming_requests_for_publisher(request.user), pk=pk)
    run_service(request, action, success_message, access_request=access_request,
                reason=request.POST.get("reason", ""))
    return redirect("access:incoming")


@portal_page(role="publisher")
@require_POST
def request_decline(request, pk):
    return _publisher_decision(request, pk, services.access_request_decline,
                               _("The request is declined; the requester is told."))


@portal_page(role="publisher")
@require_POST
def request_revoke(request, pk):
    return _publisher_decision(request, pk, services.access_request_revoke, _("Access is revoked."))


@portal_page(role="publisher")
def grant_move(request, pk):
    """Move a grant to a newer version: pick the version, see which operations carry over, confirm."""
    access_request = get_object_or_404(
        selectors.incoming_requests_for_publisher(request.user).select_related("grant"),
        pk=pk, status=AccessRequestStatusChoices.GRANTED,
    )
    grant = access_request.grant
    targets = selectors.grant_move_targets(grant.api_version)
    data = request.POST if request.method == "POST" else (request.GET if "to_version" in request.GET else None)
    form = GrantMoveForm(data, targets=targets)
    plan = None
    if form.is_bound and form.is_valid():
        to_version = form.cleaned_data["to_version"]
        try:
            if request.method == "POST":
                plan = services.grant_move(actor=request.user, grant=grant, to_version=to_version)
            else:
                plan = services.grant_move_plan(grant=grant, to_version=to_version)
        except ValidationError as exc:
            form.add_service_errors(exc)
            plan = None
        else:
            if request.method == "POST":
                message = _("Access of %(org)s moved to version %(version)s; the requester is told.") % {
                    "org": grant.organization.name, "version": to_version.version}
                if plan.dropped:
                    message += " " + _("Not carried over: %(operations)s.") % {
                        "operations": ", ".join(plan.dropped_labels)}
                messages.success(request, message)
                return redirect("access:incoming")
    return render(request, "portal/grant_move.html", {
        "access_request": access_request, "grant": grant, "form": form, "plan": plan,
        "has_targets": targets.exists(),
    })


@portal_page(role="publisher")
@require_POST
def version_grants_move(request, slug, pk):
    """Every active grant of an (old) version to a newer one, from the version's card on "API saya"."""
    api_version = get_object_or_404(
        ApiVersion.objects.select_related("service"), pk=pk, service__slug=slug,
        service__owner_id__in=request.portal_roles.publisher_org_ids,
    )
    form = GrantMoveForm(request.POST, targets=selectors.grant_move_targets(api_version))
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("directory:manage", slug=slug)
    ok, result = run_service(request, services.grants_move, from_version=api_version,
                             to_version=form.cleaned_data["to_version"])
    if ok:
        moved, refused = result
        messages.success(request, ngettext(
            "%(count)d grant moved to version %(version)s; each requester is told.",
            "%(count)d grants moved to version %(version)s; each requester is told.", len(moved),
        ) % {"count": len(moved), "version": form.cleaned_data["to_version"].version})
        for grant, reason in refused:
            messages.error(request, _("Not moved: %(org)s. %(reason)s") % {"org": grant.organization.name,
                                                                           "reason": reason})
    return redirect("directory:manage", slug=slug)


# My keys (requester operators)


def _render_keys(request, shown_key=None, raw_key=None):
    return render(request, "portal/my_keys.html", {
        "keys": selectors.keys_for_requester(request.user), "shown_key": shown_key, "raw_key": raw_key,
    })


def _own_key(request, pk):
    return get_object_or_404(selectors.keys_for_requester(request.user), pk=pk)


@portal_page(role="requester")
def my_keys(request):
    return _render_keys(request)


@portal_page(role="requester")
@require_POST
@never_cache
def key_reveal(request, pk):
    """Answers the POST with the key itself: nothing stores it, so a reload cannot show it again."""
    key = _own_key(request, pk)
    ok, raw_key = run_service(request, services.api_key_reveal, api_key=key)
    if not ok:
        return redirect("access:my-keys")
    return _render_keys(request, key, raw_key)


@portal_page(role="requester")
@require_POST
@never_cache
def key_rotate(request, pk):
    key = _own_key(request, pk)
    ok, result = run_service(request, services.api_key_rotate, grant=key.grant)
    if not ok:
        return redirect("access:my-keys")
    new_key, raw_key = result
    return _render_keys(request, new_key, raw_key)


@portal_page(role="requester")
@require_POST
def key_revoke(request, pk):
    key = _own_key(request, pk)
    run_service(request, services.api_key_revoke, _("The key is revoked."), api_key=key,
                reason=request.POST.get("reason", ""))
    return redirect("access:my-keys")
