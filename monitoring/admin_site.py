"""The Dinas' admin site: for administrators only (operators work in the portal), and its index opens with
"Tugas saya", the work waiting for the administrator signed in. It lives in monitoring, the app allowed to
gather from every other one; the reads are each app's selectors."""

from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _, gettext_lazy, ngettext

from access.selectors import requests_awaiting_decision
from directory.admin_base import admin_access
from directory.selectors import versions_awaiting_review
from splp.timezones import format_local

from . import rules
from .governance import DUE_WITHIN, reviews_due
from .incidents import NOTIFICATION_WITHIN, incident_clock, notification_deadline
from .selectors import incidents_to_notify, open_findings, recommendations_to_follow_up

SHOWN = 5  # items per group; the group's link opens the whole queue
DATE = "d/m/Y"


@dataclass(frozen=True)
class Task:
    label: str
    url: str
    age: str
    due: str = ""
    alert: bool = False  # shown in red: overdue, or a check that failed


@dataclass(frozen=True)
class TaskGroup:
    key: str
    title: str
    rule: str  # the deadline that applies, and where it comes from
    count: int
    url: str
    tasks: list = field(default_factory=list)


def _admin_url(name, *args):
    return reverse(f"admin:{name}", args=args)


def _age(since, now, text):
    return text % {"age": timesince(since, now, depth=1)}


def _group(key, title, rule, queryset, url, task):
    """A queue's count and its first SHOWN rows (two queries), each made a Task by ``task``."""
    rows = list(queryset[:SHOWN])
    count = len(rows) if len(rows) < SHOWN else queryset.count()
    return TaskGroup(key, title, rule, count, url, [task(row) for row in rows])


def _access_requests(user, now):
    no_deadline = _("The regulation sets no deadline for the decision (Pasal 7b); the longest waiting first.")
    return _group(
        "access_requests", _("Access requests to decide"), no_deadline, requests_awaiting_decision(user),
        _admin_url("access_pendingaccessrequest_changelist"),
        lambda r: Task(str(r), _admin_url("access_pendingaccessrequest_change", r.pk),
                       _age(r.created_at, now, _("submitted %(age)s ago")), r.get_status_display()),
    )


def _versions(now):
    no_deadline = _("The regulation sets no deadline for the accompaniment (Pasal 6); the longest waiting first.")
    return _group(
        "versions", _("API versions to review"), no_deadline, versions_awaiting_review(),
        _admin_url("directory_pendingapiversion_changelist"),
        lambda v: Task(_("%(api)s by %(owner)s") % {"api": v, "owner": v.service.owner.name},
                       _admin_url("directory_pendingapiversion_change", v.pk),
                       _age(v.submitted_at or v.created_at, now, _("submitted %(age)s ago")),
                       _("interoperability check passed") if v.interop_passed else _("interoperability check failed"),
                       alert=not v.interop_passed),
    )


def _findings(now):
    return _group(
        "findings", _("Supervision findings to follow up"),
        _("No deadline is set; follow up with the organisation and record what was done."), open_findings(),
        _admin_url("monitoring_finding_changelist") + "?status__exact=open",
        lambda f: Task(str(f), _admin_url("monitoring_finding_change", f.pk),
                       _age(f.detected_at, now, _("found %(age)s ago"))),
    )


def _recommendations(today, now):
    def task(item):
        late = item.due_date is not None and item.due_date < today
        due = (_("due %(date)s") % {"date": item.due_date.strftime("%d/%m/%Y")}) if item.due_date else _("no due date")
        owner = item.owner.name if item.owner else _("no owner yet")
        return Task(f"{Truncator(item.text).chars(90)} ({owner})",
                    _admin_url("monitoring_monevrecommendation_change", item.pk),
                    _age(item.updated_at, now, _("changed %(age)s ago")), due, late)

    return _group(
        "recommendations", _("Monev recommendations to follow up"),
        _("Each by the due date the Dinas set for it."), recommendations_to_follow_up(),
        _admin_url("monitoring_monevrecommendation_changelist"), task,
    )


def _incidents(now):
    def task(incident):
        clock = incident_clock(incident, now)
        return Task(incident.summary, _admin_url("monitoring_personaldataincident_change", incident.pk),
                    _age(incident.found_at, now, _("found %(age)s ago")),
                    _("%(clock)s (deadline %(deadline)s)") % {
                        "clock": clock.text, "deadline": format_local(notification_deadline(incident), "d/m/Y H:i")},
                    clock.urgent)

    hours = int(NOTIFICATION_WITHIN.total_seconds() // 3600)
    return _group(
        "incidents", _("Personal data incidents to notify"),
        _("Notify the data subjects and the authority within %(hours)d hours of finding (UU 27/2022 Pasal 46).")
        % {"hours": hours}, incidents_to_notify(), _admin_url("monitoring_personaldataincident_changelist"), task,
    )


def _policy_reviews(today):
    def task(document):
        late = document.next_review_date < today
        return Task(str(document), _admin_url("monitoring_policydocument_review", document.pk), "",
                    _("review due %(date)s") % {"date": document.next_review_date.strftime("%d/%m/%Y")}, late)

    return _group(
        "policy_reviews", _("Policy and SOP reviews due"),
        _("Each document is reviewed once per its review cycle; shown from %(days)d days before.")
        % {"days": DUE_WITHIN.days}, reviews_due(today),
        _admin_url("monitoring_policydocument_changelist"), task,
    )


def _pasal8(today):
    """The current half-year's coaching and supervision still below target (monitoring.rules)."""
    status = rules.pasal8_status(year=today.year, today=today)
    half, _start, end = rules.half_year_of(today)
    tasks = [
        Task(ngettext("%(category)s: %(count)d of %(target)d activity this half-year",
                      "%(category)s: %(count)d of %(target)d activities this half-year", figures["target"])
             % {"category": rules.category_label(category), "count": figures["count"], "target": figures["target"]},
             _admin_url("monitoring_activity_add"), "",
             _("due %(date)s") % {"date": end.strftime("%d/%m/%Y")}, figures["light"] == rules.RED)
        for category, figures in status["periods"][half]["categories"].items()
        if figures["count"] < figures["target"]
    ]
    return TaskGroup(
        "pasal8", _("Coaching and supervision due (Pasal 8)"),
        _("At least half of the year's target each half-year (the Dinas' Pasal 8 rules)."), len(tasks),
        _admin_url("monitoring_activity_changelist"), tasks,
    )


def administrator_tasks(user, now=None):
    """The groups of "Tugas saya", each with its count; empty groups are kept, so the page says "nothing"."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return [
        _access_requests(user, now), _versions(now), _findings(now), _recommendations(today, now),
        _incidents(now), _policy_reviews(today), _pasal8(today),
    ]


class SplpAdminSite(admin.AdminSite):
    index_title = gettext_lazy("My tasks")
    # Any account may sign in here (not only is_staff): an operator who does is sent on to the portal.
    login_form = AuthenticationForm

    def has_permission(self, request):
        # Memberships decide (directory.admin_base), not is_staff: an operator is never let in.
        return request.user.is_active and admin_access(request).is_admin

    def login(self, request, extra_context=None):
        # An operator signed in lands here from any admin URL: the portal is their place, said in words.
        if request.user.is_authenticated and not self.has_permission(request):
            messages.info(request, _("The administration pages are for the Dinas' administrators. Your work "
                                     "is here in the portal."))
            return redirect("portal-home")
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "task_groups": administrator_tasks(request.user)}
        return super().index(request, extra_context)
