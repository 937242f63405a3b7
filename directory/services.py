"""Every state change of API registrations; views, admin and API call these."""

import datetime
import json

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from splp import crypto
from splp.audit import AuditAction, audit_record, settings_row_update
from splp.http import HEADER_NAME, HEADER_VALUE, is_reserved_header
from splp.workflow import TransitionError, lock, require, require_note, require_reason, require_state

from .choices import ApiVersionStatusChoices as S, UpstreamAuthTypeChoices as A
from .interop import (
    detect_format,
    extract_operations,
    normalise_media_types,
    parse_spec,
    run_interop_check,
    upstream_url_refusal,
    validate_rules,
)
from .models import (
    LIVE_STATUSES,
    MAX_CONNECT_TIMEOUT,
    MAX_READ_TIMEOUT,
    MIN_TIMEOUT,
    ApiOperation,
    ApiService,
    ApiVersion,
    InteropStandard,
    Membership,
    Organization,
    ReviewNote,
)
from .notifications import notify
from .selectors import (
    current_interop_standard,
    invalidate_theme_counts,
    is_administrator,
    publisher_org_ids,
    versions_failing_the_standard,
)
from .signals import api_version_ending

SERVICE_FIELDS = (
    "name",
    "description",
    "theme",
    "classification",
    "has_personal_data",
    "legal_basis",
    "update_frequency",
    "contact_name",
    "contact_email",
    "sla",
    "data_producer",
    "data_steward",
    "health_check_path",
)
EDITABLE_VERSION_STATES = (S.DRAFT, S.CHANGES_REQUESTED)
# Versions the bus never calls again and no check or setting concerns any more.
ENDED_VERSION_STATES = (S.RETIRED, S.REJECTED)


def can_manage_service(user: User, service: ApiService) -> bool:
    return is_administrator(user) or service.owner_id in publisher_org_ids(user)


def _require_manage(actor, service):
    require(can_manage_service(actor, service),
            _("You are not a publisher operator of the organisation that owns this API."))


def _full_clean(obj, exclude=None):
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


def _apply_spec(api_version, spec, upstream_base_url):
    """Store a parsed spec with its check results and operations (replacing earlier ones)."""
    # Dicts go through the same parser: size cap, format check and, above all, the remote-$ref refusal.
    doc = parse_spec(json.dumps(spec) if isinstance(spec, dict) else spec)
    api_version.spec = doc
    api_version.spec_format = detect_format(doc)
    api_version.upstream_base_url = upstream_base_url
    _check(api_version, current_interop_standard())


def _check(api_version, standard):
    """Run the check by ``standard`` and record its result with the standard's version."""
    api_version.interop_report = run_interop_check(api_version.spec, api_version.upstream_base_url, standard)
    api_version.interop_passed = not api_version.blocking_failures
    api_version.interop_standard_version = standard.version


def _save_operations(api_version):
    api_version.operations.all().delete()
    ApiOperation.objects.bulk_create(
        ApiOperation(api_version=api_version, **row) for row in extract_operations(api_version.spec)
    )


@transaction.atomic
def api_service_register(
    *, actor: User, owner: Organization, slug: str, version: str, upstream_base_url: str, spec: str | bytes | dict,
    **fields,
) -> tuple[ApiService, ApiVersion]:
    """Create a registration with its first (draft) version."""
    require(
        is_administrator(actor) or owner.pk in publisher_org_ids(actor),
        _("You are not a publisher operator of this organisation."),
    )
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if ApiService.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("The slug \"%(slug)s\" is already used by another API.") % {"slug": slug}})
    service = ApiService(owner=owner, slug=slug, **fields)
    _full_clean(service)
    service.save()
    api_version = _new_version(actor=actor, service=service, version=version, upstream_base_url=upstream_base_url,
                               spec=spec)
    audit_record(actor=actor, target=service, action=AuditAction.REGISTER, new_state=S.DRAFT, data={"version": version})
    return service, api_version


def _new_version(*, actor, service, version, upstream_base_url, spec):
    taken = ApiVersion.objects.filter(service=service, version=version).values_list("status", flat=True).first()
    if taken == S.REJECTED:
        # A version number names one record (pages, audit, mail): a rejected one keeps its number.
        raise ValidationError({"version": _("Version %(v)s of this API was rejected by the Dinas; register the "
                                            "new version under another version number.") % {"v": version}})
    if taken is not None:
        raise ValidationError({"version": _("Version %(v)s is already registered for this API.") % {"v": version}})
    api_version = ApiVersion(service=service, version=version, created_by=actor)
    _apply_spec(api_version, spec, upstream_base_url)
    _full_clean(api_version, exclude=["service", "created_by"])
    api_version.save()
    _save_operations(api_version)
    audit_record(
        actor=actor, target=api_version, action=AuditAction.CREATE, new_state=api_version.status,
        data={"interop_passed": api_version.interop_passed},
    )
    return api_version


