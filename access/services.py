"""The Pasal 7 workflow, grants and keys. Every state change lives here."""

import datetime
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from directory.choices import ApiVersionStatusChoices
from directory.models import ApiOperation, ApiVersion, Membership, Organization
from directory.notifications import notify
from directory.selectors import is_administrator, publisher_org_ids, requester_org_ids, visible_services
from splp import crypto
from splp.audit import AuditAction, audit_record, settings_row_update
from splp.workflow import TransitionError, lock, require, require_note, require_reason, require_state

from . import policy as rules
from .choices import OPEN_STATES, WAITING_FOR_ADMINISTRATOR, WITHDRAWABLE_STATES, AccessRequestStatusChoices as S
from .keys import generate_key
from .models import (
    LETTER_REFERENCE_MAX_LENGTH,
    MAX_CALLS_PER_DAY,
    MAX_CALLS_PER_MINUTE,
    AccessRequest,
    ApiKey,
    ClassificationPolicy,
    Grant,
)
from .selectors import active_grants_on, lapsed_approvals


def _move(access_request, *, actor, allowed, to, action, label, reason="", event=None, data=None):
    require_state(access_request, allowed, label)
    old = access_request.status
    access_request.status = to
    access_request.save()
    audit_record(actor=actor, target=access_request, action=action, old_state=old, new_state=to, reason=reason,
                 data=data)
    notify(event or f"access_{action}", access_request)


@transaction.atomic
def classification_policy_update(*, actor: User, policy: ClassificationPolicy, **fields) -> ClassificationPolicy:
    """An administrator changes the rules of one classification (``access.policy.POLICY_FIELDS``).

    Existing grants keep their period; the stricter rules apply to them at once (rotation and the bus)."""
    require(is_administrator(actor), _("Only a Dinas administrator can change a classification policy."))
    policy = lock(ClassificationPolicy, policy.pk)
    return settings_row_update(policy, actor=actor, action=AuditAction.UPDATE, names=rules.POLICY_FIELDS,
                               values=fields, exclude=["classification"])


def _clean_application(
    *, actor, api_version, purpose, legal_basis, period_start, period_end, expected_daily_volume, operations,
    errors,
):
    """The rules an application meets when it is submitted and again when it is resubmitted after changes:
    the API still published and visible to the applicant, the fields, the classification's longest period.
    ``api_version`` is locked by the caller; ``errors`` holds the caller's own field errors, reported with
    these. Returns the requested operations (empty: all)."""
    # An API the applicant may not see (rahasia) is refused as an unpublished one: its existence stays undisclosed.
    if api_version.status != ApiVersionStatusChoices.PUBLISHED or not visible_services(actor).filter(
        pk=api_version.service_id
    ).exists():
        raise ValidationError(
            _("This API is not (or no longer) published in the directory; access cannot be requested.")
        )
    if not (purpose or "").strip():
        errors["purpose"] = _("The purpose is required.")
    if not (legal_basis or "").strip():
        errors["legal_basis"] = _("The legal basis is required.")
    if period_end < period_start:
        errors["period_end"] = _("The end date must be after the start date.")
    elif period_end < timezone.localdate():
        errors["period_end"] = _("The end date has already passed.")
    if expected_daily_volume is None or not 1 <= expected_daily_volume <= MAX_CALLS_PER_DAY:
        errors["expected_daily_volume"] = _("The expected volume must be between 1 and %(max)s calls per day.") % {
            "max": number_format(MAX_CALLS_PER_DAY, force_grouping=True)}
    operations = list(operations or [])
    if any(op.api_version_id != api_version.pk for op in operations):
        errors["operations"] = _("The selected operations do not belong to this API version.")
    if errors:
        raise ValidationError(errors)
    rules.check_period(rules.policy_for(api_version.service.classification), period_start, period_end)
    return operations


