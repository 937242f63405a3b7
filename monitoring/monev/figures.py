"""Every figure of a report, as plain JSON.

``compute_figures`` reads the hourly rollups (never the raw request log) with a handful of grouped SQL
queries, so a year of rollups for a whole city stays a matter of seconds; latency percentiles come from the
summed fixed histograms. The result is plain JSON, frozen into the MonevReport when it is generated: the
report shows what was known then, whatever happens to the data afterwards.
"""

import datetime
from collections import Counter, defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from access.choices import WAITING_FOR_ADMINISTRATOR, AccessRequestStatusChoices
from access.models import AccessRequest, ApiKey, Grant
from directory.models import LIVE_STATUSES, ApiOperation, ApiService, ApiVersion, Organization, Theme
from splp.audit import AuditAction
from splp.context_processors import current_pemda
from splp.models import AuditEvent

from .. import rules
from ..incidents import incident_clock, notification_deadline
from ..models import LATENCY_BUCKETS_MS, Activity, Finding, FindingStatusChoices, PersonalDataIncident
from .followup import previous_recommendations
from .periods import local_iso, period_bounds
from .recommendations import build_recommendations
from .usage import usage_section

FIGURES_VERSION = 1


def _live_version(service):
    live = [v for v in service.versions.all() if v.status in LIVE_STATUSES]
    if live:
        return max(live, key=lambda v: v.id)
    versions = list(service.versions.all())
    return max(versions, key=lambda v: v.id) if versions else None


def _inventory():
    services = list(
        ApiService.objects.select_related("owner", "theme")
        .prefetch_related(Prefetch("versions", queryset=ApiVersion.objects.defer("spec", "upstream_auth_secret")))
        .order_by("name", "id")
    )
    operation_counts = dict(
        ApiOperation.objects.order_by().values_list("api_version_id").annotate(n=Count("id"))
    )
    apis = []
    for service in services:
        version = _live_version(service)
        is_live = version is not None and version.status in LIVE_STATUSES
        failures = [c.get("label", c.get("code", "")) for c in (version.interop_report if version else [])
                    if c.get("blocking") and not c.get("passed")]
        apis.append({
            "id": service.pk,
            "name": service.name,
            "slug": service.slug,
            "owner_id": service.owner_id,
            "owner": service.owner.name,
            "theme_id": service.theme_id,
            "theme": service.theme.name,
            "classification": service.classification,
            "personal_data": service.has_personal_data,
            "suspended": service.is_suspended,
            "version": version.version if version else "",
            "status": version.status if version else "",
            "live": is_live,
            "published_at": local_iso(version.published_at) if version else None,
            "operations": operation_counts.get(version.pk, 0) if version else 0,
            "interop_passed": bool(version and version.interop_passed),
            "interop_failures": failures,
        })
    return apis


def _count_by(apis, key, name_key):
    groups = {}
    for api in apis:
        group = groups.setdefault(api[key], {"name": api[name_key], "apis": 0, "live": 0})
        group["apis"] += 1
        group["live"] += int(api["live"])
    return sorted(groups.values(), key=lambda g: (-g["live"], g["name"]))


def _hours_between(pairs):
    hours = [(later - earlier).total_seconds() / 3600 for earlier, later in pairs if earlier and later]
    if not hours:
        return {"count": 0, "avg_hours": None, "max_hours": None}
    return {"count": len(hours), "avg_hours": round(sum(hours) / len(hours), 1), "max_hours": round(max(hours), 1)}


def _administrator_answers(request_events, request_type, resubmitted):
    """(waiting since, answered at) of each answer the administrator gave in the period: an approval, a
    rejection or a return for changes. A request waits for the administrator from its submission or its latest
    resubmission, so the time a requester took to make the changes asked for is not counted as the Dinas'."""
    answers = list(request_events.filter(
        action__in=(AuditAction.APPROVE, AuditAction.REJECT, AuditAction.REQUEST_CHANGES)
    ).values_list("object_id", "created_at"))
    ids = {object_id for object_id, _ in answers}
    since = defaultdict(list)
    for pk, created_at in AccessRequest.objects.filter(pk__in=ids).values_list("pk", "created_at"):
        since[str(pk)].append(created_at)
    for object_id, at in AuditEvent.objects.filter(
        content_type=request_type, object_id__in=ids, **resubmitted
    ).values_list("object_id", "created_at"):
        since[object_id].append(at)
    return [(max((t for t in since[object_id] if t <= at), default=None), at) for object_id, at in answers]