@transaction.atomic
def api_version_create(
    *, actor: User, service: ApiService, version: str, upstream_base_url: str, spec: str | bytes | dict
) -> ApiVersion:
    """A new version is a new record: earlier versions keep theirs."""
    service = lock(ApiService, service.pk)
    _require_manage(actor, service)
    return _new_version(actor=actor, service=service, version=version, upstream_base_url=upstream_base_url, spec=spec)


@transaction.atomic
def api_service_update(*, actor: User, service: ApiService, **fields) -> ApiService:
    service = lock(ApiService, service.pk)
    _require_manage(actor, service)
    changed = {}
    for name, value in fields.items():
        if name not in SERVICE_FIELDS:
            raise ValidationError(_("Unknown field: %(f)s") % {"f": name})
        if getattr(service, name) != value:
            changed[name] = str(value)
            setattr(service, name, value)
    if changed:
        _full_clean(service)
        service.save()
        audit_record(actor=actor, target=service, action=AuditAction.UPDATE, data={"changed": sorted(changed)})
        if "theme" in changed:
            _theme_counts_changed()
    return service


@transaction.atomic
def api_version_update(
    *, actor: User, api_version: ApiVersion, upstream_base_url: str, spec: str | bytes | dict
) -> ApiVersion:
    api_version = lock(ApiVersion, api_version.pk)
    _require_manage(actor, api_version.service)
    require_state(api_version, EDITABLE_VERSION_STATES, _("edit the version"))
    _apply_spec(api_version, spec, upstream_base_url)
    _full_clean(api_version, exclude=["service", "created_by"])
    api_version.save()
    _save_operations(api_version)
    audit_record(
        actor=actor, target=api_version, action=AuditAction.UPDATE_SPEC, old_state=api_version.status,
        new_state=api_version.status, data={"interop_passed": api_version.interop_passed},
    )
    return api_version


def _theme_counts_changed():
    # Now, for the rest of this transaction; again after the commit, in case a concurrent page re-cached the
    # old counts in between.
    invalidate_theme_counts()
    transaction.on_commit(invalidate_theme_counts)


def _listing_changed(api_version):
    """Keep the service's directory flag in step with its versions after one went live (publish) or off (retire)."""
    live = ApiVersion.objects.filter(service_id=api_version.service_id, status__in=LIVE_STATUSES).exists()
    ApiService.objects.filter(pk=api_version.service_id).update(is_listed=live)
    _theme_counts_changed()


def _move(api_version, *, actor, allowed, to, action, label, reason="", data=None):
    require_state(api_version, allowed, label)
    old = api_version.status
    api_version.status = to
    audit_record(actor=actor, target=api_version, action=action, old_state=old, new_state=to, reason=reason,
                 data=data)


@transaction.atomic
def api_version_submit_for_review(*, actor: User, api_version: ApiVersion) -> ApiVersion:
    api_version = lock(ApiVersion, api_version.pk)
    _require_manage(actor, api_version.service)
    # The check runs again on submit: the internal allow-list may have changed since the draft.
    _apply_spec(api_version, api_version.spec, api_version.upstream_base_url)
    _move(api_version, actor=actor, allowed=EDITABLE_VERSION_STATES, to=S.SUBMITTED, action=AuditAction.SUBMIT,
          label=_("submit for review"))
    api_version.submitted_at = timezone.now()
    api_version.save()
    notify("api_submitted", api_version)
    return api_version


def _require_admin(actor):
    require(is_administrator(actor), _("Only a Dinas administrator can do this."))


def _require_independent_reviewer(actor, api_version):
    # Separation of duties: an organisation's own API is reviewed by an administrator from outside it.
    require(
        not Membership.objects.filter(user=actor, organization=api_version.service.owner_id).exists(),
        _("Separation of duties: an administrator cannot review an API registration of an organisation they "
          "belong to; another administrator must review it."),
    )


def _add_note(actor, api_version, body):
    body = (body or "").strip()
    if body:
        ReviewNote.objects.create(api_version=api_version, author=actor, body=body)


