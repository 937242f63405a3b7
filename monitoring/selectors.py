"""Reads of the monitoring app that pages gather: the administrator's "Tugas saya", and an organisation's own
call log and Monev recommendations in the portal."""

import datetime
from collections.abc import Collection

from django.db.models import Case, F, Q, QuerySet, TextChoices, Value, When
from django.utils.translation import gettext_lazy as _

from directory.models import ApiService

from .models import (
    Finding,
    FindingStatusChoices,
    IncidentStatusChoices,
    MonevRecommendation,
    PersonalDataIncident,
    RecommendationStatusChoices,
    ReportStatusChoices,
    RequestLog,
)
from .monev.periods import period_bounds

# A recommendation still to follow up; done and dropped close it.
OPEN_RECOMMENDATIONS = (RecommendationStatusChoices.OPEN, RecommendationStatusChoices.IN_PROGRESS)


def open_findings() -> QuerySet[Finding]:
    """Supervision findings not yet followed up, the oldest first."""
    return (Finding.objects.filter(status=FindingStatusChoices.OPEN).select_related("organization")
            .order_by("detected_at", "id"))


def incidents_to_notify() -> QuerySet[PersonalDataIncident]:
    """Personal data incidents whose notice (3 x 24 hours, monitoring.incidents) is still due, oldest first."""
    return PersonalDataIncident.objects.filter(status=IncidentStatusChoices.OPEN).order_by("found_at", "id")


def recommendations_to_follow_up() -> QuerySet[MonevRecommendation]:
    """Recommendations of final Monev reports still open or in progress, the earliest due first (undated last)."""
    return (MonevRecommendation.objects.filter(status__in=OPEN_RECOMMENDATIONS)
            .select_related("owner").order_by(F("due_date").asc(nulls_last=True), "id"))


def organization_recommendations(org_ids: Collection[int]) -> QuerySet[MonevRecommendation]:
    """The recommendations of final Monev reports the organisations own: the open ones first, the earliest due
    first (undated last), then by report, newest first. ``is_open`` is annotated."""
    return (
        MonevRecommendation.objects
        .filter(report__status=ReportStatusChoices.FINAL, owner_id__in=org_ids)
        .select_related("report", "owner")
        .annotate(is_open=Case(When(status__in=OPEN_RECOMMENDATIONS, then=Value(True)), default=Value(False)))
        .order_by("-is_open", F("due_date").asc(nulls_last=True), "-report__period_end", "report_id", "position")
    )


class CallStatusClassChoices(TextChoices):
    """The call log's status filter: the gateway status' class."""

    OK = "ok", _("Successful (below 400)")
    CLIENT_ERROR = "4xx", _("Refused or invalid (4xx)")
    SERVER_ERROR = "5xx", _("Failed (5xx)")


STATUS_CLASS_FILTERS = {
    CallStatusClassChoices.OK: Q(status__lt=400),
    CallStatusClassChoices.CLIENT_ERROR: Q(status__gte=400, status__lt=500),
    CallStatusClassChoices.SERVER_ERROR: Q(status__gte=500),
}


def services_granted_to(org_ids: Collection[int]) -> QuerySet[ApiService]:
    """The APIs the organisations hold or held a grant for, by name: what their call log can be narrowed to."""
    return ApiService.objects.filter(versions__grants__organization_id__in=org_ids).distinct().order_by("name", "id")


def organization_calls(
    org_ids: Collection[int], *, service: ApiService | None = None, status_class: str = "",
    date_from: datetime.date | None = None, date_to: datetime.date | None = None,
) -> QuerySet[RequestLog]:
    """The calls the organisations made through the bus, newest first, narrowed to an API, a status class
    and local dates (inclusive). Every filter is on an indexed column with the organisation (RequestLog's
    indexes), so a page stays quick on a log of millions of rows."""
    calls = RequestLog.objects.filter(organization_id__in=org_ids)
    if service is not None:
        calls = calls.filter(service=service)
    if status_class:
        calls = calls.filter(STATUS_CLASS_FILTERS[CallStatusClassChoices(status_class)])
    if date_from:
        calls = calls.filter(time__gte=period_bounds(date_from, date_from)[0])
    if date_to:
        calls = calls.filter(time__lt=period_bounds(date_to, date_to)[1])
    return calls.select_related("organization", "service", "api_version", "operation").order_by("-time", "-id")
