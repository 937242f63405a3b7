"""Shared pieces of every state machine: row locking, refused transitions, and role refusals."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


class TransitionError(ValidationError):
    """An action the current state does not allow (the API answers 409)."""


def lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def require_state(obj, allowed, action):
    if obj.status not in allowed:
        raise TransitionError(
            _("Cannot %(action)s: the current status is \"%(status)s\".")
            % {"action": action, "status": obj.get_status_display()}
        )


def require(condition, message):
    if not condition:
        raise PermissionDenied(message)


def require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required.")})
    return reason
