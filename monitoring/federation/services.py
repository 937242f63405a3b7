"""The register of SPLP connections and the national exports. Only Dinas administrators change anything.

A connection's endpoint is refused as the bus refuses an upstream (directory.interop.upstream_url_refusal:
https, the Dinas' allow-list, no private address literal): inward APIs come from that host. Its agreement is
a PDF checked and stored like the Pasal 8 evidence (monitoring.activities).
"""

import os
from contextlib import nullcontext
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.choices import ClassificationChoices
from directory.interop import upstream_url_refusal
from directory.models import LIVE_STATUSES, ApiService, ApiVersion
from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.workflow import lock, require

from ..activities import stored_upload
from ..governance import pdf_check
from ..models import HealthCheck, NationalExport, SplpConnection, SplpConnectionKindChoices
from . import wso2


def _require_admin(actor):
    require(is_administrator(actor), _("Only a Dinas administrator can manage the SPLP connections."))


def _check(condition, message):
    # A refusal the administrator can act on (not a permission): shown on the form, never a 403.
    if not condition:
        raise ValidationError(message)


def endpoint_refusal(endpoint: str) -> str | None:
    """Why the endpoint is refused (as an upstream would be), or None."""
    refusal = upstream_url_refusal(endpoint)
    return _("This endpoint is refused: %(reason)s.") % {"reason": refusal} if refusal else None


def _clean(kind, name, endpoint):
    errors = {}
    if kind not in SplpConnectionKindChoices.values:
        errors["kind"] = _("Choose the kind of connection.")
    if not (name or "").strip():
        errors["name"] = _("The name is required.")
    refusal = endpoint_refusal(endpoint)
    if refusal:
        errors["endpoint"] = refusal
    if errors:
        raise ValidationError(errors)


def _snapshot(connection):
    return {"kind": connection.kind, "name": connection.name, "endpoint": connection.endpoint,
            "tenant": connection.tenant, "is_active": connection.is_active, "agreement": connection.agreement_name}


@transaction.atomic
def connection_register(
    *, actor: User, kind: str, name: str, endpoint: str, tenant: str = "", notes: str = "",
    uploaded_file: File | None = None,
) -> SplpConnection:
    """Add a connection to the register, optionally with its agreement (PDF)."""
    _require_admin(actor)
    _clean(kind, name, endpoint)
    extension = pdf_check(uploaded_file) if uploaded_file is not None else None
    connection = SplpConnection(kind=kind, name=name.strip(), endpoint=endpoint, tenant=tenant.strip(),
                                notes=notes, created_by=actor)
    if extension:
        connection.agreement_name = os.path.basename(uploaded_file.name)[:200]
    with stored_upload(connection.agreement, uploaded_file, extension) if extension else nullcontext():
        connection.save()
        audit_record(actor=actor, target=connection, action=AuditAction.SPLP_CONNECTION_REGISTER, new_state=kind,
                     data=_snapshot(connection))
    return connection


@transaction.atomic
def connection_update(
    *, actor: User, connection: SplpConnection, kind: str, name: str, endpoint: str, tenant: str, notes: str,
    is_active: bool, uploaded_file: File | None = None,
) -> SplpConnection:
    """Correct a connection or replace its agreement; the replaced file is deleted once the change commits."""
    _require_admin(actor)
    _clean(kind, name, endpoint)
    extension = pdf_check(uploaded_file) if uploaded_file is not None else None
    connection = lock(SplpConnection, connection.pk)
    before, old_file = _snapshot(connection), connection.agreement.name
    connection.kind, connection.name, connection.endpoint = kind, name.strip(), endpoint
    connection.tenant, connection.notes, connection.is_active = tenant.strip(), notes, bool(is_active)
    if extension:
        connection.agreement_name = os.path.basename(uploaded_file.name)[:200]
    with stored_upload(connection.agreement, uploaded_file, extension) if extension else nullcontext():
        connection.save()
        audit_record(actor=actor, target=connection, action=AuditAction.SPLP_CONNECTION_UPDATE,
                     old_state=before["kind"], new_state=kind, data={"before": before, "after": _snapshot(connection)})
    if extension and old_file:
        storage = connection.agreement.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return connection