def _access_section(start, end):
    request_type = ContentType.objects.get_for_model(AccessRequest)
    key_type = ContentType.objects.get_for_model(ApiKey)
    request_events = AuditEvent.objects.filter(content_type=request_type, created_at__gte=start, created_at__lt=end)
    # A request changed as the administrator asked is audited as submitted again: counted apart, not as new.
    resubmitted = {"action": AuditAction.SUBMIT, "old_state": AccessRequestStatusChoices.CHANGES_REQUESTED}
    events = dict(
        request_events.exclude(**resubmitted).order_by().values_list("action").annotate(n=Count("id"))
    )
    key_events = dict(
        AuditEvent.objects.filter(content_type=key_type, created_at__gte=start, created_at__lt=end)
        .order_by().values_list("action").annotate(n=Count("id"))
    )
    submitted = AccessRequest.objects.filter(created_at__gte=start, created_at__lt=end)
    status_now = dict(submitted.order_by().values_list("status").annotate(n=Count("id")))
    decisions = _administrator_answers(request_events, request_type, resubmitted)
    grant_times = Grant.objects.filter(granted_at__gte=start, granted_at__lt=end).values_list(
        "access_request__decided_at", "granted_at"
    )
    now = timezone.now()
    lapsed_unclosed = ApiKey.objects.filter(
        expires_at__gte=start, expires_at__lt=min(end, now), revoked_at__isnull=True
    ).count()
    return {
        "requests_submitted": submitted.count(),
        "requests_by_status": {status: status_now.get(status, 0) for status in AccessRequestStatusChoices.values},
        "events": {action.value: events.get(action, 0) for action in (
            AuditAction.SUBMIT, AuditAction.REQUEST_CHANGES, AuditAction.APPROVE, AuditAction.REJECT,
            AuditAction.WITHDRAW, AuditAction.GRANT, AuditAction.REVOKE, AuditAction.EXPIRE)},
        "requests_resubmitted": request_events.filter(**resubmitted).count(),
        "decision_time": _hours_between(decisions),
        "grant_time": _hours_between(grant_times),
        "keys_issued": ApiKey.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        "keys_revoked": key_events.get(AuditAction.REVOKE, 0) + key_events.get(AuditAction.ROTATE, 0),
        "keys_rotated": key_events.get(AuditAction.ROTATE, 0),
        "keys_expired": key_events.get(AuditAction.EXPIRE, 0) + lapsed_unclosed,
        "pending_decision": AccessRequest.objects.filter(status__in=WAITING_FOR_ADMINISTRATOR).count(),
        "pending_grant": AccessRequest.objects.filter(status=AccessRequestStatusChoices.APPROVED).count(),
    }


def _findings_section(start, end):
    findings = (
        Finding.objects.filter(period_start__lt=end, period_end__gt=start)
        .select_related("organization", "service", "grant")
        .order_by("kind", "organization__name", "period_start", "id")
    )
    rows = []
    by_kind = defaultdict(lambda: {"open": 0, "followed_up": 0, "count": 0})
    for finding in findings:
        rows.append({
            "id": finding.pk,
            "kind": finding.kind,
            "organization": finding.organization.name,
            "api": finding.service.name if finding.service else "",
            "grant_id": finding.grant_id,
            "period_start": local_iso(finding.period_start),
            "period_end": local_iso(finding.period_end),
            "count": finding.count,
            "status": finding.status,
            "follow_up_note": finding.follow_up_note,
        })
        group = by_kind[finding.kind]
        group["count"] += finding.count
        group["open" if finding.status == FindingStatusChoices.OPEN else "followed_up"] += 1
    return {
        "rows": rows,
        "total": len(rows),
        "open": sum(g["open"] for g in by_kind.values()),
        "by_kind": dict(by_kind),
    }


def _incidents_section(start, end):
    """Personal data incidents found in the period (UU 27/2022 Pasal 46) and how their notice went; one not
    notified yet is judged at generation time."""
    incidents = (
        PersonalDataIncident.objects.filter(found_at__gte=start, found_at__lt=end)
        .prefetch_related("services", "organizations").order_by("found_at", "id")
    )
    now = timezone.now()
    rows = []
    for incident in incidents:
        rows.append({
            "id": incident.pk,
            "found_at": local_iso(incident.found_at),
            "summary": incident.summary,
            "apis": sorted(s.name for s in incident.services.all()),
            "organizations": sorted(o.name for o in incident.organizations.all()),
            "data_affected": incident.data_affected,
            "deadline": local_iso(notification_deadline(incident)),
            "notified_at": local_iso(incident.notified_at),
            "status": incident.status,
            # on_time, late (notified after the deadline), overdue (not notified, deadline passed), running.
            "clock": incident_clock(incident, now).state,
        })
    states = Counter(row["clock"] for row in rows)
    return {"rows": rows, "total": len(rows), "on_time": states["on_time"], "late": states["late"],
            "not_notified": states["running"] + states["overdue"], "overdue": states["overdue"]}


