"""Shared REST pieces: every error is JSON with a code, and domain refusals map to HTTP statuses.

Everything under /api/ answers in that shape, also what never reaches a DRF view (splp/api_errors.py)."""

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied, ValidationError as DjangoValidationError
from django.utils.translation import gettext as _, gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .api_errors import error_body
from .parsing import DocumentError, load_json
from .workflow import TransitionError

# The largest id a primary key can hold (BigAutoField); bigger numbers are refused, not sent to the database.
MAX_ID = 2**63 - 1


def _messages(exc):
    if hasattr(exc, "message_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, TransitionError):
        return Response(
            error_body("invalid_transition", " ".join(exc.messages)),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        fields = _messages(exc)
        message = " ".join(m for msgs in fields.values() for m in msgs)
        return Response(
            error_body(getattr(exc, "error_code", "invalid"), message, fields=fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response(
            error_body("permission_denied", " ".join(exc.args) or str(exc)),
            status=status.HTTP_403_FORBIDDEN,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = error_body(getattr(data["detail"], "code", code), str(data["detail"]))
    else:
        items = data.items() if isinstance(data, dict) else [("non_field_errors", data)]
        message = " ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in items)
        response.data = error_body("invalid", message, fields=data)
    return response


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser through splp.parsing: a body nested too deeply is a 400, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return load_json(stream.read().decode(encoding))
        except (ValueError, DocumentError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError(_("JSON parse error - %(err)s") % {"err": getattr(exc, "message", exc)}) from None


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A filter on an id: a whole number within what a key can hold, so a huge one is a 400, not an overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's SlugRelatedField, refusing a NUL before the lookup: PostgreSQL cannot compare one (500)."""

    default_error_messages = {"null_characters": gettext_lazy("Null characters are not allowed.")}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)
