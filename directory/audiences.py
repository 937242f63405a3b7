"""Who receives an e-mail: the administrators, an organisation's publisher or requester operators.

Each audience is a condition on users (combine them with ``|``); ``emails`` turns one into the addresses of
its active users. Every sender asks here (splp.mail sends what it is given)."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from .choices import MembershipRoleChoices as R
from .models import Membership
from .selectors import ADMINISTRATOR_MEMBERSHIP


def administrators():
    """Dinas staff, as ``selectors.is_administrator`` has it: superusers and administrator members of the
    SPLP-managing organisation."""
    return Q(is_superuser=True) | Q(memberships__in=Membership.objects.filter(ADMINISTRATOR_MEMBERSHIP))


def publishers(organization_id):
    return Q(memberships__role=R.PUBLISHER, memberships__organization=organization_id)


def requesters(organization_id):
    return Q(memberships__role=R.REQUESTER, memberships__organization=organization_id)


def emails(audience):
    """The sorted addresses of the audience's active users who have one."""
    users = get_user_model().objects.filter(audience, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def publisher_organizations():
    """Each active publisher operator's address and the organisations it publishes for."""
    found = {}
    for email, organization_id in Membership.objects.filter(
        role=R.PUBLISHER, user__is_active=True
    ).exclude(user__email="").values_list("user__email", "organization_id"):
        found.setdefault(email, set()).add(organization_id)
    return found
