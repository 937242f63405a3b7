"""The access parts of the directory's API page (templates/portal/service_detail.html) and of the key shown once.

Tags, not context from directory.views: the directory sits below access and does not import it.
"""

from django import template

from .. import selectors
from ..developer import bus_errors, console_data, example_calls
from ..gateway import gateway_url

register = template.Library()


@register.inclusion_tag("portal/_access_state.html", takes_context=True)
def access_state(context, api_version):
    """Per requesting organisation of the signed-in user: access held, a request under way, or the button to
    ask (only for organisations with neither). The API's requests are read once per page."""
    request = context["request"]
    cache_key = ("open_requests_by_version", api_version.service_id)
    if cache_key not in context.render_context:
        context.render_context[cache_key] = selectors.open_requests_by_version(request.user, api_version.service_id)
    open_requests = context.render_context[cache_key].get(api_version.pk, [])
    roles = request.portal_roles
    return {
        "api_version": api_version, "open_requests": open_requests, "user": request.user, "request": request,
        "can_request": roles.is_requester and len(open_requests) < len(roles.requester_org_ids),
    }


@register.inclusion_tag("portal/_developer_panel.html")
def developer_panel(api_version, grant=None, raw_key=None):
    """The bus address of a live version, example calls, the console and the bus' error codes. With a grant
    (the key just revealed): only its operations, and the key itself in the examples."""
    operations = api_version.operations.all()
    if grant is not None and not grant.all_operations:
        operations = grant.operations.all()
    calls = example_calls(api_version, operations, key=raw_key)
    return {
        "api_version": api_version, "calls": calls, "errors": bus_errors(), "raw_key": raw_key,
        "gateway_url": gateway_url(api_version), "console": console_data(api_version, calls),
        "console_id": f"console-{api_version.pk}",
    }