@transaction.atomic
def national_publication_mark(
    *, actor: User, connection: SplpConnection, service: ApiService, publish: bool
) -> SplpConnection:
    """Mark (or unmark) an API for publication on the connection. Only a live, non-secret API is marked:
    a rahasia API is known only to the keys granted on it, never listed on another SPLP."""
    _require_admin(actor)
    connection = lock(SplpConnection, connection.pk)
    marked = connection.published_services.filter(pk=service.pk).exists()
    if marked == publish:
        return connection
    if publish:
        _check(connection.is_active, _("This connection is not active."))
        _check(service.classification != ClassificationChoices.RAHASIA,
                _("A secret (rahasia) API is never published on another SPLP."))
        _check(service.versions.filter(status__in=LIVE_STATUSES).exists(),
                _("Only an API with a published version can be published on another SPLP."))
        connection.published_services.add(service)
    else:
        connection.published_services.remove(service)
    audit_record(actor=actor, target=connection, action=AuditAction.NATIONAL_PUBLICATION_MARK,
                 old_state=str(marked), new_state=str(publish), data={"service": service.slug})
    return connection


def _live_version(service):
    return service.versions.filter(status__in=LIVE_STATUSES).order_by("-id").first()


@transaction.atomic
def national_export(
    *, actor: User, connection: SplpConnection, services: list[ApiService] | None = None
) -> tuple[list[NationalExport], bytes]:
    """Export the marked APIs (all of them, or ``services`` among them) as WSO2 API Manager projects in one
    zip; each export is recorded with what changed since the previous export of that API there."""
    _require_admin(actor)
    connection = lock(SplpConnection, connection.pk)
    _check(connection.is_active, _("This connection is not active."))
    marked = connection.published_services.order_by("name", "id")
    if services is not None:
        unmarked = {s.pk for s in services} - set(marked.values_list("pk", flat=True))
        _check(not unmarked, _("Only the APIs marked for publication on this connection are exported."))
        marked = marked.filter(pk__in=[s.pk for s in services])
    # One export, one time: the archive's APIs share it.
    files, exports, now = {}, [], timezone.now()
    for service in marked:
        version = _live_version(service)
        _check(version is not None, _("%(api)s has no published version to export.") % {"api": service.name})
        project = wso2.project_files(version)
        files.update(project)
        manifest = wso2.manifest(version)
        previous = (NationalExport.objects.filter(connection=connection, api_version__service=service)
                    .order_by("-exported_at", "-id").first())
        api_yaml = next(data for path, data in project.items() if path.endswith("/api.yaml"))
        export = NationalExport.objects.create(
            connection=connection, api_version=version, exported_at=now, exported_by=actor, manifest=manifest,
            api_yaml_sha256=wso2.sha256(api_yaml),
            changes=wso2.changes(previous.manifest if previous else None, manifest),
            project={path: data.decode() for path, data in project.items()},
        )
        audit_record(actor=actor, target=connection, action=AuditAction.NATIONAL_EXPORT,
                     data={"service": service.slug, "version": version.version, "export": export.pk,
                           "api_yaml_sha256": export.api_yaml_sha256, "changes": export.changes})
        exports.append(export)
    _check(exports, _("No API is marked for publication on this connection."))
    return exports, wso2.archive(files)


# -- reads ---------------------------------------------------------------------------------------


def inward_versions(connection: SplpConnection) -> list[tuple[ApiVersion, HealthCheck | None]]:
    """The live versions registered here whose upstream is on the connection's host, each with its latest
    health check (None before the first)."""
    host = urlsplit(connection.endpoint).hostname or ""
    candidates = (ApiVersion.objects.filter(status__in=LIVE_STATUSES, upstream_base_url__icontains=host)
                  .select_related("service").order_by("service__name", "-id"))
    versions = [v for v in candidates if host and (urlsplit(v.upstream_base_url).hostname or "") == host]
    return [(v, HealthCheck.objects.filter(api_version=v).order_by("-checked_at").first()) for v in versions]


def last_export(connection: SplpConnection) -> NationalExport | None:
    return connection.exports.order_by("-exported_at", "-id").first()
