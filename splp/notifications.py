"""E-mail to the people who must act next, sent by Celery after the change commits."""

from django.db import transaction
from django.utils.translation import gettext_noop as N_

# event -> (who receives it, subject); subjects are translated when the mail is rendered.
EVENTS = {
    "api_submitted": ("administrators", N_("Registrasi API menunggu pendampingan")),
    "api_changes_requested": ("publishers", N_("Registrasi API perlu perbaikan")),
    "api_published": ("publishers", N_("Registrasi API diterbitkan")),
    "access_submit": ("administrators", N_("Permohonan akses menunggu keputusan")),
    "access_withdraw": ("administrators", N_("Permohonan akses ditarik pemohon")),
    "access_approve": ("publishers_and_requesters", N_("Permohonan akses disetujui")),
    "access_reject": ("publishers_and_requesters", N_("Permohonan akses ditolak")),
    "access_grant": ("requesters", N_("Akses API diberikan")),
    "access_revoke": ("requesters", N_("Akses API dicabut")),
    "access_expire": ("publishers_and_requesters", N_("Akses API kedaluwarsa")),
}


def notify(event, obj):
    """Queue the e-mail for ``event`` about ``obj`` (an ApiVersion or AccessRequest) once the transaction commits."""
    from .tasks import send_notification_task

    if event not in EVENTS:
        raise KeyError(event)
    label = obj._meta.label_lower
    transaction.on_commit(lambda: send_notification_task.delay(event, label, obj.pk))
