"""E-mail to the people who must act next, sent by Celery after the change commits."""

from django.db import transaction
from django.utils.translation import gettext_noop as N_

# event -> (who receives it, subject); subjects are translated when the mail is rendered.
EVENTS = {
    "api_submitted": ("administrators", N_("API registration waiting for review")),
    "api_changes_requested": ("publishers", N_("API registration needs changes")),
    "api_published": ("publishers", N_("API registration published")),
    "access_submit": ("administrators", N_("Access request waiting for a decision")),
    "access_withdraw": ("administrators", N_("Access request withdrawn by the requester")),
    "access_second_approval": ("administrators", N_("Access request waiting for a second approval")),
    "access_approve": ("publishers_and_requesters", N_("Access request approved")),
    "access_reject": ("publishers_and_requesters", N_("Access request rejected")),
    "access_grant": ("requesters", N_("API access granted")),
    "access_decline": ("requesters", N_("Access request declined by the publisher")),
    "access_revoke": ("requesters", N_("API access revoked")),
    "access_expire": ("publishers_and_requesters", N_("API access expired")),
    "access_expire_approved": ("publishers_and_requesters", N_("Approved access request expired without a grant")),
}


def notify(event, obj):
    """Queue the e-mail for ``event`` about ``obj`` (an ApiVersion or AccessRequest) once the transaction commits."""
    from .tasks import send_notification_task

    if event not in EVENTS:
        raise KeyError(event)
    label = obj._meta.label_lower
    transaction.on_commit(lambda: send_notification_task.delay(event, label, obj.pk))
