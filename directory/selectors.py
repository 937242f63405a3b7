from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Upper
from django.utils.functional import cached_property

from . import interop
from .choices import ApiVersionStatusChoices, ClassificationChoices, MembershipRoleChoices
from .models import (
    LIVE_STATUSES,
    ApiOperation,
    ApiService,
    ApiVersion,
    InteropStandard,
    Membership,
    Organization,
    Theme,
)

# A membership that makes its user Dinas staff.
ADMINISTRATOR_MEMBERSHIP = Q(role=MembershipRoleChoices.ADMINISTRATOR, organization__is_administrator=True)


def is_administrator(user: User | AnonymousUser | None) -> bool:
    """Dinas staff: superusers or administrator members of the SPLP-managing organisation."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(ADMINISTRATOR_MEMBERSHIP, user=user).exists()


def user_organization_ids(user: User | AnonymousUser | None, role: MembershipRoleChoices) -> set[int]:
    if not user or not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, role=role).values_list("organization_id", flat=True))


def publisher_org_ids(user: User | AnonymousUser | None) -> set[int]:
    return user_organization_ids(user, MembershipRoleChoices.PUBLISHER)


def requester_org_ids(user: User | AnonymousUser | None) -> set[int]:
    return user_organization_ids(user, MembershipRoleChoices.REQUESTER)


# Who sees which API, by its data classification (issue 9). Everything the directory shows (lists, pages,
# search, theme counts, OpenAPI documents, the API an access request names) asks visible_services(); an API a
# user may not see is not found (404), so its existence is not disclosed.
#   terbuka  - everyone, anonymous included;
#   terbatas - members of any of the Pemda's organisations, and the Dinas' administrators;
#   rahasia  - members of the owning organisation, the Dinas' administrators, and members of organisations
#              that requested access to it (a grant always comes from a request).


@dataclass(frozen=True)
class Audience:
    """What decides which classifications a user sees: administrator or not, and their organisations."""

    is_administrator: bool = False
    org_ids: frozenset = frozenset()

    @classmethod
    def of(cls, user):
        """One query for a signed-in user, kept on the user object for the request (as Django's _perm_cache)."""
        if not user or not user.is_authenticated:
            return cls()
        cached = getattr(user, "_directory_audience", None)
        if cached is None:
            rows = list(Membership.objects.filter(user=user).values_list(
                "organization_id", ExpressionWrapper(ADMINISTRATOR_MEMBERSHIP, output_field=BooleanField())
            ))
            cached = user._directory_audience = cls(
                is_administrator=user.is_superuser or any(administrator for _org, administrator in rows),
                org_ids=frozenset(org for org, _administrator in rows),
            )
        return cached

    @property
    def counted_classifications(self):
        """The classifications seen whole; a member's rahasia APIs are the ones shared with them."""
        if self.is_administrator:
            return tuple(ClassificationChoices.values)
        if self.org_ids:
            return (ClassificationChoices.TERBUKA, ClassificationChoices.TERBATAS)
        return (ClassificationChoices.TERBUKA,)

    @property
    def shared_rahasia(self):
        """The rahasia APIs shared with a member who is not an administrator (None: no such APIs to add)."""
        if self.is_administrator or not self.org_ids:
            return None
        # A query across to the access app's table by its related name: directory does not import access.
        # Not correlated, so PostgreSQL reads it once and probes a hash of it for each row.
        requested = ApiVersion.objects.filter(access_requests__requester_id__in=self.org_ids).values("service_id")
        return Q(classification=ClassificationChoices.RAHASIA) & (Q(owner_id__in=self.org_ids) | Q(pk__in=requested))

    @property
    def condition(self):
        condition = Q(classification__in=self.counted_classifications)
        if self.shared_rahasia is not None:
            condition |= self.shared_rahasia
        return condition


def _visible(services, user):
    audience = Audience.of(user)
    return services if audience.is_administrator else services.filter(audience.condition)


def visible_services(user: User | AnonymousUser | None) -> QuerySet[ApiService]:
    """The directory as ``user`` may see it: the published APIs of the classifications shown to them."""
    return _visible(published_services(), user)


# The version columns directory lists show: never the spec, the interoperability report or the upstream secret.
LIST_VERSION_FIELDS = ("id", "service_id", "version", "status", "spec_format", "published_at", "sunset_on")


def _live_versions():
    return ApiVersion.objects.filter(status__in=LIVE_STATUSES).order_by("-id")


def _listed_services():
    """Services with a live version, by the flag the publishing services keep (a partial index serves it)."""
    return ApiService.objects.filter(is_listed=True).select_related("owner", "theme")


def published_services() -> QuerySet[ApiService]:
    """Services with a live version, with what directory lists need prefetched; regardless of who looks:
    what a person is shown comes from visible_services()."""
    return _listed_services().defer("search_text").prefetch_related(
        Prefetch("versions", queryset=_live_versions().only(*LIST_VERSION_FIELDS))
    )


def publishing_organizations(user: User | AnonymousUser | None) -> QuerySet[Organization]:
    """Organisations with an API in the directory that ``user`` sees (the search page's filter)."""
    return Organization.objects.filter(Exists(visible_services(user).filter(owner=OuterRef("pk"))))


def published_service_detail(slug: str, user: User | AnonymousUser | None) -> ApiService | None:
    """The API's page, or None when it is not published or not visible to ``user``."""
    live_versions = _live_versions().prefetch_related(
        Prefetch("operations", queryset=ApiOperation.objects.order_by("path", "method"))
    )
    service = _visible(_listed_services(), user).filter(slug=slug)
    return service.prefetch_related(Prefetch("versions", queryset=live_versions)).first()


def published_version(slug: str, version: str, user: User | AnonymousUser | None) -> ApiVersion | None:
    """A live version of an API ``user`` sees (its OpenAPI document), or None."""
    services = _visible(_listed_services(), user)
    return _live_versions().filter(service__in=services, service__slug=slug, version=version).first()


# Published APIs per theme and classification, counted once and kept until the directory services change them (publish,
# deprecate, retire, theme change); the timeout bounds changes made outside the services (the admin).
THEME_COUNTS_KEY = "directory:theme-published-counts"
THEME_COUNTS_TIMEOUT = 300


def invalidate_theme_counts() -> None:
    cache.delete(THEME_COUNTS_KEY)


def themes_with_counts(user: User | AnonymousUser | None = None) -> list[Theme]:
    """The themes (fresh: a renamed theme shows at once), each with the published_count ``user`` sees.

    The classifications a user sees whole come from the cache; the rahasia APIs shared with a member are
    counted live by one small query (few APIs are rahasia).
    """
    counts = cache.get(THEME_COUNTS_KEY)
    if counts is None:
        grouped = _listed_services().order_by().values("theme_id", "classification").annotate(n=Count("id"))
        counts = {}
        for row in grouped:
            counts.setdefault(row["theme_id"], {})[row["classification"]] = row["n"]
        cache.set(THEME_COUNTS_KEY, counts, THEME_COUNTS_TIMEOUT)
    audience = Audience.of(user)
    shared = {}
    if audience.shared_rahasia is not None:
        grouped = _listed_services().filter(audience.shared_rahasia).order_by().values("theme_id").annotate(
            n=Count("id")
        )
        shared = {row["theme_id"]: row["n"] for row in grouped}
    themes = list(Theme.objects.order_by("order", "name"))
    for theme in themes:
        by_classification = counts.get(theme.pk, {})
        theme.published_count = shared.get(theme.pk, 0) + sum(
            by_classification.get(classification, 0) for classification in audience.counted_classifications
        )
    return themes


def search_services(queryset: QuerySet[ApiService], term: str | None) -> QuerySet[ApiService]:
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


def services_managed_by(user: User | AnonymousUser | None) -> QuerySet[ApiService]:
    """Registrations the user may edit: its publishing organisations' (all, for administrators)."""
    qs = ApiService.objects.select_related("owner", "theme").prefetch_related("versions")
    if is_administrator(user):
        return qs
    return qs.filter(owner_id__in=publisher_org_ids(user))


def current_interop_standard() -> InteropStandard:
    """The Dinas' interoperability standard; the defaults (version 1) when the row is missing (a database flushed
    after migrating)."""
    return InteropStandard.objects.order_by("pk").first() or InteropStandard(
        allowed_media_types=list(interop.DEFAULT_MEDIA_TYPES), rules=interop.default_rules()
    )


def versions_failing_the_standard() -> QuerySet[ApiVersion]:
    """Live versions that no longer pass the interoperability check: published under an earlier standard and
    failing a blocking rule of the current one (publishing requires a pass), for the Dinas to follow up."""
    return ApiVersion.objects.filter(status__in=LIVE_STATUSES, interop_passed=False)


def versions_awaiting_review() -> QuerySet[ApiVersion]:
    """The Dinas' accompaniment queue (Pasal 6): submitted versions, the longest waiting first. The
    specification and the check's report stay unread (they can be large)."""
    return (ApiVersion.objects.filter(status=ApiVersionStatusChoices.SUBMITTED)
            .select_related("service__owner").defer("spec", "interop_report", "service__description")
            .order_by("submitted_at", "id"))
