"""The OpenAPI schema's side of the error shape: every operation documents the errors it can answer, in the
one ``{"error": {"code", "message"}}`` shape of splp/api.py. Kept apart from splp/api.py, which DRF's
settings import while DRF itself loads (drf-spectacular's AutoSchema imports DRF's generic views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("Machine-readable reason, e.g. invalid, not_found, permission_denied, invalid_transition.")
    )
    message = serializers.CharField(help_text=_("What went wrong, for a person to read."))

    def get_fields(self):
        # Declared here because ``fields`` is also the name of the Serializer attribute holding the fields.
        return {
            **super().get_fields(),
            "fields": serializers.DictField(
                child=serializers.JSONField(), required=False,
                help_text=_("Only for invalid input: the messages per field (non_field_errors for the whole)."),
            ),
        }


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer of the API."""

    error = ErrorDetailSerializer()


def error_response(description):
    return OpenApiResponse(ErrorSerializer, description=description)


# For the actions that move a workflow: refused when the object's state does not allow it.
CONFLICT = error_response(_("The object's current state does not allow this action."))


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error answers each operation can give, in the one error shape."""

    def get_auth(self):
        auths = super().get_auth()
        # No permission classes at all (the token login) lets anyone in, as AllowAny does.
        if not self.view.get_permissions() and {} not in auths:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(error_response(description), code, direction=direction)
        return responses

    def _error_responses(self):
        path_has_lookup = "{" in self.path
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        paginated = bool(self._get_pagination_parameters())
        responses = {}
        if has_body or self._get_filter_parameters():
            responses["400"] = _("Invalid input: see error.fields.")
        if self.view.authentication_classes:
            # A wrong or expired credential is refused on every operation, public ones included.
            responses["401"] = _("Not authenticated, or the credentials are invalid.")
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            responses["403"] = _("Not allowed for this user (role, organisation, or a missing CSRF token).")
        if path_has_lookup or paginated:
            responses["404"] = _("Not found, or not visible to this user; or a page past the last one.")
        if self.view.throttle_classes:
            responses["429"] = _("Too many requests; retry later.")
        return responses