@transaction.atomic
def api_version_request_changes(*, actor: User, api_version: ApiVersion, note: str) -> ApiVersion:
    _require_admin(actor)
    note = require_note(note)
    api_version = lock(ApiVersion, api_version.pk)
    _require_independent_reviewer(actor, api_version)
    _move(api_version, actor=actor, allowed=(S.SUBMITTED,), to=S.CHANGES_REQUESTED, action=AuditAction.REQUEST_CHANGES,
          label=_("request changes"), reason=note)
    api_version.save()
    _add_note(actor, api_version, note)
    notify("api_changes_requested", api_version)
    return api_version


@transaction.atomic
def api_version_reject(*, actor: User, api_version: ApiVersion, reason: str) -> ApiVersion:
    """The Dinas refuses the registration for good (a duplicate of another API, data that may not be shared):
    the version is never published nor submitted again; its publisher may register a new version."""
    _require_admin(actor)
    reason = require_reason(reason)
    api_version = lock(ApiVersion, api_version.pk)
    _require_independent_reviewer(actor, api_version)
    _move(api_version, actor=actor, allowed=(S.SUBMITTED,), to=S.REJECTED, action=AuditAction.REJECT,
          label=_("reject"), reason=reason)
    api_version.rejected_at = timezone.now()
    api_version.rejection_reason = reason
    api_version.save()
    _add_note(actor, api_version, reason)
    notify("api_rejected", api_version)
    return api_version


@transaction.atomic
def api_version_publish(*, actor: User, api_version: ApiVersion, note: str = "") -> ApiVersion:
    _require_admin(actor)
    api_version = lock(ApiVersion, api_version.pk)
    _require_independent_reviewer(actor, api_version)
    require_state(api_version, (S.SUBMITTED,), _("publish"))
    if not api_version.interop_passed:
        raise ValidationError(
            _("Cannot publish yet: the interoperability check has not passed (%(items)s).")
            % {"items": ", ".join(c["label"] for c in api_version.blocking_failures)}
        )
    _move(api_version, actor=actor, allowed=(S.SUBMITTED,), to=S.PUBLISHED, action=AuditAction.PUBLISH,
          label=_("publish"), reason=note)
    api_version.published_at = timezone.now()
    api_version.save()
    _add_note(actor, api_version, note)
    notify("api_published", api_version)
    _listing_changed(api_version)
    return api_version


@transaction.atomic
def api_version_deprecate(
    *, actor: User, api_version: ApiVersion, sunset_on: datetime.date | None, reason: str = ""
) -> ApiVersion:
    """Announce the end of a version: it stays callable until retired, on ``sunset_on`` as planned; every
    holder of a grant on it is told (access listens to ``api_version_ending``)."""
    api_version = lock(ApiVersion, api_version.pk)
    _require_manage(actor, api_version.service)
    require_state(api_version, (S.PUBLISHED,), _("deprecate"))
    if sunset_on is None:
        raise ValidationError({"sunset_on": _("The planned retirement date is required: the holders of grants "
                                              "on this version are told when it ends.")})
    if sunset_on <= timezone.localdate():
        raise ValidationError({"sunset_on": _("The planned retirement date must be after today.")})
    _move(api_version, actor=actor, allowed=(S.PUBLISHED,), to=S.DEPRECATED, action=AuditAction.DEPRECATE,
          label=_("deprecate"), reason=reason, data={"sunset_on": sunset_on.isoformat()})
    api_version.deprecated_at = timezone.now()
    api_version.sunset_on = sunset_on
    api_version.save()
    _theme_counts_changed()
    api_version_ending.send(sender=ApiVersion, api_version=api_version, actor=actor, action="deprecate")
    return api_version


@transaction.atomic
def api_version_retire(*, actor: User, api_version: ApiVersion, reason: str = "") -> ApiVersion:
    api_version = lock(ApiVersion, api_version.pk)
    _require_manage(actor, api_version.service)
    _move(api_version, actor=actor, allowed=(S.DEPRECATED,), to=S.RETIRED, action=AuditAction.RETIRE,
          label=_("retire"), reason=reason)
    api_version.save()
    _listing_changed(api_version)
    api_version_ending.send(sender=ApiVersion, api_version=api_version, actor=actor, action="retire")
    return api_version


@transaction.atomic
def review_note_add(*, actor: User, api_version: ApiVersion, body: str) -> ReviewNote:
    """A message in the accompaniment thread, from the Dinas or the publisher."""
    api_version = lock(ApiVersion, api_version.pk)
    _require_manage(actor, api_version.service)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The note may not be empty.")})
    note = ReviewNote.objects.create(api_version=api_version, author=actor, body=body)
    audit_record(actor=actor, target=api_version, action=AuditAction.REVIEW_NOTE, old_state=api_version.status,
                 new_state=api_version.status, reason=body)
    return note


