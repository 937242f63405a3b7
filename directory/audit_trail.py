"""The audit trail as a person reads it, in one place for every admin page that shows it:
"Disetujui oleh Administrator SPLP (Dinas Komunikasi dan Informatika), 29/11/2026 14:05 WITA", and the state
change in the words of the object's choices ("Diajukan → Diterbitkan"), never the stored codes.

It lives in directory because the actor's organisation comes from the memberships."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from splp.models import AuditEvent
from splp.timezones import format_local

from .models import Membership

TIME_FORMAT = "d/m/Y H:i"


def with_actor_organisations(events):
    """The queryset with what ``audit_sentence`` reads: the actor and the actor's memberships (two queries
    however many rows)."""
    memberships = Membership.objects.select_related("organization").order_by("-organization__is_administrator", "pk")
    return events.select_related("actor", "content_type").prefetch_related(
        Prefetch("actor__memberships", queryset=memberships)
    )


def _actor_text(actor):
    if actor is None:
        return _("the system")
    name = actor.get_full_name() or actor.get_username()
    # Prefetched by with_actor_organisations; one organisation is enough to say who acted.
    membership = next(iter(actor.memberships.all()), None)
    if membership is None:
        return name
    return _("%(name)s (%(organisation)s)") % {"name": name, "organisation": membership.organization.name}


def audit_sentence(event: AuditEvent) -> str:
    """"<What happened> oleh <who> (<organisation>), <when>"."""
    return _("%(action)s by %(actor)s, %(time)s") % {
        "action": event.get_action_display(), "actor": _actor_text(event.actor),
        "time": format_local(event.created_at, TIME_FORMAT),
    }


def _state_labels(model):
    """The labels of every state code the model's audit rows may hold: its fields' choices, and the
    ``AUDIT_STATES`` choices of states kept outside a choice field (a key's "revealed", a bus suspension)."""
    labels = {}
    for field in model._meta.concrete_fields:
        if field.choices:
            labels.update({str(value): label for value, label in field.flatchoices})
    for choices in getattr(model, "AUDIT_STATES", ()):
        labels.update({value: label for value, label in choices.choices})
    return labels


def audit_state_change(event: AuditEvent) -> str:
    """"Old → New" in words; just "New" for a first state; empty when the state did not change."""
    if event.old_state == event.new_state:
        return ""
    model = event.content_type.model_class()
    labels = _state_labels(model) if model is not None else {}
    old, new = (str(labels.get(code, code)) for code in (event.old_state, event.new_state))
    return f"{old} → {new}" if event.old_state else new
