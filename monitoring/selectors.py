"""Reads of the monitoring app that admin pages gather (the administrator's "Tugas saya")."""

from django.db.models import F, QuerySet

from .models import (
    Finding,
    FindingStatusChoices,
    IncidentStatusChoices,
    MonevRecommendation,
    PersonalDataIncident,
    RecommendationStatusChoices,
)


def open_findings() -> QuerySet[Finding]:
    """Supervision findings not yet followed up, the oldest first."""
    return (Finding.objects.filter(status=FindingStatusChoices.OPEN).select_related("organization")
            .order_by("detected_at", "id"))


def incidents_to_notify() -> QuerySet[PersonalDataIncident]:
    """Personal data incidents whose notice (3 x 24 hours, monitoring.incidents) is still due, oldest first."""
    return PersonalDataIncident.objects.filter(status=IncidentStatusChoices.OPEN).order_by("found_at", "id")


def recommendations_to_follow_up() -> QuerySet[MonevRecommendation]:
    """Recommendations of final Monev reports still open or in progress, the earliest due first (undated last)."""
    return (MonevRecommendation.objects
            .filter(status__in=(RecommendationStatusChoices.OPEN, RecommendationStatusChoices.IN_PROGRESS))
            .select_related("owner").order_by(F("due_date").asc(nulls_last=True), "id"))
