from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Value, When
from django.db.models.functions import Upper

from .choices import MembershipRoleChoices
from .models import LIVE_STATUSES, ApiOperation, ApiService, ApiVersion, Membership, Organization, Theme


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
    """Services with a live version, by the flag the publishing services keep (a partial index serves it)."""
    return ApiService.objects.filter(is_listed=True).select_related("owner", "theme")


def published_services():
    """Services with a live version, with what directory lists and the API list need prefetched."""
    return _listed_services().defer("search_text").prefetch_related(
        Prefetch("versions", queryset=_live_versions().only(*LIST_VERSION_FIELDS))
    )


def publishing_organizations():
    """Organisations with an API in the directory (the search page's filter)."""
    return Organization.objects.filter(Exists(ApiService.objects.filter(owner=OuterRef("pk"), is_listed=True)))


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

    It reads the stored upper-cased name and description; the term is upper-cased by the same database
    function. On PostgreSQL trigram GIN indexes serve the LIKEs (migrations 0007 and 0008).
    """
    term = (term or "").strip()
    if not term:
        return queryset
    return (
        queryset.filter(search_text__contains=Upper(Value(term)))
        .annotate(
            search_rank=Case(When(name__icontains=term, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by(*RANKED_ORDER)
    )


RANKED_ORDER = ("search_rank", "name", "id")


def _ranked_slice(queryset, start, stop):
    """Rows start..stop of a search, name matches first, without sorting every match.

    Each rank is read in (name, id) order, which the listed index serves, so a LIMIT stops the scan early:
    "data" matches all of 100,000 APIs, and a sort over them all costs seconds.
    """
    # The rank's own condition, not "search_rank = 0": the planner estimates a CASE at 0.5 % of the rows
    # and would sort them all rather than walk the index.
    name_match = queryset.query.annotations["search_rank"].cases[0].condition
    by_name = queryset.filter(name_match).order_by("name", "id")
    if start:  # a later page: how many name matches come before it decides which rank it reads
        names = by_name.order_by()[:stop].count()
        rows = list(by_name[start:stop]) if start < names else []
    else:
        rows = list(by_name[:stop])
        names = len(rows)
    if names < stop:
        by_description = queryset.exclude(name_match).order_by("name", "id")
        rows += by_description[max(0, start - names):stop - names]
    return rows


# A search lists at most this many matches: counting "data" among 100,000 APIs, or paging deep into them,
# reads every row; a person narrows the search, a program walks the list by keyset (the REST ?cursor=).
SEARCH_RESULTS_LIMIT = 1000


class DirectoryPaginator(Paginator):
    """Pages of a directory list at 100,000 APIs.

    A page's ids are read first, then its rows: the ids of a deep page come from an index-only scan, where an
    OFFSET over whole rows reads every row it skips. A search's pages are read rank by rank (_ranked_slice),
    and its matches are counted up to SEARCH_RESULTS_LIMIT (``limited`` tells when there are more).
    """

    @cached_property
    def _search(self):
        return tuple(self.object_list.query.order_by) == RANKED_ORDER

    @cached_property
    def _matches(self):
        return self.object_list.order_by()[:SEARCH_RESULTS_LIMIT + 1].count() if self._search else None

    @cached_property
    def count(self):
        return super().count if self._matches is None else min(self._matches, SEARCH_RESULTS_LIMIT)

    @property
    def limited(self):
        return self._search and self._matches > SEARCH_RESULTS_LIMIT

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._slice(bottom, top), number, self)

    def _slice(self, start, stop):
        if self._search:
            return _ranked_slice(self.object_list, start, stop)
        ids = list(self.object_list.values_list("pk", flat=True)[start:stop])
        rows = self.object_list.in_bulk(ids)
        return [rows[pk] for pk in ids]


def services_managed_by(user):
    """Registrations the user may edit: its publishing organisations' (all, for administrators)."""
    qs = ApiService.objects.select_related("owner", "theme").prefetch_related("versions")
    if is_administrator(user):
        return qs
    return qs.filter(owner_id__in=publisher_org_ids(user))
