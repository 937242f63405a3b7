"""The monthly usage summary e-mailed to administrators (every API) and publishers (their own APIs)."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.choices import MembershipRoleChoices as R
from directory.models import Membership
from splp.context_processors import current_pemda, site_url

from .models import ReminderLog, UsageRollup


def previous_month(today):
    first = today.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1), first


def usage_by_service(start, end):
    """Per API: calls, errors (5xx) and refusals (401/403/429) in [start, end), from the rollups."""
    rows = (
        UsageRollup.objects.filter(hour__gte=start, hour__lt=end, service__isnull=False)
        .values("service_id", "service__name", "service__owner_id")
        .annotate(calls=Sum("calls"), errors=Sum("status_5xx"), r401=Sum("refused_401"),
                  r403=Sum("refused_403"), r429=Sum("refused_429"))
        .order_by("-calls")
    )
    return [dict(r, refusals=r["r401"] + r["r403"] + r["r429"]) for r in rows]


def usage_summary_send(*, today=None):
    """Send last month's summary once (ReminderLog claims the month). Returns the number of e-mails."""
    today = today or timezone.localdate()
    first, next_first = previous_month(today)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tz)
    end = datetime.datetime.combine(next_first, datetime.time.min, tz)
    rows = usage_by_service(start, end)
    memberships = Membership.objects.filter(user__is_active=True).exclude(user__email="").select_related(
        "user", "organization"
    )
    admins = {m.user.email for m in memberships if m.role == R.ADMINISTRATOR and m.organization.is_administrator}
    recipients = {email: rows for email in admins}  # e-mail -> the rows that person may see
    for m in memberships:
        if m.role == R.PUBLISHER and m.user.email not in admins:
            own = [r for r in rows if r["service__owner_id"] == m.organization_id]
            recipients.setdefault(m.user.email, []).extend(own)
    try:
        with transaction.atomic():
            ReminderLog.objects.create(kind="usage_summary", period_key=f"{first:%Y-%m}", recipients=len(recipients))
    except IntegrityError:
        return 0  # already sent for this month, here or on another worker
    with translation.override(settings.LANGUAGE_CODE):
        pemda = current_pemda()
        subject = _("[SPLP %(pemda)s] Usage summary %(month)s") % {"pemda": pemda.name, "month": f"{first:%m/%Y}"}
        messages = [
            (subject, render_to_string("emails/usage_summary.txt",
                                      {"rows": own, "month": first, "pemda": pemda, "site": site_url(pemda)}),
             settings.DEFAULT_FROM_EMAIL, [email])
            for email, own in sorted(recipients.items())
        ]
    return send_mass_mail(messages)


@shared_task
def send_usage_summary_task():
    return usage_summary_send()