@transaction.atomic
def api_version_configure_upstream(
    *, actor: User, api_version: ApiVersion, auth_type: str | None = None, auth_header: str,
    auth_secret: str | None = None, token_url: str = "", client_id: str = "", client_secret: str | None = None,
    token_scope: str = "", connect_timeout: float, read_timeout: float,
) -> ApiVersion:
    """How the bus calls this version's upstream: no credential, a static header, or an OAuth2 client-credentials
    token (sent as ``Authorization: Bearer`` or, with another ``auth_header``, raw in that header).

    ``auth_type`` None means a static header when one is named, else none (callers predating OAuth2).
    ``auth_secret``/``client_secret`` None keep the stored secret; secrets are stored encrypted and never shown
    again, nor written to the audit row. The token URL passes the bus' SSRF guard as far as the URL tells;
    the bus checks its resolved addresses again at every fetch."""
    api_version = lock(ApiVersion, api_version.pk)
    _require_manage(actor, api_version.service)
    if api_version.status in ENDED_VERSION_STATES:
        raise TransitionError(_("A retired or rejected version is not called by the bus."))
    auth_header = (auth_header or "").strip()
    if auth_type is None:
        auth_type = A.STATIC if auth_header else A.NONE
    token_url, client_id, token_scope = ((value or "").strip() for value in (token_url, client_id, token_scope))
    errors = {}
    if auth_type not in A.values:
        errors["auth_type"] = _("Choose a credential type.")
    if auth_header and not HEADER_NAME.match(auth_header):
        errors["auth_header"] = _("Not a valid HTTP header name.")
    elif auth_header and is_reserved_header(auth_header):
        errors["auth_header"] = _("The bus sets this header itself; choose another.")
    if auth_type == A.STATIC:
        if auth_secret is not None and not HEADER_VALUE.match(auth_secret):
            errors["auth_secret"] = _("The credential may hold only visible ASCII characters and inner spaces "
                                      "(no line breaks).")
        if not auth_header:
            errors["auth_header"] = _("A header name is required for a static credential.")
        elif auth_secret is None and not api_version.upstream_auth_secret:
            errors["auth_secret"] = _("A credential is required with a header name.")
    elif auth_type == A.OAUTH2:
        errors.update(_oauth2_errors(api_version, token_url, client_id, client_secret, token_scope))
    for field, value, maximum in (("connect_timeout", connect_timeout, MAX_CONNECT_TIMEOUT),
                                  ("read_timeout", read_timeout, MAX_READ_TIMEOUT)):
        if not MIN_TIMEOUT <= value <= maximum:
            errors[field] = _("Between %(min)s and %(max)s seconds.") % {
                "min": number_format(MIN_TIMEOUT), "max": maximum}
    if errors:
        raise ValidationError(errors)
    secret_changed = auth_type == A.STATIC and auth_secret is not None
    client_secret_changed = auth_type == A.OAUTH2 and client_secret is not None
    api_version.upstream_auth_type = auth_type
    api_version.upstream_auth_header = auth_header if auth_type != A.NONE else ""
    # A type's settings go when another type is chosen: no stale secret stays stored.
    if auth_type != A.STATIC:
        api_version.upstream_auth_secret = ""
    elif secret_changed:
        api_version.upstream_auth_secret = crypto.encrypt(auth_secret)
    if auth_type != A.OAUTH2:
        token_url = client_id = token_scope = api_version.upstream_client_secret = ""
    elif client_secret_changed:
        api_version.upstream_client_secret = crypto.encrypt(client_secret)
    api_version.upstream_token_url, api_version.upstream_client_id = token_url, client_id
    api_version.upstream_token_scope = token_scope
    api_version.connect_timeout, api_version.read_timeout = connect_timeout, read_timeout
    api_version.save(update_fields=[
        "upstream_auth_type", "upstream_auth_header", "upstream_auth_secret", "upstream_token_url",
        "upstream_client_id", "upstream_client_secret", "upstream_token_scope", "connect_timeout", "read_timeout",
    ])
    audit_record(actor=actor, target=api_version, action=AuditAction.CONFIGURE_UPSTREAM, old_state=api_version.status,
                 new_state=api_version.status,
                 data={"auth_type": auth_type, "auth_header": api_version.upstream_auth_header,
                       "secret_changed": secret_changed, "token_url": token_url, "client_id": client_id,
                       "token_scope": token_scope, "client_secret_changed": client_secret_changed,
                       "connect_timeout": connect_timeout, "read_timeout": read_timeout})
    return api_version