@transaction.atomic
def access_request_submit(
    *, actor: User, requester: Organization, api_version: ApiVersion, purpose: str, legal_basis: str,
    period_start: datetime.date, period_end: datetime.date, expected_daily_volume: int | None,
    operations: Iterable[ApiOperation] | None = None, letter_reference: str = "",
) -> AccessRequest:
    """The requester applies to the administrator (Pasal 7a). ``operations`` empty or None means all.

    A Dinas administrator may record the application of any organisation from its official letter (the way
    a rahasia API, hidden from an organisation that never asked for it, can be applied for): the letter's
    number and date are then required, and the administrator is the applicant, so another one decides."""
    letter_reference = (letter_reference or "").strip()
    on_behalf = requester.pk not in requester_org_ids(actor)
    require(not on_behalf or is_administrator(actor), _("You are not a requester operator of this organisation."))
    api_version = ApiVersion.objects.select_for_update().get(pk=api_version.pk)
    errors = {}
    if on_behalf and not letter_reference:
        errors["letter_reference"] = _("The number and date of the organisation's letter of application are "
                                       "required when an administrator records a request on its behalf.")
    elif len(letter_reference) > LETTER_REFERENCE_MAX_LENGTH:
        errors["letter_reference"] = _("The letter reference may be at most %(max)s characters.") % {
            "max": LETTER_REFERENCE_MAX_LENGTH}
    operations = _clean_application(
        actor=actor, api_version=api_version, purpose=purpose, legal_basis=legal_basis, period_start=period_start,
        period_end=period_end, expected_daily_volume=expected_daily_volume, operations=operations, errors=errors,
    )
    if AccessRequest.objects.filter(requester=requester, api_version=api_version, status__in=OPEN_STATES).exists():
        raise ValidationError(
            _("This organisation already has a pending request or active access for this API.")
        )
    access_request = AccessRequest.objects.create(
        requester=requester, applicant=actor, api_version=api_version, all_operations=not operations,
        purpose=purpose.strip(), legal_basis=legal_basis.strip(), period_start=period_start,
        period_end=period_end, expected_daily_volume=expected_daily_volume, letter_reference=letter_reference,
    )
    access_request.operations.set(operations)
    data = {"on_behalf": True, "letter_reference": letter_reference} if on_behalf else None
    audit_record(actor=actor, target=access_request, action=AuditAction.SUBMIT, new_state=S.SUBMITTED, data=data)
    notify("access_submit", access_request)
    if on_behalf:
        # The organisation did not press the button itself: its operators learn that the request exists.
        notify("access_submit_on_behalf", access_request)
    return access_request


# What the requester may change in a request returned for changes (access_request_resubmit).
APPLICATION_FIELDS = ("purpose", "legal_basis", "period_start", "period_end", "expected_daily_volume")
RESUBMIT_FIELDS = (*APPLICATION_FIELDS, "operations")


def _operations(access_request):
    return [] if access_request.all_operations else list(access_request.operations.all())


def _application(access_request):
    """The resubmittable fields as the audit row stores them (JSON): operations as "METHOD /path", none for all."""
    values = {name: getattr(access_request, name) for name in APPLICATION_FIELDS}
    return {
        **values, "period_start": values["period_start"].isoformat(), "period_end": values["period_end"].isoformat(),
        "operations": sorted(f"{op.method} {op.path}" for op in _operations(access_request)),
    }


