"""Shared REST pieces: every error is JSON with a code, and domain refusals map to HTTP statuses."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .workflow import TransitionError


def _messages(exc):
    if hasattr(exc, "message_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, TransitionError):
        return Response(
            {"error": {"code": "invalid_transition", "message": " ".join(exc.messages)}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        fields = _messages(exc)
        message = " ".join(m for msgs in fields.values() for m in msgs)
        return Response(
            {"error": {"code": "invalid", "message": message, "fields": fields}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response(
            {"error": {"code": "permission_denied", "message": " ".join(exc.args) or str(exc)}},
            status=status.HTTP_403_FORBIDDEN,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"error": {"code": getattr(data["detail"], "code", code), "message": str(data["detail"])}}
    else:
        message = " ".join(
            f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in (data.items() if isinstance(data, dict) else [("non_field_errors", data)])
        )
        response.data = {"error": {"code": "invalid", "message": message, "fields": data}}
    return response


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's SlugRelatedField, refusing a NUL before the lookup: PostgreSQL cannot compare one (500)."""

    default_error_messages = {"null_characters": _("Null characters are not allowed.")}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


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