def _oauth2_errors(api_version, token_url, client_id, client_secret, token_scope):
    errors = {}
    if not token_url:
        errors["token_url"] = _("A token URL is required for OAuth2.")
    elif len(token_url) > 500 or upstream_url_refusal(token_url):
        errors["token_url"] = _("The bus may not call this token URL: it must be https (plain http only for a host "
                                "the Dinas lists as internal) on a host the Dinas allows, not a private address.")
    if not client_id:
        errors["client_id"] = _("A client ID is required for OAuth2.")
    elif len(client_id) > 200 or not HEADER_VALUE.match(client_id):
        errors["client_id"] = _("The client ID may hold only visible ASCII characters (at most 200).")
    if client_secret is None and not api_version.upstream_client_secret:
        errors["client_secret"] = _("A client secret is required for OAuth2.")
    elif client_secret is not None and not HEADER_VALUE.match(client_secret):
        errors["client_secret"] = _("The client secret may hold only visible ASCII characters and inner spaces.")
    if token_scope and (len(token_scope) > 500 or not HEADER_VALUE.match(token_scope)):
        errors["token_scope"] = _("The scope may hold only visible ASCII characters (at most 500).")
    return errors


def _set_suspended(*, actor, service, suspended, reason):
    _require_admin(actor)
    service = lock(ApiService, service.pk)
    if service.is_suspended == suspended:
        raise TransitionError(_("The API is already suspended.") if suspended else _("The API is not suspended."))
    service.is_suspended = suspended
    service.save(update_fields=["is_suspended"])
    audit_record(actor=actor, target=service, action=AuditAction.SUSPEND if suspended else AuditAction.RESUME,
                 old_state="active" if suspended else "suspended", new_state="suspended" if suspended else "active",
                 reason=reason)
    return service


@transaction.atomic
def api_service_suspend(*, actor: User, service: ApiService, reason: str) -> ApiService:
    """The Dinas stops the bus from carrying calls to this API (503), e.g. during an incident."""
    return _set_suspended(actor=actor, service=service, suspended=True, reason=require_reason(reason))


@transaction.atomic
def api_service_resume(*, actor: User, service: ApiService, reason: str = "") -> ApiService:
    return _set_suspended(actor=actor, service=service, suspended=False, reason=reason)


STANDARD_FIELDS = ("allowed_media_types", "rules")


@transaction.atomic
def interop_standard_update(
    *, actor: User, standard: InteropStandard, **fields
) -> tuple[InteropStandard, list[ApiVersion]]:
    """An administrator changes the interoperability standard (``STANDARD_FIELDS``; ``rules`` may name only the
    rules it changes). A change gets the next version number, and every version not ended (retired, rejected)
    is checked again against it. Their status never changes: a live version now failing a blocking rule stays
    published, and is returned (and kept in ``versions_failing_the_standard``) for the Dinas to follow up with
    its publisher."""
    require(is_administrator(actor), _("Only a Dinas administrator can change the interoperability standard."))
    unknown = set(fields) - set(STANDARD_FIELDS)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    standard = lock(InteropStandard, standard.pk)
    if isinstance(fields.get("allowed_media_types"), list | tuple):
        fields["allowed_media_types"] = normalise_media_types(fields["allowed_media_types"])
    if "rules" in fields:
        validate_rules(fields["rules"])
        fields["rules"] = {**standard.rules, **fields["rules"]}
    if all(getattr(standard, name) == value for name, value in fields.items()):
        return standard, []
    settings_row_update(standard, actor=actor, action=AuditAction.INTEROP_STANDARD_UPDATE,
                        names=(*STANDARD_FIELDS, "version"), values={**fields, "version": standard.version + 1})
    for api_version in ApiVersion.objects.exclude(status__in=ENDED_VERSION_STATES).select_for_update().order_by("pk"):
        passed_before = api_version.interop_passed
        _check(api_version, standard)
        api_version.save(update_fields=["interop_report", "interop_passed", "interop_standard_version"])
        if passed_before and not api_version.interop_passed and api_version.status in LIVE_STATUSES:
            # The API's own history says why it no longer passes, though it stays published.
            audit_record(actor=actor, target=api_version, action=AuditAction.INTEROP_STANDARD_UPDATE,
                         old_state=api_version.status, new_state=api_version.status,
                         data={"standard_version": standard.version,
                               "failing": [c["code"] for c in api_version.blocking_failures]})
    return standard, list(versions_failing_the_standard().select_related("service").order_by("service__name", "pk"))
