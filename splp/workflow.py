"""Shared pieces of every state machine: row locking, refused transitions, and role refusals."""

from collections.abc import Container
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

M = TypeVar("M", bound=Model)


class TransitionError(ValidationError):
    """An action the current state does not allow (the API answers 409)."""


class RuleRefused(ValidationError):
    """A rule the Dinas set refuses the action (e.g. a classification policy); ``error_code`` names the rule
    (the API answers 400 with it as the error code). ``message`` may be a dict of field -> message."""

    def __init__(self, message, *, error_code):
        super().__init__(message)
        self.error_code = error_code


def lock(model: type[M], pk: object) -> M:
    return model.objects.select_for_update().get(pk=pk)


def require_state(obj: Model, allowed: Container[str], action: str) -> None:
    if obj.status not in allowed:
        raise TransitionError(
            _("Cannot %(action)s: the current status is \"%(status)s\".")
            % {"action": action, "status": obj.get_status_display()}
        )


def require(condition: object, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _required_text(value, field, message):
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def require_reason(reason: str | None) -> str:
    return _required_text(reason, "reason", _("A reason is required."))


def require_note(note: str | None) -> str:
    """The note sending something back for changes (an API version, an access request): what to change."""
    return _required_text(note, "note", _("A note describing the changes needed is required."))