@transaction.atomic
def access_request_resubmit(*, actor: User, access_request: AccessRequest, **fields) -> AccessRequest:
    """A requester operator changes a request the administrator returned for changes and submits it again;
    ``fields`` are RESUBMIT_FIELDS (those left out stay as they were), checked as access_request_submit checks
    them. It waits for the administrator's full decision again (both approvals where the policy asks two). The
    audit row keeps the old and new values of what changed."""
    unknown = set(fields) - set(RESUBMIT_FIELDS)
    if unknown:
        raise TypeError(f"not changeable on resubmission: {sorted(unknown)}")
    access_request = lock(AccessRequest, access_request.pk)
    require(
        access_request.requester_id in requester_org_ids(actor),
        _("Only a requester operator of the requesting organisation can change and resubmit the request."),
    )
    require_state(access_request, (S.CHANGES_REQUESTED,), _("resubmit the request"))
    api_version = ApiVersion.objects.select_for_update().get(pk=access_request.api_version_id)
    values = {**{name: getattr(access_request, name) for name in APPLICATION_FIELDS},
              "operations": _operations(access_request), **fields}
    operations = _clean_application(actor=actor, api_version=api_version, errors={}, **values)
    old = _application(access_request)
    access_request.purpose = values["purpose"].strip()
    access_request.legal_basis = values["legal_basis"].strip()
    access_request.period_start, access_request.period_end = values["period_start"], values["period_end"]
    access_request.expected_daily_volume = values["expected_daily_volume"]
    access_request.all_operations = not operations
    access_request.operations.set(operations)
    new = _application(access_request)
    changed = [name for name in RESUBMIT_FIELDS if new[name] != old[name]]
    _move(access_request, actor=actor, allowed=(S.CHANGES_REQUESTED,), to=S.SUBMITTED, action=AuditAction.SUBMIT,
          label=_("resubmit the request"), event="access_resubmit",
          data={"old": {name: old[name] for name in changed}, "new": {name: new[name] for name in changed}})
    return access_request


@transaction.atomic
def access_request_withdraw(*, actor: User, access_request: AccessRequest) -> AccessRequest:
    access_request = lock(AccessRequest, access_request.pk)
    require(
        access_request.requester_id in requester_org_ids(actor),
        _("Only a requester operator of the requesting organisation can withdraw the request."),
    )
    _move(access_request, actor=actor, allowed=WITHDRAWABLE_STATES, to=S.WITHDRAWN, action=AuditAction.WITHDRAW,
          label=_("withdraw the request"))
    return access_request


def _lock_for_decision(access_request, actor):
    require(is_administrator(actor), _("Only a Dinas administrator can decide on requests."))
    access_request = lock(AccessRequest, access_request.pk)
    # Separation of duties: nobody decides their own organisation's (or their own) application.
    require(
        access_request.applicant_id != actor.pk
        and not Membership.objects.filter(user=actor, organization=access_request.requester_id).exists(),
        _("Separation of duties: an administrator cannot decide a request they applied for or one from an "
          "organisation they belong to; another administrator must decide."),
    )
    return access_request


def _decide(access_request, *, actor, to, action, label, reason):
    access_request = _lock_for_decision(access_request, actor)
    if to == S.APPROVED and access_request.status in WAITING_FOR_ADMINISTRATOR:
        policy = rules.policy_for(access_request.api_version.service.classification)
        if access_request.status == S.SECOND_APPROVAL:
            rules.check_second_approver(policy, access_request, actor)
        elif policy.require_second_approval:
            access_request.first_approved_by = actor
            access_request.first_approved_at = timezone.now()
            _move(access_request, actor=actor, allowed=(S.SUBMITTED,), to=S.SECOND_APPROVAL,
                  action=AuditAction.FIRST_APPROVAL, label=label, reason=reason, event="access_second_approval")
            return access_request
    access_request.decided_by = actor
    access_request.decided_at = timezone.now()
    access_request.decision_reason = reason
    _move(access_request, actor=actor, allowed=WAITING_FOR_ADMINISTRATOR, to=to, action=action, label=label,
          reason=reason)
    return access_request


@transaction.atomic
def access_request_approve(*, actor: User, access_request: AccessRequest, reason: str = "") -> AccessRequest:
    """Pasal 7b: the administrator approves; the publisher grants afterwards. Where the classification's
    policy asks for a second approval, the first one waits for another administrator's."""
    return _decide(access_request, actor=actor, to=S.APPROVED, action=AuditAction.APPROVE,
                   label=_("approve"), reason=(reason or "").strip())


@transaction.atomic
def access_request_reject(*, actor: User, access_request: AccessRequest, reason: str) -> AccessRequest:
    reason = require_reason(reason)
    return _decide(access_request, actor=actor, to=S.REJECTED, action=AuditAction.REJECT, label=_("reject"),
                   reason=reason)


