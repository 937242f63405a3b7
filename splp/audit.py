from collections.abc import Collection, Iterable, Mapping
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from .choices import AuditAction
from .models import AuditEvent

M = TypeVar("M", bound=Model)


def audit_record(
    *, actor: User | AnonymousUser | None, target: Model, action: AuditAction, old_state: str = "", new_state: str = "",
    reason: str = "", data: dict | None = None,
) -> AuditEvent:
    """Write one audit row; callers run inside the transaction of the change they record.

    An unsaved ``target`` stands for an object that does not exist (a login to an unknown username).
    ``action`` must be an ``AuditAction``: reports count rows by it, so a misspelt free string would
    silently count as nothing."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit_record() needs an AuditAction, not {action!r}.")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        content_type=ContentType.objects.get_for_model(target),
        object_id="" if target.pk is None else str(target.pk),
        object_repr=str(target)[:255],
        action=action,
        old_state=old_state or "",
        new_state=new_state or "",
        reason=reason or "",
        data=data or {},
    )


def settings_row_update(
    obj: M, *, actor: User, action: AuditAction, names: Collection[str], values: Mapping[str, object],
    exclude: Iterable[str] = (),
) -> M:
    """Change the Dinas-edited settings row ``obj`` (already locked): only the fields ``names``, validated;
    when something changed it is saved with ``updated_by`` and one audit row holds the old and new values of
    what changed. Nothing changed: nothing saved, no audit row."""
    unknown = set(values) - set(names)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    old = {name: getattr(obj, name) for name in names}
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean(exclude=[*exclude, "updated_by"])
    new = {name: getattr(obj, name) for name in names}
    if new == old:
        return obj
    obj.updated_by = actor
    obj.save()
    audit_record(actor=actor, target=obj, action=action, data={
        "old": {k: v for k, v in old.items() if new[k] != v}, "new": {k: v for k, v in new.items() if old[k] != v},
    })
    return obj


def audit_events_for(target: Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).select_related("actor")