def _plain(value):
    """Dates to ISO strings, recursively: the figures are stored as JSON."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return local_iso(value)
    return value


def _activities_section(period_start, period_end, monev_rules):
    activities = (
        Activity.objects.filter(date__gte=period_start, date__lte=period_end)
        .annotate(organizations_count=Count("organizations")).order_by("date", "id")
    )
    return {
        # Pasal 8 status of each calendar year the period touches (monitoring.rules); Pasal 9 is this report.
        "years": [_plain(rules.pasal8_status(year=year, rules=monev_rules))
                  for year in range(period_start.year, period_end.year + 1)],
        "rows": [
            {"id": a.pk, "date": a.date.isoformat(), "kind": a.kind, "title": a.title,
             "organizations": a.organizations_count}
            for a in activities
        ],
    }


def _compliance_section(apis):
    """Pasal 6(3) of the Perangkat Daerah that publish into the SPLP: the Dinas that administers it is not one
    of them (it is not counted, nor listed as an organisation without an API)."""
    organizations = list(Organization.objects.filter(is_administrator=False).order_by("name", "id"))
    live_owners = {api["owner_id"] for api in apis if api["live"]} & {org.pk for org in organizations}
    registered = Counter(api["owner_id"] for api in apis)
    without = [
        {"id": org.pk, "name": org.name, "code": org.code, "kind": org.kind,
         "registered_apis": registered.get(org.pk, 0)}
        for org in organizations
        if org.pk not in live_owners
    ]
    return {
        "organizations": len(organizations),
        "with_api": len(live_owners),
        "without_api": without,
    }


def _overview(apis, connectors, compliance, start, end):
    live = [api for api in apis if api["live"]]
    return {
        "organizations": compliance["organizations"],
        "publishers": len({api["owner_id"] for api in live}),
        "requesters": Grant.objects.filter(granted_at__lt=end).order_by().values("organization_id")
        .distinct().count(),
        "apis_registered": len(apis),
        "apis_published": len(live),
        "operations": sum(api["operations"] for api in live),
        "themes": Theme.objects.count(),
        "themes_used": len({api["theme_id"] for api in live}),
        "connectors": len(connectors),
        "connectors_active_at_end": sum(1 for c in connectors if c["state"] == "active"),
    }


def compute_figures(*, period_start, period_end):
    """Every figure of the Pasal 9 report for the dates [period_start, period_end], as plain JSON."""
    if period_end < period_start:
        raise ValidationError(_("The end of the period must not be before its start."))
    start, end = period_bounds(period_start, period_end)
    pemda = current_pemda()
    apis = _inventory()
    monev_rules = rules.current()
    usage = usage_section(start, end, period_start, period_end, apis, monev_rules.unused_days)
    compliance = _compliance_section(apis)
    figures = {
        "version": FIGURES_VERSION,
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "computed_at": local_iso(timezone.now()),
        "latency_buckets_ms": list(LATENCY_BUCKETS_MS),
        "rules": rules.snapshot(monev_rules),
        "pemda": {"name": pemda.name, "dinas_name": pemda.dinas_name, "domain": pemda.domain,
                  "logo_text": pemda.logo_text, "splp_regulation": pemda.splp_regulation},
        "overview": _overview(apis, usage["connectors"], compliance, start, end),
        "inventory": {
            "apis": apis,
            "per_organization": _count_by(apis, "owner_id", "owner"),
            "per_theme": _count_by(apis, "theme_id", "theme"),
            "classification": dict(Counter(api["classification"] for api in apis if api["live"])),
            "interop_passed": sum(1 for api in apis if api["live"] and api["interop_passed"]),
        },
        "usage": usage,
        "access": _access_section(start, end),
        "findings": _findings_section(start, end),
        "incidents": _incidents_section(start, end),
        "activities": _activities_section(period_start, period_end, monev_rules),
        "compliance": compliance,
        # The previous report's recommendations and their follow-up as known now: this report opens with them.
        "previous_recommendations": previous_recommendations(period_start),
    }
    figures["recommendations"] = build_recommendations(figures)
    return figures