@transaction.atomic
def access_request_request_changes(*, actor: User, access_request: AccessRequest, note: str) -> AccessRequest:
    """The administrator sends a request back to the requester with a note on what to change ("Minta
    perbaikan"), instead of approving or rejecting it. A first approval given is void: the changed request
    needs the full approval again."""
    access_request = _lock_for_decision(access_request, actor)
    note = require_note(note)
    access_request.changes_note = note
    access_request.first_approved_by = access_request.first_approved_at = None
    _move(access_request, actor=actor, allowed=WAITING_FOR_ADMINISTRATOR, to=S.CHANGES_REQUESTED,
          action=AuditAction.REQUEST_CHANGES, label=_("request changes"), reason=note,
          event="access_changes_requested")
    return access_request


def _issue_key(*, actor, grant):
    raw, prefix, key_hash = generate_key()
    key = ApiKey.objects.create(
        grant=grant, prefix=prefix, key_hash=key_hash, created_by=actor, expires_at=grant.expires_at,
        pending_secret=crypto.encrypt(raw),
    )
    audit_record(actor=actor, target=key, action=AuditAction.ISSUE, new_state="active", data={"grant": grant.pk})
    return key, raw


def _reveal(actor, key, raw):
    key.pending_secret = ""
    key.revealed_at = timezone.now()
    key.save(update_fields=["pending_secret", "revealed_at"])
    audit_record(actor=actor, target=key, action=AuditAction.REVEAL, old_state="pending", new_state="revealed")
    return raw


@transaction.atomic
def access_request_grant(
    *, actor: User, access_request: AccessRequest, rate_limit_per_minute: int | None = None,
    rate_limit_per_day: int | None = None, ip_allowlist: str = "",
) -> tuple[Grant, ApiKey, str | None]:
    """Pasal 7c: the publisher gives access, only after approval. Returns (grant, key, raw_key_or_None).

    The secret is delivered once, to the requesting organisation's operators: it comes back here only
    when the granting user is one of them; otherwise it waits (encrypted) for their one-time reveal.
    """
    access_request = lock(AccessRequest, access_request.pk)
    service = access_request.api_version.service
    require(
        service.owner_id in publisher_org_ids(actor),
        _("Only a publisher operator of the organisation that owns the API can grant access."),
    )
    require_state(access_request, (S.APPROVED,), _("grant access"))
    if access_request.api_version.status != ApiVersionStatusChoices.PUBLISHED:
        raise TransitionError(_("This API version is no longer published; access cannot be granted."))
    if access_request.period_end < timezone.localdate():
        raise TransitionError(_("The requested period has ended; the requester needs to apply again."))
    rate_limit_per_minute = rate_limit_per_minute or 60
    # Twice the expected volume, within what a grant may allow (requests stored before the bound may ask more).
    rate_limit_per_day = rate_limit_per_day or min(max(access_request.expected_daily_volume * 2, 1000),
                                                   MAX_CALLS_PER_DAY)
    errors = {}
    if not 1 <= rate_limit_per_minute <= MAX_CALLS_PER_MINUTE:
        errors["rate_limit_per_minute"] = _("The limit per minute must be between 1 and %(max)s calls.") % {
            "max": number_format(MAX_CALLS_PER_MINUTE, force_grouping=True)}
    if not 1 <= rate_limit_per_day <= MAX_CALLS_PER_DAY:
        errors["rate_limit_per_day"] = _("The limit per day must be between 1 and %(max)s calls.") % {
            "max": number_format(MAX_CALLS_PER_DAY, force_grouping=True)}
    if errors:
        raise ValidationError(errors)
    ip_allowlist = _clean_ip_allowlist(ip_allowlist)
    policy = rules.policy_for(service.classification)
    rules.check_allowlist(policy, rules.parse_allowlist(ip_allowlist))
    # The requested period, cut to the policy's longest grant counted from today; fixed from now on.
    expires_at = rules.end_of_day(rules.grant_last_day(policy, access_request, timezone.localdate()))
    grant = Grant.objects.create(
        access_request=access_request, organization=access_request.requester,
        api_version=access_request.api_version, all_operations=access_request.all_operations,
        rate_limit_per_minute=rate_limit_per_minute, rate_limit_per_day=rate_limit_per_day,
        ip_allowlist=ip_allowlist, granted_by=actor, expires_at=expires_at,
    )
    grant.operations.set(access_request.operations.all())
    audit_record(actor=actor, target=grant, action=AuditAction.GRANT, new_state="active",
                 data={"per_minute": rate_limit_per_minute, "per_day": rate_limit_per_day,
                       "policy": {name: getattr(policy, name) for name in rules.POLICY_FIELDS}})
    key, raw = _issue_key(actor=actor, grant=grant)
    _move(access_request, actor=actor, allowed=(S.APPROVED,), to=S.GRANTED, action=AuditAction.GRANT,
          label=_("grant access"))
    if access_request.requester_id in requester_org_ids(actor):
        return grant, key, _reveal(actor, key, raw)
    return grant, key, None


