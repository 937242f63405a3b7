"""The portal's roles (publisher and requester operators of the Pemda's organisations) and the decorator every
portal page goes through; directory owns the organisations and memberships they come from."""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from . import selectors


@dataclass(frozen=True)
class PortalRoles:
    """What the signed-in user may do in the portal; drives the navigation and the page checks."""

    publisher_org_ids: frozenset = frozenset()
    requester_org_ids: frozenset = frozenset()
    # The admin lets in administrators by membership, not by the staff flag: so does its link.
    is_administrator: bool = False

    @classmethod
    def of(cls, user):
        return cls(
            publisher_org_ids=frozenset(selectors.publisher_org_ids(user)),
            requester_org_ids=frozenset(selectors.requester_org_ids(user)),
            is_administrator=selectors.is_administrator(user),
        )

    @property
    def is_publisher(self):
        return bool(self.publisher_org_ids)

    @property
    def is_requester(self):
        return bool(self.requester_org_ids)

    @property
    def operator_org_ids(self):
        """The organisations the user works for in either role: their own pages (call log, Monev
        recommendations) show these organisations' rows."""
        return self.publisher_org_ids | self.requester_org_ids

    @property
    def is_operator(self):
        return bool(self.operator_org_ids)


ROLE_REFUSALS = {
    "publisher": gettext_lazy("This page is for publisher operators."),
    "requester": gettext_lazy("This page is for requester operators."),
    "operator": gettext_lazy("This page is for the operators of an organisation."),
}


def portal_page(role=None):
    """Wrap a portal view: roles for the navigation, sign-in and role checks, refusals shown as the 403 page.

    ``role`` is None for public pages, "publisher" / "requester" for pages of operators with that role, or
    "operator" for pages of any organisation's operators.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.portal_roles = PortalRoles.of(request.user)
            try:
                if role and not getattr(request.portal_roles, f"is_{role}"):
                    raise PermissionDenied(ROLE_REFUSALS[role])
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                return render(request, "403.html", {"reason": str(exc)}, status=403)

        return login_required(wrapper) if role else wrapper

    return decorator
