"""Tracked recommendations: a final report's recommendations become items with an owner organisation, a due
date and a status, and the next report opens with them and their follow-up (SPBE continuous improvement)."""

import datetime
import re

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from directory.models import Organization
from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.workflow import TransitionError, lock, require

from ..models import MonevRecommendation, MonevReport, RecommendationStatusChoices, ReportStatusChoices

CTX = "monitoring-report"
RS = RecommendationStatusChoices
# Done and dropped close an item: its record is the evidence the next report shows.
TRANSITIONS = {
    RS.OPEN: {RS.OPEN, RS.IN_PROGRESS, RS.DONE, RS.DROPPED},
    RS.IN_PROGRESS: {RS.IN_PROGRESS, RS.DONE, RS.DROPPED},
    RS.DONE: set(),
    RS.DROPPED: set(),
}
NOTE_REQUIRED = {RS.DONE, RS.DROPPED}
# "1. ", "2) ", "- ": the position numbers the item, the text is the recommendation itself.
LEADING_NUMBER = re.compile(r"^\s*(?:\d+[.)]|[-•*])\s*")


def recommendation_lines(text: str) -> list[str]:
    """One recommendation per non-empty line, without its leading number."""
    lines = (LEADING_NUMBER.sub("", line).strip() for line in (text or "").splitlines())
    return [line for line in lines if line]


def recommendation_items_create(report: MonevReport) -> list[MonevRecommendation]:
    """The items of a report being finalised (called inside the finalise service's transaction)."""
    items = [MonevRecommendation(report=report, position=position, text=text)
             for position, text in enumerate(recommendation_lines(report.recommendations), start=1)]
    return MonevRecommendation.objects.bulk_create(items)


@transaction.atomic
def monev_recommendation_update(*, actor: User, item: MonevRecommendation, owner: Organization | None,
                                due_date: datetime.date | None, status: str, note: str) -> MonevRecommendation:
    """The Dinas assigns the owner and due date and records the follow-up; done or dropped needs a note and
    closes the item."""
    require(is_administrator(actor), pgettext(CTX, "Only a Dinas administrator can record the follow-up of a "
                                                   "recommendation."))
    item = lock(MonevRecommendation, item.pk)
    note = (note or "").strip()
    if not TRANSITIONS[item.status]:
        raise TransitionError(pgettext(CTX, "This recommendation is closed (“%(status)s”): its follow-up no "
                                            "longer changes.") % {"status": item.get_status_display()})
    if status not in TRANSITIONS[item.status]:
        raise TransitionError(pgettext(CTX, "A recommendation “%(old)s” cannot become “%(new)s”.") % {
            "old": item.get_status_display(), "new": RS(status).label if status in RS.values else status})
    if status in NOTE_REQUIRED and not note:
        raise ValidationError({"note": pgettext(CTX, "Write the follow-up note before marking the "
                                                     "recommendation done or dropped.")})
    old = {"owner": item.owner_id, "due_date": item.due_date, "status": item.status, "note": item.note}
    new = {"owner": owner.pk if owner else None, "due_date": due_date, "status": status, "note": note}
    changed = [name for name in old if old[name] != new[name]]
    if not changed:
        return item
    old_status = item.status
    item.owner, item.due_date, item.status, item.note = owner, due_date, status, note
    item.updated_by = actor
    item.save()
    audit_record(actor=actor, target=item, action=AuditAction.RECOMMENDATION_UPDATE, old_state=old_status,
                 new_state=status, data={
                     "changed": changed,
                     "owner": new["owner"], "due_date": due_date.isoformat() if due_date else None})
    return item


def previous_report(period_start: datetime.date) -> MonevReport | None:
    """The latest final report whose period ends before ``period_start``."""
    return (MonevReport.objects.filter(status=ReportStatusChoices.FINAL, period_end__lt=period_start)
            .order_by("-period_end", "-finalised_at", "-id").first())


def previous_recommendations(period_start: datetime.date) -> dict | None:
    """The previous final report's items with their follow-up as known now, for the figures (frozen at
    generation); None without a previous final report."""
    report = previous_report(period_start)
    if report is None:
        return None
    items = report.recommendation_items.select_related("owner").order_by("position")
    return {
        "report_id": report.pk,
        "title": report.title,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "as_of": timezone.localtime().isoformat(timespec="seconds"),
        "items": [
            {"position": item.position, "text": item.text, "owner": item.owner.name if item.owner else "",
             "due_date": item.due_date.isoformat() if item.due_date else None, "status": item.status,
             "note": item.note}
            for item in items
        ],
    }