@transaction.atomic
def access_request_decline(*, actor: User, access_request: AccessRequest, reason: str) -> AccessRequest:
    """The publisher refuses to grant an approved request; the requester may then apply again."""
    reason = require_reason(reason)
    access_request = lock(AccessRequest, access_request.pk)
    require(
        access_request.api_version.service.owner_id in publisher_org_ids(actor),
        _("Only a publisher operator of the organisation that owns the API can decline to grant access."),
    )
    access_request.decline_reason = reason
    _move(access_request, actor=actor, allowed=(S.APPROVED,), to=S.DECLINED, action=AuditAction.DECLINE,
          label=_("decline to grant access"), reason=reason)
    return access_request


def _clean_ip_allowlist(text):
    entries = [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValidationError({"ip_allowlist": _("Invalid IP address/CIDR: %(e)s") % {"e": entry}}) from None
    return "\n".join(entries)


def _close_grant(access_request, *, actor, action, reason):
    now = timezone.now()
    grant = Grant.objects.select_for_update().get(access_request=access_request)
    grant.revoked_at = grant.revoked_at or now
    grant.save(update_fields=["revoked_at"])
    for key in grant.keys.select_for_update().filter(revoked_at__isnull=True):
        key.revoked_at = now
        key.pending_secret = ""
        key.save(update_fields=["revoked_at", "pending_secret"])
        audit_record(actor=actor, target=key, action=action, old_state="active", new_state=action, reason=reason)


@transaction.atomic
def access_request_revoke(*, actor: User, access_request: AccessRequest, reason: str) -> AccessRequest:
    reason = require_reason(reason)
    access_request = lock(AccessRequest, access_request.pk)
    owner_id = access_request.api_version.service.owner_id
    require(
        is_administrator(actor) or owner_id in publisher_org_ids(actor),
        _("Only the API's publisher or an administrator can revoke access."),
    )
    require_state(access_request, (S.GRANTED,), _("revoke access"))
    _close_grant(access_request, actor=actor, action=AuditAction.REVOKE, reason=reason)
    _move(access_request, actor=actor, allowed=(S.GRANTED,), to=S.REVOKED, action=AuditAction.REVOKE,
          label=_("revoke access"), reason=reason)
    return access_request


@transaction.atomic
def access_request_expire(*, actor: User | None, access_request: AccessRequest) -> AccessRequest:
    """Close a grant whose period has ended, or an approval the publisher left ungranted too long (run by
    the system, so ``actor`` may be None)."""
    access_request = lock(AccessRequest, access_request.pk)
    require_state(access_request, (S.GRANTED, S.APPROVED), _("mark as expired"))
    if access_request.status == S.APPROVED:
        if not lapsed_approvals().filter(pk=access_request.pk).exists():
            raise TransitionError(_("This approval is still waiting for the grant within its time."))
        _move(access_request, actor=actor, allowed=(S.APPROVED,), to=S.EXPIRED, action=AuditAction.EXPIRE,
              label=_("mark as expired"), event="access_expire_approved")
        return access_request
    if access_request.grant.expires_at > timezone.now():
        raise TransitionError(_("This grant has not reached its expiry yet."))
    _close_grant(access_request, actor=actor, action=AuditAction.EXPIRE, reason="")
    _move(access_request, actor=actor, allowed=(S.GRANTED,), to=S.EXPIRED, action=AuditAction.EXPIRE,
          label=_("mark as expired"))
    return access_request


def _require_key_holder(actor, grant):
    require(
        grant.organization_id in requester_org_ids(actor),
        _("Only a requester operator of the organisation holding the grant can manage its keys."),
    )


@transaction.atomic
def api_key_reveal(*, actor: User, api_key: ApiKey) -> str:
    """Show a freshly issued key to the requester, exactly once."""
    api_key = lock(ApiKey, api_key.pk)
    _require_key_holder(actor, api_key.grant)
    if not api_key.pending_secret or not api_key.is_active:
        raise TransitionError(_("This key has already been shown or is no longer active; create a new key (rotate)."))
    return _reveal(actor, api_key, crypto.decrypt(api_key.pending_secret))


@transaction.atomic
def api_key_rotate(*, actor: User, grant: Grant) -> tuple[ApiKey, str]:
    """Issue a new key for an active grant and revoke the old ones; the new key is returned once."""
    grant = lock(Grant, grant.pk)
    _require_key_holder(actor, grant)
    if not grant.is_active:
        raise TransitionError(_("This grant is not active; its key cannot be rotated."))
    rules.check_grant(rules.policy_for(grant.api_version.service.classification), grant)
    now = timezone.now()
    for old in grant.keys.select_for_update().filter(revoked_at__isnull=True):
        old.revoked_at = now
        old.pending_secret = ""
        old.save(update_fields=["revoked_at", "pending_secret"])
        audit_record(actor=actor, target=old, action=AuditAction.ROTATE, old_state="active", new_state="revoked")
    key, raw = _issue_key(actor=actor, grant=grant)
    return key, _reveal(actor, key, raw)


@transaction.atomic
def api_key_revoke(*, actor: User, api_key: ApiKey, reason: str = "") -> ApiKey:
    api_key = lock(ApiKey, api_key.pk)
    grant = api_key.grant
    require(
        grant.organization_id in requester_org_ids(actor)
        or grant.api_version.service.owner_id in publisher_org_ids(actor)
        or is_administrator(actor),
        _("You are not allowed to revoke this key."),
    )
    if api_key.revoked_at:
        raise TransitionError(_("This key has already been revoked."))
    api_key.revoked_at = timezone.now()
    api_key.pending_secret = ""
    api_key.save(update_fields=["revoked_at", "pending_secret"])
    audit_record(actor=actor, target=api_key, action=AuditAction.REVOKE, old_state="active", new_state="revoked",
                 reason=reason)
    return api_key


# -- Moving grants to a newer version (issue 9: deprecating and retiring versions) ----------------------------
#
# The grant row itself moves: its keys, period, limits and allow-list stay, so the requester's key keeps
# working. Its request moves along, so "one open request per API version" (access_request_submit) still sees
# it. Operations carry over by method and path template (parameter names aside); the rest are dropped.


def _template(path):
    """/v1/items/{id} and /v1/items/{itemId} are one template."""
    return re.sub(r"\{[^}/]+\}", "{}", path)


@dataclass(frozen=True)
class GrantMovePlan:
    """What moving a grant to ``to_version`` does to its operations."""

    grant: Grant
    to_version: ApiVersion
    carried: list  # the target's operations the grant will allow (empty when it allows all)
    dropped: list  # the source's operations the target does not have

    @property
    def dropped_labels(self):
        return [f"{op.method} {op.path}" for op in self.dropped]


def grant_move_plan(*, grant: Grant, to_version: ApiVersion) -> GrantMovePlan:
    """Check the move and match the operations, changing nothing (the portal's preview, and the move's rules).
    Who may move is grant_move's check; a caller showing the preview scopes the grant to the publisher."""
    if grant.access_request.status != S.GRANTED or not grant.is_active:
        raise TransitionError(_("Only an active grant can be moved to another version."))
    source = grant.api_version
    if to_version.service_id != source.service_id:
        raise ValidationError({"to_version": _("The target version belongs to another API.")})
    if to_version.status != ApiVersionStatusChoices.PUBLISHED:
        raise ValidationError({"to_version": _("Version %(v)s is not published; grants can only move to a published "
                                               "version.") % {"v": to_version.version}})
    if to_version.pk <= source.pk:
        raise ValidationError({"to_version": _("Version %(v)s is not newer than version %(from)s.") % {
            "v": to_version.version, "from": source.version}})
    targets = {(op.method, _template(op.path)): op for op in to_version.operations.all()}
    granted = source.operations.all() if grant.all_operations else grant.operations.all()
    carried, dropped = [], []
    for op in sorted(granted, key=lambda o: (o.path, o.method)):
        match = targets.get((op.method, _template(op.path)))
        if match is None:
            dropped.append(op)
        elif not grant.all_operations:
            carried.append(match)
    if not grant.all_operations and not carried:
        raise ValidationError({"to_version": _(
            "None of the granted operations exists in version %(v)s; the requester needs to apply for that "
            "version instead.") % {"v": to_version.version}})
    if AccessRequest.objects.filter(requester_id=grant.organization_id, api_version=to_version,
                                    status__in=OPEN_STATES).exists():
        raise ValidationError({"to_version": _(
            "%(org)s already has a pending request or active access for version %(v)s; that request must be "
            "closed before this grant can move there.") % {"org": grant.organization, "v": to_version.version}})
    return GrantMovePlan(grant=grant, to_version=to_version, carried=carried, dropped=dropped)


@transaction.atomic
def grant_move(*, actor: User, grant: Grant, to_version: ApiVersion) -> GrantMovePlan:
    """The publisher moves a grant to a newer published version of its API; the requester is told which
    operations did not carry over."""
    # Request before grant, the order access_request_revoke locks them in.
    access_request = lock(AccessRequest, grant.access_request_id)
    grant = lock(Grant, grant.pk)
    require(
        grant.api_version.service.owner_id in publisher_org_ids(actor),
        _("Only a publisher operator of the organisation that owns the API can move its grants."),
    )
    # Locked as access_request_submit locks it: no request for the target can slip in meanwhile.
    to_version = ApiVersion.objects.select_for_update().get(pk=to_version.pk)
    plan = grant_move_plan(grant=grant, to_version=to_version)
    source = grant.api_version
    data = {
        "from_version_id": source.pk, "from_version": source.version,
        "to_version_id": to_version.pk, "to_version": to_version.version,
        "all_operations": grant.all_operations,
        "carried": [f"{op.method} {op.path}" for op in plan.carried],
        "dropped": plan.dropped_labels,
    }
    grant.api_version = access_request.api_version = to_version
    grant.save(update_fields=["api_version"])
    access_request.save(update_fields=["api_version", "updated_at"])
    if not grant.all_operations:
        grant.operations.set(plan.carried)
        access_request.operations.set(plan.carried)
    audit_record(actor=actor, target=grant, action=AuditAction.MOVE, data=data)
    audit_record(actor=actor, target=access_request, action=AuditAction.MOVE, old_state=access_request.status,
                 new_state=access_request.status, data=data)
    notify("grant_move", access_request, {"from_version": str(source), "to_version": str(to_version),
                                          "dropped": plan.dropped_labels})
    return plan


def grants_move(
    *, actor: User, from_version: ApiVersion, to_version: ApiVersion
) -> tuple[list[GrantMovePlan], list[tuple[Grant, str]]]:
    """Every active grant on ``from_version`` to ``to_version``, each on its own: a refused one (the holder
    already has a request for the target, say) does not hold back the others. Returns (moved plans,
    [(grant, message)] refused)."""
    require(
        from_version.service.owner_id in publisher_org_ids(actor),
        _("Only a publisher operator of the organisation that owns the API can move its grants."),
    )
    moved, refused = [], []
    for grant in active_grants_on(from_version).select_related("organization").order_by("pk"):
        try:
            moved.append(grant_move(actor=actor, grant=grant, to_version=to_version))
        except ValidationError as exc:
            refused.append((grant, " ".join(exc.messages)))
    return moved, refused
