"""Portal pages of the Pasal 7 workflow: requesting access, deciding grants, and the keys (shown once).

Views only parse input, call access.services and render.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory.choices import ApiVersionStatusChoices
from directory.models import ApiVersion, Organization
from directory.selectors import visible_services
from directory.views import paginate, portal_page, run_service

from . import policy as rules
from . import selectors, services
from .choices import AccessRequestStatusChoices
from .forms import AccessRequestForm, GrantForm


@portal_page(role="requester")
def request_create(request, slug, version):
    api_version = get_object_or_404(
        ApiVersion.objects.select_related("service__owner"),
        service__in=visible_services(request.user), service__slug=slug, version=version,
        status=ApiVersionStatusChoices.PUBLISHED,
    )
    form = AccessRequestForm(
        request.POST or None,
        requesters=Organization.objects.filter(pk__in=request.portal_roles.requester_org_ids),
        operations=api_version.operations.order_by("path", "method"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.access_request_submit(
                actor=request.user, requester=data["requester"], api_version=api_version,
                purpose=data["purpose"], legal_basis=data["legal_basis"], period_start=data["period_start"],
                period_end=data["period_end"], expected_daily_volume=data["expected_daily_volume"],
                operations=list(data["operations"]),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Your request is sent to the administrator for a decision."))
            return redirect("access:my-requests")
    return render(request, "portal/request_form.html", {
        "title": _("Request access"), "api_version": api_version, "service": api_version.service, "form": form,
        "submit_label": _("Send request"), "policy": rules.policy_for(api_version.service.classification),
    })


@portal_page(role="requester")
def my_requests(request):
    page = paginate(request, selectors.own_requests(request.user))
    return render(request, "portal/my_requests.html", {"requests": page, "page_obj": page})


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
    policies, today = rules.policies(), timezone.localdate()
    for access_request in page:
        if access_request.status == AccessRequestStatusChoices.APPROVED:
            # Distinct ids per row: several grant forms share the page.
            access_request.grant_form = GrantForm(auto_id=f"grant{access_request.pk}_%s")
            # What the classification's policy asks of this grant, shown before the publisher submits.
            access_request.policy = policy = policies[access_request.api_version.service.classification]
            access_request.grant_until = rules.grant_last_day(policy, access_request, today)
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
