"""Reminders by e-mail, each sent once per period, and the daily expiry of lapsed grants.

- ``semiannual``: to administrators, from ``reminder_days_before`` (30) days before a half-year ends,
  while that half-year's pembinaan or pengawasan is below its target (Pasal 8);
- ``monev_report``: to administrators, from ``reminder_days_before`` (30) days before the year ends
  (1 December), while the year's Pasal 9 duty is not done: final Laporan Monitoring dan Evaluasi do not
  cover it yet (targets, lead time and "done" are monitoring.rules');
- ``grant_waiting``: to the API's publishers (and the administrators, who supervise the procedure) when
  an approved request has waited more than ``days`` (7) for the grant (Pasal 7c), once per request;
- ``grant_expiry``: to the requester and the publisher, ``days_before`` (14) days before a grant
  expires, once per grant and expiry date;
- ``incident_notify``: to administrators, for every personal data incident whose notice is still due
  (UU 27/2022 Pasal 46), once per incident and ``incidents.REMINDER_EVERY`` (6 hours) since it was found,
  past the deadline too, until the notification is recorded. Hourly, on its own schedule;
- ``policy_review``: to administrators, once a month while a document of the policy and SOP register
  is overdue for its review or due within ``governance.DUE_WITHIN`` (30 days). Its own monthly mail
  rather than a paragraph of the Pasal 8/9 mails: those only go out while a target is behind, a review
  falls due whatever the targets say.

"Once" is splp.mail.send_once, keyed by kind and period: a second run or worker sends nothing, a failed
send is retried by the next run, a reminder nobody could receive waits until someone has an address.
"""

import datetime

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.choices import AccessRequestStatusChoices as S
from access.models import AccessRequest, Grant
from access.selectors import lapsed_approvals
from access.services import access_request_expire
from directory.audiences import administrators, emails, publishers, requesters
from splp.mail import send_once
from splp.models import MailClaim
from splp.workflow import TransitionError

from . import rules
from .governance import reviews_due
from .incidents import REMINDER_EVERY, incident_clock, notification_deadline
from .models import IncidentStatusChoices, PersonalDataIncident

SEMIANNUAL, MONEV_REPORT, GRANT_WAITING, GRANT_EXPIRY = "semiannual", "monev_report", "grant_waiting", "grant_expiry"
INCIDENT_NOTIFY, POLICY_REVIEW = "incident_notify", "policy_review"

def _local_today(today):
    return today or timezone.localdate()


def reminder_semiannual_send(*, today=None, days_before=None):
    """From ``days_before`` (default: the rules' lead time) days before the half-year's last day, while its
    pembinaan or pengawasan is below target. Returns the number of e-mails sent (0 or 1)."""
    today = _local_today(today)
    monev_rules = rules.current()
    key, start, end = rules.half_year_of(today)
    if days_before is None:
        days_before = monev_rules.reminder_days_before
    if today < end - datetime.timedelta(days=days_before):
        return 0
    period = rules.pasal8_status(year=today.year, today=today, rules=monev_rules)["periods"][key]
    behind = {name: c for name, c in period["categories"].items() if c["count"] < c["target"]}
    if not behind:
        return 0
    context = {
        "half": 1 if key == "h1" else 2, "year": today.year, "start": start, "end": end,
        "days_left": (end - today).days, "categories": period["categories"], "behind": behind,
    }
    return int(send_once(
        SEMIANNUAL, f"{today.year}-{key.upper()}", to=emails(administrators()),
        subject=_("Pasal 8 coaching and supervision below target this half-year"),
        template="emails/reminder_semiannual.txt", context=context,
    ))


def reminder_monev_send(*, today=None):
    """From the rules' lead time before the year ends (1 December) until it ends, while the year's Pasal 9
    duty is not done (``rules.pasal9_status``). Returns 0 or 1."""
    today = _local_today(today)
    year = today.year
    monev_rules = rules.current()
    if today < datetime.date(year, 12, 31) - datetime.timedelta(days=monev_rules.reminder_days_before):
        return 0
    pasal9 = rules.pasal9_status(year=year, rules=monev_rules)
    if pasal9["light"] == rules.GREEN:
        return 0
    status = rules.pasal8_status(year=year, today=today, rules=monev_rules)
    context = {"year": year, "monev_activities": status["counts_by_kind"]["monev"],
               "rule": monev_rules.get_monev_per_year_display().lower()}
    return int(send_once(
        MONEV_REPORT, str(year), to=emails(administrators()),
        subject=_("The yearly monitoring and evaluation report is due"),
        template="emails/reminder_monev.txt", context=context,
    ))


