"""Shared REST pieces: every error is JSON with a code, and domain refusals map to HTTP statuses."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
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
