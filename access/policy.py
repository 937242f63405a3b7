"""The Dinas's rules per data classification (issue 9): the longest grant period, a required IP allow-list
inside the Pemda's intranet, and a second administrator's approval.

Everything that enforces them asks this module: the request and grant services, key rotation and the bus.
The numbers are data (``ClassificationPolicy`` rows, edited by administrators); ``DEFAULTS`` seeds them.

A grant keeps what it was given (its ``expires_at`` is fixed when it is granted); the current policy is
applied on top, so loosening a policy never widens a grant and tightening one narrows it at once.
"""

import datetime
import ipaddress
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.choices import ClassificationChoices as C
from splp.workflow import RuleRefused

from .models import AccessRequest, ClassificationPolicy, Grant

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULTS = {
    C.TERBUKA: {"max_grant_days": 730, "require_ip_allowlist": False, "require_second_approval": False},
    C.TERBATAS: {"max_grant_days": 365, "require_ip_allowlist": False, "require_second_approval": False},
    C.RAHASIA: {"max_grant_days": 183, "require_ip_allowlist": True, "require_second_approval": True},
}
POLICY_FIELDS = ("max_grant_days", "require_ip_allowlist", "require_second_approval")


def policy_for(classification: str) -> ClassificationPolicy:
    """The policy row; the seeded defaults when it is missing (a database flushed after the migration)."""
    policy = ClassificationPolicy.objects.filter(classification=classification).first()
    return policy or ClassificationPolicy(classification=classification, **DEFAULTS[classification])


def policies() -> dict[str, ClassificationPolicy]:
    """Every classification's policy by classification, in one query (pages and API lists)."""
    found = {policy.classification: policy for policy in ClassificationPolicy.objects.all()}
    return {c: found.get(c) or ClassificationPolicy(classification=c, **DEFAULTS[c]) for c in C.values}


def _rule(policy):
    return _("Classification policy %(classification)s") % {
        "classification": C(policy.classification).label.lower()}


def intranet_networks() -> list[Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.SPLP_INTRANET_NETWORKS]


def end_of_day(date: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.max))


def check_period(policy: ClassificationPolicy, period_start: datetime.date, period_end: datetime.date) -> None:
    """At submission: the requested period may not be longer than the policy's longest grant."""
    if (period_end - period_start).days > policy.max_grant_days:
        raise RuleRefused({"period_end": _("%(rule)s: the period may be at most %(days)s days.") % {
            "rule": _rule(policy), "days": policy.max_grant_days}}, error_code="policy_period")


def last_day(policy: ClassificationPolicy, granted_on: datetime.date) -> datetime.date:
    """The last day a grant given on ``granted_on`` may run under the policy."""
    return granted_on + datetime.timedelta(days=policy.max_grant_days)


def grant_last_day(
    policy: ClassificationPolicy, access_request: AccessRequest, granted_on: datetime.date
) -> datetime.date:
    """The last valid day of a grant given on ``granted_on``: the requested end, cut to the policy's limit."""
    return min(access_request.period_end, last_day(policy, granted_on))


def allowlist_breach(policy: ClassificationPolicy, networks: Sequence[Network]) -> tuple[str, str] | None:
    """(error code, message) when the grant's allow-list (parsed networks) breaks the policy, else None."""
    if not policy.require_ip_allowlist:
        return None
    if not networks:
        return "policy_ip_allowlist_required", _("%(rule)s: the IP allow-list is required.") % {"rule": _rule(policy)}
    intranet = intranet_networks()
    outside = [n for n in networks if intranet and not any(n.version == i.version and n.subnet_of(i) for i in intranet)]
    if outside:
        return "policy_ip_outside_intranet", _(
            "%(rule)s: every allowed address must lie inside the Pemda's intranet (%(intranet)s); outside: "
            "%(outside)s."
        ) % {"rule": _rule(policy), "intranet": ", ".join(map(str, intranet)),
             "outside": ", ".join(map(str, outside))}
    return None


def period_breach_message(policy: ClassificationPolicy) -> str:
    return _("%(rule)s: a grant may run at most %(days)s days; this one has reached that limit. The organisation "
             "needs to apply again.") % {"rule": _rule(policy), "days": policy.max_grant_days}


def check_allowlist(policy: ClassificationPolicy, networks: Sequence[Network]) -> None:
    """At grant: refuse an allow-list that breaks the policy, next to the field."""
    breach = allowlist_breach(policy, networks)
    if breach:
        raise RuleRefused({"ip_allowlist": breach[1]}, error_code=breach[0])


def check_grant(policy: ClassificationPolicy, grant: Grant, *, now: datetime.datetime | None = None) -> None:
    """At key rotation: the grant must still satisfy the current policy."""
    breach = allowlist_breach(policy, parse_allowlist(grant.ip_allowlist))
    if breach:
        raise RuleRefused(breach[1], error_code=breach[0])
    if (now or timezone.now()) > end_of_day(last_day(policy, timezone.localdate(grant.granted_at))):
        raise RuleRefused(period_breach_message(policy), error_code="policy_period_exceeded")


def check_second_approver(policy: ClassificationPolicy, access_request: AccessRequest, actor: User) -> None:
    if access_request.first_approved_by_id == actor.pk:
        raise RuleRefused(_("%(rule)s: a second administrator, not the one who gave the first approval, must "
                            "approve.") % {"rule": _rule(policy)}, error_code="policy_second_approval")


def parse_allowlist(text: str | None) -> list[Network]:
    return [ipaddress.ip_network(n, strict=False) for n in (text or "").split()]