def reminder_grant_waiting_send(*, now=None, days=7):
    """Approved requests waiting more than ``days`` for the publisher's grant: once per request."""
    now = now or timezone.now()
    waiting = list(
        AccessRequest.objects.filter(status=S.APPROVED, decided_at__lt=now - datetime.timedelta(days=days))
        .select_related("requester", "api_version__service__owner")
        .order_by("decided_at", "pk")
    )
    sent_keys = set(MailClaim.objects.filter(
        kind=GRANT_WAITING, key__in=[f"request-{r.pk}" for r in waiting]
    ).values_list("key", flat=True))
    sent = 0
    for access_request in waiting:
        period_key = f"request-{access_request.pk}"
        if period_key in sent_keys:
            continue
        owner_id = access_request.api_version.service.owner_id
        sent += send_once(
            GRANT_WAITING, period_key, to=emails(publishers(owner_id) | administrators()),
            subject=_("An approved access request is waiting for the grant"),
            template="emails/reminder_grant_waiting.txt",
            context={"request": access_request, "days": (now - access_request.decided_at).days},
        )
    return sent


def reminder_grant_expiry_send(*, now=None, days_before=14):
    """Active grants expiring within ``days_before`` days (by local date): once per grant and expiry."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = timezone.make_aware(datetime.datetime.combine(
        today + datetime.timedelta(days=days_before + 1), datetime.time.min
    ))
    grants = list(
        Grant.objects.filter(
            revoked_at__isnull=True, expires_at__gt=now, expires_at__lt=horizon,
            access_request__status=S.GRANTED,
        )
        .select_related("organization", "api_version__service__owner")
        .order_by("expires_at", "pk")
    )
    sent = 0
    for grant in grants:
        expires = timezone.localdate(grant.expires_at)
        to = emails(requesters(grant.organization_id) | publishers(grant.api_version.service.owner_id))
        sent += send_once(
            GRANT_EXPIRY, f"grant-{grant.pk}-{expires:%Y%m%d}", to=to,
            subject=_("API access expires soon"), template="emails/reminder_grant_expiry.txt",
            context={"grant": grant, "expires": expires, "days_left": (expires - today).days},
        )
    return sent


def reminder_incident_send(*, now=None):
    """Open incidents whose notice is not recorded: once per incident and REMINDER_EVERY since found."""
    now = now or timezone.now()
    incidents = list(
        PersonalDataIncident.objects.filter(status=IncidentStatusChoices.OPEN, notified_at__isnull=True,
                                            found_at__lte=now)
        .prefetch_related("services", "organizations").order_by("found_at", "pk")
    )
    to = emails(administrators())
    sent = 0
    for incident in incidents:
        slot = int((now - incident.found_at) / REMINDER_EVERY)
        sent += send_once(
            INCIDENT_NOTIFY, f"incident-{incident.pk}-{slot}", to=to,
            subject=_("Personal data incident: notify the data subjects and the authority within 3 x 24 hours"),
            template="emails/reminder_incident.txt",
            context={"incident": incident, "deadline": notification_deadline(incident),
                     "clock": incident_clock(incident, now),
                     "apis": [s.name for s in incident.services.all()],
                     "organizations": [o.name for o in incident.organizations.all()],
                     "path": reverse("admin:monitoring_personaldataincident_change", args=[incident.pk])},
        )
    return sent


def reminder_policy_review_send(*, today=None):
    """Once a month while register documents are overdue or due for review. Returns 0 or 1."""
    today = _local_today(today)
    due = list(reviews_due(today))
    if not due:
        return 0
    return int(send_once(
        POLICY_REVIEW, f"{today:%Y-%m}", to=emails(administrators()),
        subject=_("Policy and SOP reviews are due"), template="emails/reminder_policy_review.txt",
        context={"documents": due, "today": today,
                 "path": reverse("admin:monitoring_policydocument_changelist")},
    ))


def reminders_send(*, now=None):
    """Every reminder that is due; returns the number sent per kind."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        SEMIANNUAL: reminder_semiannual_send(today=today),
        MONEV_REPORT: reminder_monev_send(today=today),
        GRANT_WAITING: reminder_grant_waiting_send(now=now),
        GRANT_EXPIRY: reminder_grant_expiry_send(now=now),
        POLICY_REVIEW: reminder_policy_review_send(today=today),
    }


def grants_expire_lapsed(*, now=None):
    """Mark every granted request whose grant has expired as expired (keys revoked, parties told).

    Idempotent: an already expired request is no longer "granted"; one expired meanwhile by another
    worker is refused by the service and skipped. Returns how many this run expired."""
    now = now or timezone.now()
    return _expire(AccessRequest.objects.filter(status=S.GRANTED, grant__expires_at__lte=now))


def approvals_expire_lapsed(*, now=None):
    """Expire approved requests the publisher did not grant within SPLP_GRANT_WAIT_DAYS, or whose period
    has ended, so the organisation can apply again (both sides told). Idempotent like the grants'."""
    return _expire(lapsed_approvals(now=now))


def _expire(access_requests):
    expired = 0
    for access_request in access_requests.order_by("pk"):
        try:
            access_request_expire(actor=None, access_request=access_request)
        except TransitionError:
            continue
        expired += 1
    return expired


@shared_task
def send_reminders_task():
    return reminders_send()


@shared_task
def send_incident_reminders_task():
    return reminder_incident_send()


@shared_task
def expire_grants_task():
    return grants_expire_lapsed() + approvals_expire_lapsed()
