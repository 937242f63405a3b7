from django.core.cache import cache
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When

from .choices import MembershipRoleChoices
from .models import LIVE_STATUSES, ApiOperation, ApiService, ApiVersion, Membership, Theme


def is_administrator(user):
    """Dinas staff: superusers or administrator members of the SPLP-managing organisation."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, role=MembershipRoleChoices.ADMINISTRATOR, organization__is_administrator=True
    ).exists()


def user_organization_ids(user, role):
    if not user or not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, role=role).values_list("organization_id", flat=True))


def publisher_org_ids(user):
    return user_organization_ids(user, MembershipRoleChoices.PUBLISHER)


def requester_org_ids(user):
    return user_organization_ids(user, MembershipRoleChoices.REQUESTER)


# The version columns directory lists show: never the spec, the interoperability report or the upstream secret.
LIST_VERSION_FIELDS = ("id", "service_id", "version", "status", "spec_format", "published_at")


def _live_versions():
    return ApiVersion.objects.filter(status__in=LIVE_STATUSES).order_by("-id")


def _listed_services():
    """Services with a live version: an EXISTS on the (service, status) index, no join + DISTINCT over all columns."""
    live = ApiVersion.objects.filter(service=OuterRef("pk"), status__in=LIVE_STATUSES)
    return ApiService.objects.filter(Exists(live)).select_related("owner", "theme")


def published_services():
    """Services with a live version, with what directory lists and the API list need prefetched."""
    return _listed_services().prefetch_related(
        Prefetch("versions", queryset=_live_versions().only(*LIST_VERSION_FIELDS))
    )


def published_service_detail(slug):
    live_versions = _live_versions().prefetch_related(
        Prefetch("operations", queryset=ApiOperation.objects.order_by("path", "method"))
    )
    return _listed_services().filter(slug=slug).prefetch_related(Prefetch("versions", queryset=live_versions)).first()


# Published APIs per theme, counted once and kept until the directory services change them (publish,
# deprecate, retire, theme change); the timeout bounds changes made outside the services (the admin).
THEME_COUNTS_KEY = "directory:theme-published-counts"
THEME_COUNTS_TIMEOUT = 300


def invalidate_theme_counts():
    cache.delete(THEME_COUNTS_KEY)


def themes_with_counts():
    """The themes (fresh: a renamed theme shows at once), each with its cached published_count."""
    counts = cache.get(THEME_COUNTS_KEY)
    if counts is None:
        grouped = _listed_services().order_by().values("theme_id").annotate(n=Count("id"))
        counts = {row["theme_id"]: row["n"] for row in grouped}
        cache.set(THEME_COUNTS_KEY, counts, THEME_COUNTS_TIMEOUT)
    themes = list(Theme.objects.order_by("order", "name"))
    for theme in themes:
        theme.published_count = counts.get(theme.pk, 0)
    return themes


def search_services(queryset, term):
    """Substring search (no stemming: "penduduk" finds "Kependudukan"), name matches first.

    On PostgreSQL the UPPER(..) LIKE of icontains is served by trigram GIN indexes (migration 0007).
    """
    term = (term or "").strip()
    if not term:
        return queryset
    return (
        queryset.filter(Q(name__icontains=term) | Q(description__icontains=term))
        .annotate(
            search_rank=Case(When(name__icontains=term, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("search_rank", "name", "id")
    )


def services_managed_by(user):
    """Registrations the user may edit: its publishing organisations' (all, for administrators)."""
    qs = ApiService.objects.select_related("owner", "theme").prefetch_related("versions")
    if is_administrator(user):
        return qs
    return qs.filter(owner_id__in=publisher_org_ids(user))
