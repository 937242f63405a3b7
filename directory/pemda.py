"""State changes of the Pemda identity (splp's record): only the Dinas' administrators, whom the directory's
memberships name, may make them."""

from django.db import transaction
from django.utils.translation import gettext as _

from splp.audit import AuditAction, audit_record
from splp.models import Pemda
from splp.workflow import lock, require

from .selectors import is_administrator

# What an administrator may set on the identity: every field but the key.
PEMDA_FIELDS = tuple(f.name for f in Pemda._meta.concrete_fields if not f.primary_key)


def _snapshot(pemda: Pemda) -> dict:
    # A file by its name: what an audit row can say about an image.
    values = {name: getattr(pemda, name) for name in PEMDA_FIELDS}
    values["logo"] = values["logo"].name or ""
    return values


def _require_administrator(actor) -> None:
    require(is_administrator(actor), _("Only a Dinas administrator can change the Pemda identity."))


def _set_and_clean(pemda: Pemda, fields: dict) -> bool:
    """Set and validate the fields; True if a new logo file waits to be stored."""
    unknown = set(fields) - set(PEMDA_FIELDS)
    if unknown:
        raise TypeError(f"not Pemda fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(pemda, name, value)
    # Refused input (a wrong NIP, a logo too big or not PNG/JPEG) stops here: no row saved, no file written.
    pemda.full_clean()
    return bool(pemda.logo) and not pemda.logo._committed


@transaction.atomic
def pemda_create(*, actor, **fields) -> Pemda:
    """An administrator records the identity of a Pemda (one whose installation started without a preset)."""
    _require_administrator(actor)
    pemda = Pemda()
    _set_and_clean(pemda, fields)
    pemda.save()
    new = _snapshot(pemda)
    audit_record(actor=actor, target=pemda, action=AuditAction.PEMDA_CREATE,
                 data={"new": {name: value for name, value in new.items() if value not in ("", None)}})
    return pemda


@transaction.atomic
def pemda_update(*, actor, pemda: Pemda, **fields) -> Pemda:
    """An administrator changes the identity printed on the portal and on official documents (Monev report)."""
    _require_administrator(actor)
    pemda = lock(Pemda, pemda.pk)
    old = _snapshot(pemda)
    new_logo = _set_and_clean(pemda, fields)
    if _snapshot(pemda) == old and not new_logo:
        return pemda
    pemda.save()
    new = _snapshot(pemda)
    # The replaced logo file stays: documents issued earlier and this audit row name it.
    changed = [name for name in PEMDA_FIELDS if new[name] != old[name] or (name == "logo" and new_logo)]
    audit_record(actor=actor, target=pemda, action=AuditAction.PEMDA_UPDATE, data={
        "old": {name: old[name] for name in changed}, "new": {name: new[name] for name in changed},
    })
    return pemda
