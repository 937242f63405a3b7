"""The register of personal data incidents (UU 27/2022 on personal data protection, Pasal 46).

Pasal 46(1): when personal data protection fails, the controller notifies in writing, at the latest 3 x 24
hours after the failure, (a) the data subjects and (b) the authority (lembaga). Pasal 46(2): the notice states
at least the personal data exposed, when and how it was exposed, and the handling and recovery steps. The
incident record holds those three, so the notice can be written from it.

The clock runs from the moment the Dinas found the incident. Only Dinas administrators record an incident and
move it on: open -> notified (the notice went out; when and to whom) -> closed. The reminders are in
monitoring.reminders (``reminder_incident_send``).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.workflow import lock, require, require_state

from .models import IncidentStatusChoices as IS, PersonalDataIncident

# UU 27/2022 Pasal 46(1): "paling lambat 3 x 24 (tiga kali dua puluh empat) jam".
NOTIFICATION_WITHIN = datetime.timedelta(hours=72)
# Administrators are reminded once per this span since the incident was found, until the notice is recorded.
REMINDER_EVERY = datetime.timedelta(hours=6)


def notification_deadline(incident: PersonalDataIncident) -> datetime.datetime:
    return incident.found_at + NOTIFICATION_WITHIN


def notified_on_time(incident: PersonalDataIncident) -> bool | None:
    """True or False once notified; None while the notice is still due."""
    if incident.notified_at is None:
        return None
    return incident.notified_at <= notification_deadline(incident)


def _whole_hours(delta: datetime.timedelta) -> int:
    # Rounded up: "1 hour left" until the very last minute, "1 hour late" from the first minute over.
    return max(1, -(-int(delta.total_seconds()) // 3600))


@dataclass(frozen=True)
class IncidentClock:
    """Where an incident stands against its deadline, for the register, the reminders and the report."""

    state: str  # "running", "overdue", "on_time", "late"
    hours: int  # hours left (running) or over (overdue, late); 0 when notified on time

    @property
    def urgent(self) -> bool:
        return self.state in ("overdue", "late")

    @property
    def text(self) -> str:
        # Translated when read, so a mail rendered in the installation's language says it in that language.
        values = {"hours": self.hours}
        if self.state == "on_time":
            return _("notified on time")
        if self.state == "late":
            return ngettext("notified %(hours)d hour late", "notified %(hours)d hours late", self.hours) % values
        if self.state == "running":
            return ngettext("%(hours)d hour left", "%(hours)d hours left", self.hours) % values
        return ngettext("%(hours)d hour overdue", "%(hours)d hours overdue", self.hours) % values


def incident_clock(incident: PersonalDataIncident, now: datetime.datetime | None = None) -> IncidentClock:
    deadline = notification_deadline(incident)
    if incident.notified_at is not None:
        if incident.notified_at <= deadline:
            return IncidentClock("on_time", 0)
        return IncidentClock("late", _whole_hours(incident.notified_at - deadline))
    now = now or timezone.now()
    if now <= deadline:
        return IncidentClock("running", _whole_hours(deadline - now))
    return IncidentClock("overdue", _whole_hours(now - deadline))


# -- Services ---------------------------------------------------------------------------------------


def _require_admin(actor):
    require(is_administrator(actor), _("Only a Dinas administrator can manage the personal data incident register."))


def _clean_text(value):
    return (value or "").strip()


def _check_details(summary, data_affected):
    errors = {}
    if not _clean_text(summary):
        errors["summary"] = _("Describe the incident in a sentence.")
    if not _clean_text(data_affected):
        errors["data_affected"] = _("Name the personal data affected (for example NIK, name, address).")
    if errors:
        raise ValidationError(errors)


def check_found_at(found_at):
    """The moment the incident was found: known, and not in the future (the deadline counts from it)."""
    if not isinstance(found_at, datetime.datetime):
        raise ValidationError({"found_at": _("Enter when the incident was found.")})
    if found_at > timezone.now():
        raise ValidationError({"found_at": _("The moment the incident was found cannot be in the future.")})


@transaction.atomic
def incident_record(
    *, actor, found_at: datetime.datetime, summary: str, data_affected: str, services=(), organizations=(),
    cause: str = "", steps_taken: str = "",
) -> PersonalDataIncident:
    """Record an incident the Dinas found; the 3 x 24 hour clock runs from ``found_at``."""
    _require_admin(actor)
    check_found_at(found_at)
    _check_details(summary, data_affected)
    incident = PersonalDataIncident.objects.create(
        found_at=found_at, summary=_clean_text(summary)[:300], data_affected=_clean_text(data_affected),
        cause=_clean_text(cause), steps_taken=_clean_text(steps_taken), recorded_by=actor,
    )
    incident.services.set(services or [])
    incident.organizations.set(organizations or [])
    audit_record(actor=actor, target=incident, action=AuditAction.RECORD, new_state=IS.OPEN, data={
        "found_at": found_at.isoformat(), "deadline": notification_deadline(incident).isoformat(),
        "services": sorted(s.pk for s in services or []), "organizations": sorted(o.pk for o in organizations or []),
    })
    return incident


@transaction.atomic
def incident_update(
    *, actor, incident: PersonalDataIncident, summary: str, data_affected: str, services=(), organizations=(),
    cause: str = "", steps_taken: str = "",
) -> PersonalDataIncident:
    """Complete or correct what is known (the handling goes on after the notice); ``found_at``, which the
    deadline counts from, is not changed. The audit row keeps what it was."""
    _require_admin(actor)
    incident = lock(PersonalDataIncident, incident.pk)
    require_state(incident, (IS.OPEN, IS.NOTIFIED), _("change the incident"))
    _check_details(summary, data_affected)
    before = {"summary": incident.summary, "data_affected": incident.data_affected, "cause": incident.cause,
              "steps_taken": incident.steps_taken}
    incident.summary, incident.data_affected = _clean_text(summary)[:300], _clean_text(data_affected)
    incident.cause, incident.steps_taken = _clean_text(cause), _clean_text(steps_taken)
    incident.save(update_fields=["summary", "data_affected", "cause", "steps_taken"])
    incident.services.set(services or [])
    incident.organizations.set(organizations or [])
    audit_record(actor=actor, target=incident, action=AuditAction.UPDATE, old_state=incident.status,
                 new_state=incident.status, data={"before": before})
    return incident


@transaction.atomic
def incident_mark_notified(*, actor, incident: PersonalDataIncident, note: str) -> PersonalDataIncident:
    """The written notice went out (Pasal 46(1)): ``note`` says to whom (the data subjects, the authority),
    how and with what. Stops the reminders; late or not is decided against the deadline."""
    _require_admin(actor)
    note = _clean_text(note)
    if not note:
        raise ValidationError({"note": _(
            "Say how the data subjects and the authority were notified (letter number, date, channel).")})
    incident = lock(PersonalDataIncident, incident.pk)
    require_state(incident, (IS.OPEN,), _("record the notification"))
    incident.status, incident.notified_at, incident.notification_note = IS.NOTIFIED, timezone.now(), note
    incident.save(update_fields=["status", "notified_at", "notification_note"])
    audit_record(actor=actor, target=incident, action=AuditAction.NOTIFY, old_state=IS.OPEN, new_state=IS.NOTIFIED,
                 reason=note, data={"on_time": notified_on_time(incident)})
    return incident


@transaction.atomic
def incident_close(*, actor, incident: PersonalDataIncident, note: str = "") -> PersonalDataIncident:
    """Handling and recovery are done. Only after the notice: an incident is never closed unannounced."""
    _require_admin(actor)
    incident = lock(PersonalDataIncident, incident.pk)
    require_state(incident, (IS.NOTIFIED,), _("close the incident"))
    incident.status, incident.closed_at, incident.closing_note = IS.CLOSED, timezone.now(), _clean_text(note)
    incident.save(update_fields=["status", "closed_at", "closing_note"])
    audit_record(actor=actor, target=incident, action=AuditAction.CLOSE, old_state=IS.NOTIFIED, new_state=IS.CLOSED,
                 reason=incident.closing_note)
    return incident
