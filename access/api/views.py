"""Access API: thin views over the Pasal 7 services. What a user may touch is what the selectors show it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from directory.models import ApiVersion
from splp.api_schema import CONFLICT, documented
from splp.workflow import TransitionError

from .. import services
from ..filtersets import AccessRequestFilterSet, ApiKeyFilterSet
from ..selectors import access_requests_visible_to, keys_for_requester
from .serializers import (
    AccessRequestResubmitSerializer,
    AccessRequestSerializer,
    AccessRequestSubmitSerializer,
    ApiKeySerializer,
    DecisionSerializer,
    GrantIssueSerializer,
    GrantMoveResultSerializer,
    GrantMoveSerializer,
    GrantResultSerializer,
    IssuedApiKeySerializer,
    NoteSerializer,
    ReasonSerializer,
)


@documented(
    _("The Pasal 7 workflow: a requester's organisation applies, the Dinas decides, the API's publisher grants "
      "access and a key is issued. Each user sees the requests of its own organisations."),
    list=_("List access requests"), retrieve=_("Details of an access request"), create=_("Apply for access"),
    approve=_("Approve a request (Dinas)"), reject=_("Reject a request (Dinas)"),
    request_changes=_("Return a request to the requester for changes (Dinas)"),
    resubmit=_("Submit a returned request again, changed (requester)"),
    decline=_("Decline to grant access (publisher)"), grant=_("Grant access and issue a key (publisher)"),
    revoke=_("Revoke the access (publisher)"), withdraw=_("Withdraw a request (requester)"),
    move=_("Move the access to a newer version (publisher)"),
)
class AccessRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pasal 7 applications: the requester applies, the Dinas decides, the publisher grants."""

    permission_classes = [IsAuthenticated]
    serializer_class = AccessRequestSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = AccessRequestFilterSet
    ordering_fields = ["created_at", "updated_at"]

    def get_queryset(self):
        return access_requests_visible_to(self.request.user).select_related("grant")

    def _respond(self, access_request, status_code=status.HTTP_200_OK):
        access_request = self.get_queryset().get(pk=access_request.pk)
        return Response(self.get_serializer(access_request).data, status=status_code)

    def _act(self, service, input_serializer=None):
        """Run one transition on a request the user can see (others are 404 before any role check)."""
        access_request = self.get_object()
        arguments = {}
        if input_serializer is not None:
            serializer = input_serializer(data=self.request.data, context={"access_request": access_request})
            serializer.is_valid(raise_exception=True)
            arguments = serializer.validated_data
        service(actor=self.request.user, access_request=access_request, **arguments)
        return self._respond(access_request)

    @extend_schema(request=AccessRequestSubmitSerializer, responses={201: AccessRequestSerializer})
    def create(self, request):
        serializer = AccessRequestSubmitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        access_request = services.access_request_submit(actor=request.user, **serializer.validated_data)
        return self._respond(access_request, status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses={200: AccessRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(services.access_request_approve, DecisionSerializer)

    @extend_schema(request=ReasonSerializer, responses={200: AccessRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(services.access_request_reject, ReasonSerializer)

    @extend_schema(request=NoteSerializer, responses={200: AccessRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        return self._act(services.access_request_request_changes, NoteSerializer)

    @extend_schema(request=AccessRequestResubmitSerializer, responses={200: AccessRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        return self._act(services.access_request_resubmit, AccessRequestResubmitSerializer)

    @extend_schema(request=ReasonSerializer, responses={200: AccessRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._act(services.access_request_decline, ReasonSerializer)

    @extend_schema(request=ReasonSerializer, responses={200: AccessRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._act(services.access_request_revoke, ReasonSerializer)

    @extend_schema(request=None, responses={200: AccessRequestSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(services.access_request_withdraw)

    @extend_schema(request=GrantIssueSerializer, responses={200: GrantResultSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def grant(self, request, pk=None):
        access_request = self.get_object()
        serializer = GrantIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant, key, raw = services.access_request_grant(
            actor=request.user, access_request=access_request, **serializer.validated_data
        )
        if raw is None:
            message = gettext(
                "The key will be shown once to an operator of the requesting organisation when they reveal it."
            )
        else:
            message = gettext("Store this key now: it is shown only once.")
        result = {
            "access_request": self.get_queryset().get(pk=access_request.pk), "grant": grant, "key": key,
            "api_key": raw, "message": message,
        }
        return Response(GrantResultSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(request=GrantMoveSerializer, responses={200: GrantMoveResultSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """The publisher moves the request's grant to a newer published version of the API."""
        access_request = self.get_object()
        serializer = GrantMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = getattr(access_request, "grant", None)
        if grant is None:
            raise TransitionError(gettext("Only an active grant can be moved to another version."))
        wanted = serializer.validated_data["to_version"]
        to_version = ApiVersion.objects.filter(service_id=access_request.api_version.service_id, version=wanted).first()
        if to_version is None:
            raise ValidationError({"to_version": gettext('This API has no version "%(version)s".') % {
                "version": wanted}})
        plan = services.grant_move(actor=request.user, grant=grant, to_version=to_version)
        result = {
            "access_request": self.get_queryset().get(pk=access_request.pk),
            "carried": [f"{op.method} {op.path}" for op in plan.carried], "dropped": plan.dropped_labels,
        }
        return Response(GrantMoveResultSerializer(result, context=self.get_serializer_context()).data)


@documented(
    _("The keys of the requester's organisation for calling APIs through the bus. A key's secret is shown once, "
      "when it is revealed or rotated, and never stored in clear."),
    list=_("List my organisation's API keys"), retrieve=_("Details of an API key"),
    reveal=_("Show a new key (once)"), rotate=_("Replace a key (the old one stops working)"),
    revoke=_("Revoke a key"),
)
class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The requesting organisation's keys: the secret is shown once (reveal or rotation), never stored in clear."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApiKeySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiKeyFilterSet

    def get_queryset(self):
        return keys_for_requester(self.request.user)

    def _read(self, key):
        # Read back through the queryset: the services answer with bare, freshly locked rows.
        return self.get_queryset().get(pk=key.pk)

    def _issued(self, key, raw):
        issued = {"api_key": raw, "key": self._read(key)}
        return Response(IssuedApiKeySerializer(issued, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: IssuedApiKeySerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        key = self.get_object()
        return self._issued(key, services.api_key_reveal(actor=request.user, api_key=key))

    @extend_schema(request=None, responses={200: IssuedApiKeySerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        new_key, raw = services.api_key_rotate(actor=request.user, grant=self.get_object().grant)
        return self._issued(new_key, raw)

    @extend_schema(request=DecisionSerializer, responses={200: ApiKeySerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        key = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = services.api_key_revoke(actor=request.user, api_key=key, **serializer.validated_data)
        return Response(self.get_serializer(self._read(key)).data)
