"""Serializers of the access API: Pasal 7 requests, grants and keys. Key hashes and secrets never appear."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory.api.serializers import (
    ApiOperationSerializer,
    ApiServiceBriefSerializer,
    OrganizationSerializer,
    VisibleServiceField,
    default_organization,
)
from directory.models import Organization
from directory.selectors import requester_org_ids
from splp.api import MAX_ID, SlugRelatedField

from .. import policy as rules
from ..models import (
    MAX_CALLS_PER_DAY,
    MAX_CALLS_PER_MINUTE,
    AccessRequest,
    ApiKey,
    ClassificationPolicy,
    Grant,
)
from ..services import APPLICATION_FIELDS, RESUBMIT_FIELDS


class ClassificationPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassificationPolicy
        fields = ["classification", "max_grant_days", "require_ip_allowlist", "require_second_approval"]
        read_only_fields = fields


class IpAllowlistField(serializers.ListField):
    """Stored as one address/CIDR per line; exchanged as a list."""

    child = serializers.CharField(max_length=64)

    def to_internal_value(self, data):
        return "\n".join(super().to_internal_value(data))

    def to_representation(self, value):
        return super().to_representation(value.splitlines())


class GrantSerializer(serializers.ModelSerializer):
    ip_allowlist = IpAllowlistField(read_only=True)

    class Meta:
        model = Grant
        fields = [
            "id", "all_operations", "rate_limit_per_minute", "rate_limit_per_day", "ip_allowlist", "granted_at",
            "expires_at", "revoked_at",
        ]
        read_only_fields = fields


class AccessRequestSerializer(serializers.ModelSerializer):
    requester = OrganizationSerializer(read_only=True)
    applicant = serializers.CharField(source="applicant.username", read_only=True)
    api = ApiServiceBriefSerializer(source="api_version.service", read_only=True)
    version = serializers.CharField(source="api_version.version", read_only=True)
    operations = ApiOperationSerializer(many=True, read_only=True)
    first_approved_by = serializers.CharField(source="first_approved_by.username", read_only=True, allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)
    grant = GrantSerializer(read_only=True, allow_null=True)
    policy = serializers.SerializerMethodField(
        help_text=_("The current rules of the API's classification, which the grant, key rotation and the bus "
                    "enforce.")
    )
    url = serializers.HyperlinkedIdentityField(view_name="access_api:access-request-detail")

    class Meta:
        model = AccessRequest
        fields = [
            "id", "status", "requester", "applicant", "api", "version", "all_operations", "operations", "purpose",
            "legal_basis", "period_start", "period_end", "expected_daily_volume", "letter_reference",
            "first_approved_by", "first_approved_at", "changes_note", "decided_by", "decided_at", "decision_reason",
            "decline_reason", "created_at", "updated_at", "grant", "policy", "url",
        ]
        read_only_fields = fields

    @extend_schema_field(ClassificationPolicySerializer)
    def get_policy(self, access_request):
        # Read once per response (a list shares the context), not once per row.
        policies = self.context.get("_policies")
        if policies is None:
            policies = self.context["_policies"] = rules.policies()
        return ClassificationPolicySerializer(policies[access_request.api_version.service.classification]).data


def operations_of(api_version, ids):
    """The operations of ``api_version`` with these ids; an id that is not one of them is refused by name."""
    ids = set(ids)
    operations = list(api_version.operations.filter(pk__in=ids))
    if len(operations) != len(ids):
        unknown = sorted(ids - {op.pk for op in operations})
        message = _("Not operations of this API version: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
        raise serializers.ValidationError({"operations": message})
    return operations


class AccessRequestSubmitSerializer(serializers.ModelSerializer):
    """Input of a Pasal 7a application; resolves the API, version, operations and requester organisation."""

    api = VisibleServiceField(
        slug_field="slug", help_text=_("Slug of a published API."),
        error_messages={"does_not_exist": _('No published API "{value}".')},
    )
    version = serializers.CharField(
        required=False, help_text=_("A published version of the API; the live version when left out.")
    )
    operations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
        help_text=_("Ids of the operations wanted; empty or left out means all operations."),
    )
    requester = SlugRelatedField(
        slug_field="code", queryset=Organization.objects.all(), required=False,
        help_text=_("Organisation code; may be left out when you request for exactly one organisation. A Dinas "
                    "administrator may name any organisation, recording its application from its letter "
                    "(letter_reference is then required)."),
        error_messages={"does_not_exist": _('Unknown organisation "{value}".')},
    )

    class Meta:
        model = AccessRequest
        fields = [
            "api", "version", "operations", "requester", "purpose", "legal_basis", "period_start", "period_end",
            "expected_daily_volume", "letter_reference",
        ]
        extra_kwargs = {"letter_reference": {"help_text": _(
            "Number and date of the organisation's letter of application; required when an administrator records "
            "the request on behalf of an organisation it is not a requester operator of.")}}

    def validate(self, attrs):
        service = attrs.pop("api")
        wanted = attrs.pop("version", None)
        if wanted is None:
            api_version = service.live_version
        else:
            # The API's queryset prefetches its live versions only: a draft cannot be picked.
            api_version = next((v for v in service.versions.all() if v.version == wanted), None)
            if api_version is None:
                raise serializers.ValidationError(
                    {"version": _('This API has no published version "%(version)s".') % {"version": wanted}}
                )
        operations = operations_of(api_version, attrs.pop("operations", None) or [])
        user = self.context["request"].user
        attrs["requester"] = default_organization(
            user=user, organization=attrs.get("requester"), org_ids=requester_org_ids(user), field="requester",
            role_message=_("You are not a requester operator of any organisation."),
        )
        return {**attrs, "api_version": api_version, "operations": operations}


class AccessRequestResubmitSerializer(serializers.ModelSerializer):
    """Input of a resubmission after the administrator asked for changes: the fields sent change, the others
    stay as they were. The request being resubmitted comes in the context (``access_request``)."""

    operations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
        help_text=_("Ids of the operations wanted; an empty list means all operations; left out, they stay."),
    )

    class Meta:
        model = AccessRequest
        fields = list(RESUBMIT_FIELDS)
        extra_kwargs = {name: {"required": False} for name in APPLICATION_FIELDS}

    def validate(self, attrs):
        if "operations" in attrs:
            attrs["operations"] = operations_of(self.context["access_request"].api_version, attrs["operations"])
        return attrs


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text=_("Required: it is recorded and sent to the people concerned."))


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        help_text=_("Required: what the requester must change; it is recorded and sent to the requester.")
    )


class GrantIssueSerializer(serializers.Serializer):
    rate_limit_per_minute = serializers.IntegerField(min_value=1, max_value=MAX_CALLS_PER_MINUTE, required=False)
    rate_limit_per_day = serializers.IntegerField(min_value=1, max_value=MAX_CALLS_PER_DAY, required=False)
    ip_allowlist = IpAllowlistField(required=False, help_text=_("Addresses or CIDR networks; empty means any."))


KEY_STATUSES = [("active", _("Active")), ("expired", _("Expired")), ("revoked", _("Revoked"))]


class ApiKeySerializer(serializers.ModelSerializer):
    api = serializers.CharField(source="grant.api_version.service.slug", read_only=True)
    version = serializers.CharField(source="grant.api_version.version", read_only=True)
    access_request = serializers.IntegerField(source="grant.access_request_id", read_only=True)
    revealed = serializers.SerializerMethodField(help_text=_("Whether the key was already shown once."))
    pending = serializers.SerializerMethodField(help_text=_("Whether the key is waiting to be shown once."))
    status = serializers.SerializerMethodField()
    url = serializers.HyperlinkedIdentityField(view_name="access_api:key-detail")

    class Meta:
        model = ApiKey
        fields = [
            "id", "prefix", "api", "version", "grant", "access_request", "created_at", "expires_at", "revoked_at",
            "revealed", "pending", "status", "url",
        ]
        read_only_fields = fields

    def get_revealed(self, key) -> bool:
        return key.revealed_at is not None

    def get_pending(self, key) -> bool:
        return bool(key.pending_secret) and key.is_active

    @extend_schema_field(serializers.ChoiceField(choices=KEY_STATUSES))
    def get_status(self, key):
        if key.revoked_at:
            return "revoked"
        return "active" if key.expires_at > timezone.now() else "expired"


class IssuedApiKeySerializer(serializers.Serializer):
    """A key's secret, answered once (reveal, rotation), with the key it belongs to."""

    api_key = serializers.CharField()
    key = ApiKeySerializer()


class GrantResultSerializer(serializers.Serializer):
    """Answer of the grant action; the secret is there only when the granting user may receive it."""

    access_request = AccessRequestSerializer()
    grant = GrantSerializer()
    key = ApiKeySerializer()
    api_key = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class GrantMoveSerializer(serializers.Serializer):
    to_version = serializers.CharField(
        max_length=40, help_text=_("A published version of the same API, newer than the grant's own."))


class GrantMoveResultSerializer(serializers.Serializer):
    """Answer of the move action: the request (now on the new version) and what happened to its operations."""

    access_request = AccessRequestSerializer()
    carried = serializers.ListField(child=serializers.CharField(), help_text=_(
        "Operations (method and path) the grant allows on the new version; empty when it allows all."))
    dropped = serializers.ListField(child=serializers.CharField(), help_text=_(
        "Operations of the old version that the new one does not have."))
