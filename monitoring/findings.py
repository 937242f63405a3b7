"""Misuse findings for pengawasan (Pasal 8(5)b), computed from the request log with aggregate SQL.

Six rules, each per requesting organisation and API (and grant where the log names one):

- ``refused_calls``: calls the bus or the upstream refused with 401/403, at least ``refused_threshold``
  (20) in the period;
- ``rate_limited``: calls refused with 429, at least ``rate_limit_threshold`` (10);
- ``not_granted``: calls to an operation the grant does not include, at least ``not_granted_threshold`` (1);
- ``spike``: calls in the period's last 24 hours above ``spike_factor`` (5) times the requester's own
  daily average over the ``spike_baseline_days`` (14) days before, and above ``spike_minimum`` (100);
  a requester without history is compared with an average of 0, so 100+ calls on its first day are
  flagged too (the Dinas closes such a finding with a note);
- ``unused_grant``: grants active at ``now`` without a single call for ``unused_days`` (the Dinas' rule,
  ``monitoring.rules``, 90 by default, the same number as the report's connector evaluation): candidates
  for revocation. One finding per idle streak: it is keyed by the streak's start (the last call, or the
  grant's date), so a daily run updates the same row (its count is the number of idle days);
- ``inactive_key``: calls made with a revoked or expired key, or under a revoked or expired grant
  (error codes ``key_inactive`` / ``grant_inactive``), at least ``inactive_key_threshold`` (1).

Calls the bus could not attribute to an organisation (no key, or an unknown key) are not findings: the
log names no one to follow up with.

Thresholds are keyword arguments; the defaults of all but ``unused_days`` can be changed for the whole
installation with the setting ``SPLP_FINDING_THRESHOLDS`` (a dict with the same names).

Schedule (kept simple): ``detect_findings_task`` runs daily over the previous calendar day (local time),
so the periods of two runs never overlap and a re-run of the same day finds the same rows. Any other
period (a month, a year, a backfill) is run on demand with ``manage.py detect_findings --from --to``.
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Grant
from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.workflow import lock, require, require_state

from . import rules
from .models import Finding, FindingKindChoices as K, FindingStatusChoices as FS, RequestLog

DEFAULT_THRESHOLDS = {
    "refused_threshold": 20,
    "rate_limit_threshold": 10,
    "not_granted_threshold": 1,
    "spike_factor": 5,
    "spike_minimum": 100,
    "spike_baseline_days": 14,
    "inactive_key_threshold": 1,
}

GROUP = ("organization_id", "service_id", "grant_id")


def _thresholds(overrides):
    configured = getattr(settings, "SPLP_FINDING_THRESHOLDS", {})
    given = {name: value for name, value in overrides.items() if value is not None}
    # unused_days is the Dinas' rule (monitoring.rules), not a setting: the report judges connectors by it too.
    unknown = (set(configured) - set(DEFAULT_THRESHOLDS)) | (set(given) - {*DEFAULT_THRESHOLDS, "unused_days"})
    if unknown:
        raise TypeError(f"unknown finding thresholds: {', '.join(sorted(unknown))}")
    return {**DEFAULT_THRESHOLDS, **configured, "unused_days": rules.current().unused_days, **given}


def _iso(moment):
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def fingerprint(kind, organization_id, service_id, grant_id, period):
    """kind|org|service|grant|period: what makes two detections the same finding."""
    return "|".join([kind, str(organization_id), str(service_id or "-"), str(grant_id or "-"), period])


def _candidate(kind, row, count, period_start, period_end, period_key, detail=None):
    return {
        "kind": kind,
        "organization_id": row["organization_id"],
        "service_id": row["service_id"],
        "grant_id": row.get("grant_id"),
        "period_start": period_start,
        "period_end": period_end,
        "count": count,
        "detail": detail or {},
        "fingerprint": fingerprint(kind, row["organization_id"], row["service_id"], row.get("grant_id"), period_key),
    }


def _log_rules(period_start, period_end, t):
    """Refused, rate-limited, not-granted and inactive-key calls: one grouped query over the period."""
    rows = (
        RequestLog.objects.filter(time__gte=period_start, time__lt=period_end, organization__isnull=False)
        .filter(Q(status__in=(401, 403, 429)) | Q(error_code__in=("operation_not_granted", "key_inactive",
                                                                  "grant_inactive")))
        .values(*GROUP)
        .annotate(
            refused=Count("id", filter=Q(status__in=(401, 403))),
            refused_401=Count("id", filter=Q(status=401)),
            refused_403=Count("id", filter=Q(status=403)),
            by_bus=Count("id", filter=Q(status__in=(401, 403), upstream_status__isnull=True)),
            rate_limited=Count("id", filter=Q(status=429)),
            not_granted=Count("id", filter=Q(error_code="operation_not_granted")),
            key_inactive=Count("id", filter=Q(error_code="key_inactive")),
            grant_inactive=Count("id", filter=Q(error_code="grant_inactive")),
        )
        .order_by(*GROUP)
    )
    period_key = f"{_iso(period_start)}/{_iso(period_end)}"
    found = []
    for row in rows:  # aggregated rows: one per organisation x API x grant
        if row["refused"] >= t["refused_threshold"]:
            found.append(_candidate(K.REFUSED_CALLS, row, row["refused"], period_start, period_end, period_key, {
                "status_401": row["refused_401"], "status_403": row["refused_403"],
                "refused_by_bus": row["by_bus"], "threshold": t["refused_threshold"],
            }))
        if row["rate_limited"] >= t["rate_limit_threshold"]:
            found.append(_candidate(K.RATE_LIMITED, row, row["rate_limited"], period_start, period_end, period_key,
                                    {"threshold": t["rate_limit_threshold"]}))
        if row["not_granted"] >= t["not_granted_threshold"]:
            found.append(_candidate(K.NOT_GRANTED, row, row["not_granted"], period_start, period_end, period_key,
                                    {"threshold": t["not_granted_threshold"]}))
        inactive = row["key_inactive"] + row["grant_inactive"]
        if inactive >= t["inactive_key_threshold"]:
            found.append(_candidate(K.INACTIVE_KEY, row, inactive, period_start, period_end, period_key, {
                "key_inactive": row["key_inactive"], "grant_inactive": row["grant_inactive"],
                "threshold": t["inactive_key_threshold"],
            }))
    return found


def _spikes(period_start, period_end, t):
    """Calls in the last 24 h of the period against the same requester's daily average on the same API."""
    recent_start = max(period_start, period_end - datetime.timedelta(hours=24))
    baseline_days = t["spike_baseline_days"]
    baseline_start = recent_start - datetime.timedelta(days=baseline_days)
    recent = {
        (row["organization_id"], row["service_id"]): row["calls"]
        for row in RequestLog.objects.filter(time__gte=recent_start, time__lt=period_end, organization__isnull=False)
        .values("organization_id", "service_id")
        .annotate(calls=Count("id"))
        .filter(calls__gt=t["spike_minimum"])
        .order_by()
    }
    if not recent:
        return []
    org_ids = {org for org, _service in recent}
    baseline = {
        (row["organization_id"], row["service_id"]): row["calls"]
        for row in RequestLog.objects.filter(
            time__gte=baseline_start, time__lt=recent_start, organization_id__in=org_ids
        )
        .values("organization_id", "service_id")
        .annotate(calls=Count("id"))
        .order_by()
    }
    period_key = f"{_iso(recent_start)}/{_iso(period_end)}"
    found = []
    for (org_id, service_id), calls in sorted(recent.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        average = baseline.get((org_id, service_id), 0) / baseline_days
        if calls > t["spike_factor"] * average:
            row = {"organization_id": org_id, "service_id": service_id, "grant_id": None}
            found.append(_candidate(K.SPIKE, row, calls, recent_start, period_end, period_key, {
                "baseline_daily_average": round(average, 2), "baseline_days": baseline_days,
                "factor": t["spike_factor"], "minimum": t["spike_minimum"],
            }))
    return found


def _unused_grants(now, t):
    """Grants active at ``now``, at least ``unused_days`` old, with no call in the last ``unused_days``."""
    cutoff = now - datetime.timedelta(days=t["unused_days"])
    calls = RequestLog.objects.filter(grant=OuterRef("pk"), time__lt=now)
    grants = (
        Grant.objects.filter(granted_at__lte=cutoff, expires_at__gt=now)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
        .filter(~Exists(calls.filter(time__gte=cutoff)))
        .annotate(last_call=Subquery(calls.order_by("-time").values("time")[:1]))
        .values("pk", "organization_id", "api_version__service_id", "granted_at", "last_call")
        .order_by("pk")
    )
    found = []
    for grant in grants:  # one row per idle grant
        since = grant["last_call"] or grant["granted_at"]
        row = {"organization_id": grant["organization_id"], "service_id": grant["api_version__service_id"],
               "grant_id": grant["pk"]}
        idle_days = (now - since).days
        found.append(_candidate(K.UNUSED_GRANT, row, idle_days, since, now, f"since {_iso(since)}", {
            "last_call": grant["last_call"] and _iso(grant["last_call"]), "unused_days": t["unused_days"],
        }))
    return found


@transaction.atomic
def findings_detect(*, period_start, period_end, now=None, **thresholds):
    """Detect every rule over [period_start, period_end) and upsert the findings by fingerprint.

    ``now`` is the moment unused grants are judged at (default: the period's end, or the present if the
    period has not ended). Running it again for the same period creates nothing new: existing findings
    get their counts and details refreshed (never their follow-up status). Returns
    ``{"created": int, "updated": int, "unchanged": int}``.
    """
    if period_end <= period_start:
        raise ValidationError(_("The end of the period must be after its start."))
    t = _thresholds(thresholds)
    if now is None:
        now = min(period_end, timezone.now())
    found = _log_rules(period_start, period_end, t) + _spikes(period_start, period_end, t) + _unused_grants(now, t)
    summary = {"created": 0, "updated": 0, "unchanged": 0}
    for candidate in found:
        key = candidate.pop("fingerprint")
        finding, created = Finding.objects.get_or_create(fingerprint=key, defaults=candidate)
        if created:
            audit_record(actor=None, target=finding, action=AuditAction.DETECT, new_state=FS.OPEN,
                         data={"kind": finding.kind, "count": finding.count})
            summary["created"] += 1
            continue
        changed = [
            name for name in ("count", "detail", "period_end")
            if getattr(finding, name) != candidate[name]
        ]
        if changed:
            for name in changed:
                setattr(finding, name, candidate[name])
            finding.save(update_fields=changed)
            summary["updated"] += 1
        else:
            summary["unchanged"] += 1
    return summary


@transaction.atomic
def finding_follow_up(*, actor, finding, note):
    """The Dinas records what it did about a finding: open -> followed up, with a note (required)."""
    require(is_administrator(actor), _("Only a Dinas administrator can follow up on supervision findings."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("A follow-up note is required.")})
    finding = lock(Finding, finding.pk)
    require_state(finding, (FS.OPEN,), _("mark the finding as followed up"))
    finding.status = FS.FOLLOWED_UP
    finding.followed_up_by = actor
    finding.followed_up_at = timezone.now()
    finding.follow_up_note = note
    finding.save(update_fields=["status", "followed_up_by", "followed_up_at", "follow_up_note"])
    audit_record(actor=actor, target=finding, action=AuditAction.FOLLOW_UP, old_state=FS.OPEN, new_state=FS.FOLLOWED_UP,
                 reason=note)
    return finding


def previous_day(now=None):
    """[yesterday 00:00, today 00:00) in the local time zone."""
    today = timezone.localdate(now or timezone.now())
    end = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time.min)), end


@shared_task
def detect_findings_task(period_start=None, period_end=None):
    """Daily: the previous calendar day. ISO datetimes may be given for another period."""
    if period_start and period_end:
        start, end = datetime.datetime.fromisoformat(period_start), datetime.datetime.fromisoformat(period_end)
    else:
        start, end = previous_day()
    return findings_detect(period_start=start, period_end=end)
