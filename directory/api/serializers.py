"""Serializers of the directory API: the public service directory and publishers' registrations."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from splp.api import SlugRelatedField

from ..choices import SpecFormatChoices
from ..models import LIVE_STATUSES, ApiOperation, ApiService, ApiVersion, Organization, ReviewNote, Theme
from ..selectors import is_administrator, publisher_org_ids, visible_services
from ..services import SERVICE_FIELDS


def default_organization(*, user, organization, org_ids, field, role_message):
    """The organisation given, or the only one the user acts for in that role.

    A user with no such role is refused (403); one acting for several, or an administrator, must say which.
    """
    if organization is not None:
        return organization
    if len(org_ids) == 1:
        return Organization.objects.get(pk=next(iter(org_ids)))
    if not org_ids and not is_administrator(user):
        raise PermissionDenied(str(role_message))
    raise serializers.ValidationError(
        {field: _("This field is required unless you act for exactly one organisation.")}
    )


class VisibleServiceField(SlugRelatedField):
    """A published API named by its slug, among those the requesting user may see: a hidden one is unknown."""

    queryset = ApiService.objects.none()  # only tells the schema generator the model; rows: get_queryset

    def get_queryset(self):
        return visible_services(self.context["request"].user)


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name"]


class ThemeSerializer(serializers.ModelSerializer):
    api_count = serializers.IntegerField(source="published_count", read_only=True, help_text=_("Published APIs"))

    class Meta:
        model = Theme
        fields = ["slug", "name", "description", "api_count"]


class ThemeBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name"]


class ApiOperationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiOperation
        fields = ["id", "method", "path", "summary", "parameters"]


class PublishedApiVersionSerializer(serializers.ModelSerializer):
    # Only live states reach the directory; the narrower enum also documents that.
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in LIVE_STATUSES], read_only=True)

    class Meta:
        model = ApiVersion
        fields = ["version", "status", "spec_format", "published_at", "sunset_on"]


class ApiServiceBriefSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(source="owner", read_only=True)

    class Meta:
        model = ApiService
        fields = ["slug", "name", "organization"]


class ApiServiceSerializer(serializers.ModelSerializer):
    """A published API as the directory lists it, described by its live version."""

    theme = ThemeBriefSerializer(read_only=True)
    organization = OrganizationSerializer(source="owner", read_only=True)
    version = serializers.CharField(source="live_version.version", read_only=True)
    spec_format = serializers.ChoiceField(
        choices=SpecFormatChoices.choices, source="live_version.spec_format", read_only=True
    )
    url = serializers.HyperlinkedIdentityField(view_name="directory_api:service-detail", lookup_field="slug")

    class Meta:
        model = ApiService
        fields = [
            "slug", "name", "description", "theme", "organization", "classification", "has_personal_data",
            "update_frequency", "version", "spec_format", "url",
        ]


class ApiServiceDetailSerializer(ApiServiceSerializer):
    versions = PublishedApiVersionSerializer(many=True, read_only=True)
    operations = ApiOperationSerializer(
        source="live_version.operations", many=True, read_only=True,
        help_text=_("Operations of the live version."),
    )

    class Meta(ApiServiceSerializer.Meta):
        fields = ApiServiceSerializer.Meta.fields + [
            "legal_basis", "contact_name", "contact_email", "sla", "data_producer", "data_steward",
            "versions", "operations",
        ]


@extend_schema_field(
    {
        "oneOf": [{"type": "object", "additionalProperties": {}}, {"type": "string"}],
        "description": "OpenAPI 3 or Swagger 2 document: a JSON object, or its JSON/YAML text.",
    }
)
class SpecField(serializers.Field):
    default_error_messages = {
        "invalid": _("Give the OpenAPI document as a JSON object or as JSON/YAML text."),
    }

    def to_internal_value(self, data):
        # Parsing, the size cap and the remote-$ref refusal belong to the service (parse_spec), for both forms.
        if isinstance(data, (dict, str)):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


class ApiVersionSpecSerializer(serializers.Serializer):
    upstream_base_url = serializers.URLField(max_length=500)
    spec = SpecField()


class ApiVersionCreateSerializer(ApiVersionSpecSerializer):
    version = serializers.CharField(max_length=40)


class InteropCheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    blocking = serializers.BooleanField()
    detail = serializers.CharField()


class ReviewNoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = ReviewNote
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "created_at"]


class ApiVersionSerializer(serializers.ModelSerializer):
    """A version as its publisher sees it: lifecycle, interoperability checklist and review thread."""

    interop_report = InteropCheckSerializer(many=True, read_only=True)
    review_notes = ReviewNoteSerializer(many=True, read_only=True)

    class Meta:
        model = ApiVersion
        fields = [
            "version", "status", "upstream_base_url", "spec_format", "interop_passed", "interop_standard_version",
            "interop_report", "created_at", "submitted_at", "published_at", "deprecated_at", "sunset_on",
            "rejected_at", "rejection_reason", "review_notes",
        ]
        read_only_fields = fields


class ManagedApiServiceSerializer(serializers.ModelSerializer):
    """A registration as its publisher (or the Dinas) sees it, with every version."""

    owner = OrganizationSerializer(read_only=True)
    theme = ThemeBriefSerializer(read_only=True)
    versions = ApiVersionSerializer(many=True, read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="directory_api:api-service-detail", lookup_field="slug")

    class Meta:
        model = ApiService
        fields = ["slug", "owner", *SERVICE_FIELDS, "created_at", "updated_at", "versions", "url"]
        read_only_fields = fields


class ApiServiceMetadataSerializer(serializers.ModelSerializer):
    """The metadata fields a publisher edits (input of PATCH)."""

    theme = SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(),
        error_messages={"does_not_exist": _('Unknown theme "{value}".')},
    )

    class Meta:
        model = ApiService
        fields = list(SERVICE_FIELDS)


class ApiServiceRegisterSerializer(ApiServiceMetadataSerializer, ApiVersionCreateSerializer):
    """A new registration with its first version (input of POST)."""

    owner = SlugRelatedField(
        slug_field="code", queryset=Organization.objects.all(), required=False,
        help_text=_("Organisation code; may be left out when you publish for exactly one organisation."),
        error_messages={"does_not_exist": _('Unknown organisation "{value}".')},
    )

    class Meta(ApiServiceMetadataSerializer.Meta):
        fields = ["owner", "slug", *SERVICE_FIELDS, "version", "upstream_base_url", "spec"]

    def validate(self, attrs):
        user = self.context["request"].user
        attrs["owner"] = default_organization(
            user=user, organization=attrs.get("owner"), org_ids=publisher_org_ids(user), field="owner",
            role_message=_("You are not a publisher operator of any organisation."),
        )
        return attrs
