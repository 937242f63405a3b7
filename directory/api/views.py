"""Directory API: thin views over the directory's selectors and services."""

from django.shortcuts import get_object_or_404
from django.urls.converters import SlugConverter
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from splp.api_schema import CONFLICT, documented

from .. import services
from ..filtersets import ApiServiceFilterSet
from ..models import ApiVersion
from ..selectors import published_service_detail, services_managed_by, themes_with_counts, visible_services
from .pagination import ServicePagination
from .serializers import (
    ApiServiceDetailSerializer,
    ApiServiceMetadataSerializer,
    ApiServiceRegisterSerializer,
    ApiServiceSerializer,
    ApiVersionCreateSerializer,
    ApiVersionSerializer,
    ApiVersionSpecSerializer,
    ManagedApiServiceSerializer,
    ReviewNoteSerializer,
    ThemeSerializer,
)


@documented(
    _("Themes of the service directory (Pasal 7e), each with its number of published APIs the user may see."),
    list=_("List the directory's themes"),
)
class ThemeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Themes of the service directory (Pasal 7e) with their number of published APIs."""

    permission_classes = [AllowAny]
    serializer_class = ThemeSerializer
    filter_backends = []

    def get_queryset(self):
        return themes_with_counts(self.request.user)


class ServiceFilteringMixin:
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ApiServiceFilterSet
    ordering_fields = ["name", "updated_at"]
    # No default: the queryset's own order stands (name, id; or a search's rank, name matches first).
    ordering = None
    lookup_field = "slug"
    # Only what a slug can be reaches the query: PostgreSQL refuses e.g. a NUL with a 500.
    lookup_value_regex = SlugConverter.regex


@documented(
    _("The published APIs the user may see, as the portal's directory shows them; no login needed for the public "
      "ones."),
    list=_("Search the service directory"), retrieve=_("Details of a published API"),
    openapi=_("OpenAPI document of the live version"),
)
class PublishedApiServiceViewSet(ServiceFilteringMixin, viewsets.ReadOnlyModelViewSet):
    """The service directory: the published APIs the user may see (selectors.visible_services)."""

    permission_classes = [AllowAny]
    pagination_class = ServicePagination

    def get_queryset(self):
        return visible_services(self.request.user)

    def get_serializer_class(self):
        return ApiServiceSerializer if self.action == "list" else ApiServiceDetailSerializer

    def get_object(self):
        service = published_service_detail(self.kwargs["slug"], self.request.user)
        if service is None:
            raise NotFound(_("No published API with this slug."))
        return service

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def openapi(self, request, slug=None):
        return Response(self.get_object().live_version.spec)


@documented(
    _("A publisher operator's registrations in the metadata repository (every registration for the Dinas)."),
    list=_("List my API registrations"), retrieve=_("Details of an API registration"),
    create=_("Register an API with its first version"), partial_update=_("Edit an API's metadata"),
)
class ApiServiceViewSet(
    ServiceFilteringMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A publisher's own registrations (all of them for the Dinas): register and edit metadata."""

    permission_classes = [IsAuthenticated]
    serializer_class = ManagedApiServiceSerializer

    def get_queryset(self):
        return services_managed_by(self.request.user).prefetch_related("versions__review_notes__author")

    def _respond(self, service, status_code=status.HTTP_200_OK):
        # Read back through the queryset so the answer carries every version and note.
        service = self.get_queryset().get(pk=service.pk)
        return Response(self.get_serializer(service).data, status=status_code)

    @extend_schema(request=ApiServiceRegisterSerializer, responses={201: ManagedApiServiceSerializer})
    def create(self, request):
        serializer = ApiServiceRegisterSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        service, _version = services.api_service_register(actor=request.user, **serializer.validated_data)
        return self._respond(service, status.HTTP_201_CREATED)

    @extend_schema(request=ApiServiceMetadataSerializer, responses={200: ManagedApiServiceSerializer})
    def partial_update(self, request, slug=None):
        service = self.get_object()
        serializer = ApiServiceMetadataSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.api_service_update(actor=request.user, service=service, **serializer.validated_data)
        return self._respond(service)


@extend_schema_view(
    **{
        name: extend_schema(parameters=[OpenApiParameter("service_slug", str, OpenApiParameter.PATH)])
        for name in ("list", "retrieve", "create", "update", "partial_update", "submit", "notes")
    }
)
@documented(
    _("Versions of a registration: a draft is edited and checked for interoperability, then submitted; the Dinas "
      "reviews it, answers in the notes and publishes it."),
    list=_("List the versions of an API"), retrieve=_("Details of a version"), create=_("Add a version (a draft)"),
    update=_("Replace a draft's document"), partial_update=_("Edit a draft's document"),
    submit=_("Submit a version for the Dinas' review"), notes=_("Add a review note"),
)
class ApiVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Versions of one of the user's registrations: add, edit a draft, submit for review, discuss."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApiVersionSerializer
    # Only tells the schema generator the model; rows come from get_queryset.
    queryset = ApiVersion.objects.none()
    filter_backends = []
    lookup_field = "version"
    # Versions may contain dots; a NUL never reaches the query (PostgreSQL refuses it with a 500).
    lookup_value_regex = r"[^/\x00]+"

    def get_service(self):
        # Only the row is needed here: drop the selector's prefetch of every version.
        managed = services_managed_by(self.request.user).prefetch_related(None)
        return get_object_or_404(managed, slug=self.kwargs["service_slug"])

    def get_queryset(self):
        return (
            ApiVersion.objects.filter(service=self.get_service())
            .order_by("-id")
            .prefetch_related("review_notes__author")
        )

    @extend_schema(request=ApiVersionCreateSerializer, responses={201: ApiVersionSerializer})
    def create(self, request, service_slug=None):
        serializer = ApiVersionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.api_version_create(
            actor=request.user, service=self.get_service(), **serializer.validated_data
        )
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApiVersionSpecSerializer, responses={200: ApiVersionSerializer, 409: CONFLICT})
    def update(self, request, service_slug=None, version=None):
        api_version = self.get_object()
        serializer = ApiVersionSpecSerializer(data=request.data, partial=request.method == "PATCH")
        serializer.is_valid(raise_exception=True)
        api_version = services.api_version_update(
            actor=request.user, api_version=api_version,
            upstream_base_url=serializer.validated_data.get("upstream_base_url", api_version.upstream_base_url),
            spec=serializer.validated_data.get("spec", api_version.spec),
        )
        return Response(self.get_serializer(api_version).data)

    @extend_schema(request=ApiVersionSpecSerializer, responses={200: ApiVersionSerializer, 409: CONFLICT})
    def partial_update(self, request, service_slug=None, version=None):
        return self.update(request, service_slug=service_slug, version=version)

    @extend_schema(request=None, responses={200: ApiVersionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def submit(self, request, service_slug=None, version=None):
        api_version = services.api_version_submit_for_review(actor=request.user, api_version=self.get_object())
        return Response(self.get_serializer(api_version).data)

    @extend_schema(request=ReviewNoteSerializer, responses={201: ReviewNoteSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, service_slug=None, version=None):
        serializer = ReviewNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.review_note_add(
            actor=request.user, api_version=self.get_object(), body=serializer.validated_data["body"]
        )
        return Response(ReviewNoteSerializer(note).data, status=status.HTTP_201_CREATED)
