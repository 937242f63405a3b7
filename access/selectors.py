import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from directory.choices import ApiVersionStatusChoices
from directory.models import ApiVersion, Membership
from directory.selectors import is_administrator, publisher_org_ids, requester_org_ids

from .choices import OPEN_STATES, WAITING_FOR_ADMINISTRATOR, AccessRequestStatusChoices
from .models import AccessRequest, ApiKey, Grant


def access_requests_visible_to(user: User | AnonymousUser | None) -> QuerySet[AccessRequest]:
    """Administrators see all; a requester its organisation's; a publisher those for its APIs."""
    qs = AccessRequest.objects.select_related(
        "requester", "applicant", "api_version__service__owner", "api_version__service__theme", "decided_by",
        "first_approved_by",
    ).prefetch_related("operations")
    if is_administrator(user):
        return qs
    return qs.filter(
        Q(requester_id__in=requester_org_ids(user)) | Q(api_version__service__owner_id__in=publisher_org_ids(user))
    )


def lapsed_approvals(*, now: datetime.datetime | None = None) -> QuerySet[AccessRequest]:
    """Approved requests the publisher left ungranted for SPLP_GRANT_WAIT_DAYS, or whose period has ended."""
    now = now or timezone.now()
    return AccessRequest.objects.filter(status=AccessRequestStatusChoices.APPROVED).filter(
        Q(decided_at__lte=now - datetime.timedelta(days=settings.SPLP_GRANT_WAIT_DAYS))
        | Q(period_end__lt=timezone.localdate(now))
    )


def incoming_requests_for_publisher(user: User | AnonymousUser | None) -> QuerySet[AccessRequest]:
    return access_requests_visible_to(user).filter(api_version__service__owner_id__in=publisher_org_ids(user))


def own_requests(user: User | AnonymousUser | None) -> QuerySet[AccessRequest]:
    return access_requests_visible_to(user).filter(requester_id__in=requester_org_ids(user))


def open_requests_by_version(user: User | AnonymousUser | None, service_id: int) -> dict[int, list[AccessRequest]]:
    """The user's requesting organisations' pending or granted requests on an API, per version id (one query)."""
    by_version = {}
    requests = AccessRequest.objects.filter(
        requester_id__in=requester_org_ids(user), api_version__service_id=service_id, status__in=OPEN_STATES,
    ).select_related("requester").order_by("requester__name")
    for access_request in requests:
        by_version.setdefault(access_request.api_version_id, []).append(access_request)
    return by_version


def keys_for_requester(user: User | AnonymousUser | None) -> QuerySet[ApiKey]:
    """Keys held by the user's requesting organisations, with their grant and API."""
    return ApiKey.objects.filter(grant__organization_id__in=requester_org_ids(user)).select_related(
        "grant__organization", "grant__api_version__service", "grant__access_request"
    )


def active_grants_on(api_version: ApiVersion, *, now: datetime.datetime | None = None) -> QuerySet[Grant]:
    """Grants the bus would still honour on this version (granted, not revoked, not expired)."""
    return Grant.objects.filter(
        api_version=api_version, revoked_at__isnull=True, expires_at__gt=now or timezone.now(),
        access_request__status=AccessRequestStatusChoices.GRANTED,
    )


def grant_move_targets(api_version: ApiVersion) -> QuerySet[ApiVersion]:
    """Versions grants on ``api_version`` may move to: published versions of the same API, newer than it
    (the rule itself is checked by access.services.grant_move_plan)."""
    return ApiVersion.objects.filter(
        service_id=api_version.service_id, status=ApiVersionStatusChoices.PUBLISHED, pk__gt=api_version.pk,
    ).order_by("-pk")


def requests_awaiting_decision(user: User) -> QuerySet[AccessRequest]:
    """Pasal 7b for one administrator: the requests waiting for a decision, the longest waiting first, without
    those the separation of duties keeps from them (their own organisation's, their own application, one they
    gave the first of two approvals)."""
    own_orgs = Membership.objects.filter(user=user).values("organization_id")
    return (AccessRequest.objects.filter(status__in=WAITING_FOR_ADMINISTRATOR)
            .exclude(requester_id__in=own_orgs).exclude(applicant=user).exclude(first_approved_by=user)
            .select_related("requester", "api_version__service").order_by("created_at", "id"))
