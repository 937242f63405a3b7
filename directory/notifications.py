"""E-mail to the people who must act next on an API registration or an access request, sent by Celery after
the change commits."""

from celery import shared_task
from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_noop as N_

from splp import mail

from . import audiences

# event -> (who receives it, subject); subjects are translated when the mail is rendered.
EVENTS = {
    "api_submitted": ("administrators", N_("API registration waiting for review")),
    "api_changes_requested": ("publishers", N_("API registration needs changes")),
    "api_published": ("publishers", N_("API registration published")),
    "api_rejected": ("publishers", N_("API registration rejected")),
    "access_submit": ("administrators", N_("Access request waiting for a decision")),
    # An administrator recorded the request from the organisation's letter: its requester operators hear of it.
    "access_submit_on_behalf": ("requesters", N_("An access request was recorded for your organisation")),
    "access_withdraw": ("administrators", N_("Access request withdrawn by the requester")),
    "access_changes_requested": ("requesters", N_("Access request returned for changes")),
    "access_resubmit": ("administrators", N_("Changed access request waiting for a decision")),
    "access_second_approval": ("administrators", N_("Access request waiting for a second approval")),
    "access_approve": ("publishers_and_requesters", N_("Access request approved")),
    "access_reject": ("publishers_and_requesters", N_("Access request rejected")),
    "access_grant": ("requesters", N_("API access granted")),
    "access_decline": ("requesters", N_("Access request declined by the publisher")),
    "access_revoke": ("requesters", N_("API access revoked")),
    "access_expire": ("publishers_and_requesters", N_("API access expired")),
    "access_expire_approved": ("publishers_and_requesters", N_("Approved access request expired without a grant")),
    # A version's end: the publisher hears how many grants it touches, each holder about its own grant.
    "api_deprecated": ("publishers", N_("API version deprecated")),
    "api_retired": ("publishers", N_("API version retired")),
    "grant_version_deprecated": ("requesters", N_("The API version you use is deprecated")),
    "grant_version_retired": ("requesters", N_("The API version you use is retired")),
    "grant_move": ("requesters", N_("Your API access moved to a newer version")),
}


def notify(event: str, obj: Model, context: dict | None = None) -> None:
    """Queue the e-mail for ``event`` about ``obj`` (an ApiVersion or AccessRequest) once the transaction commits.

    ``context`` (JSON-serialisable) carries what the mail must say as it was at the change, not as it is
    when the mail is rendered: for example the version a grant was moved from."""
    if event not in EVENTS:
        raise KeyError(event)
    label = obj._meta.label_lower
    transaction.on_commit(lambda: send_notification_task.delay(event, label, obj.pk, context or {}))


def recipients(audience: str, obj: Model) -> list[str]:
    service = obj.service if hasattr(obj, "service") else obj.api_version.service
    if audience == "administrators":
        return audiences.emails(audiences.administrators())
    publishers = audiences.publishers(service.owner_id)
    if audience == "publishers":
        return audiences.emails(publishers)
    requesters = audiences.requesters(obj.requester_id)
    if audience == "requesters":
        return audiences.emails(requesters)
    return audiences.emails(publishers | requesters)


# Named as when it lived in splp.tasks: messages queued before an upgrade still find it.
@shared_task(name="splp.tasks.send_notification_task")
def send_notification_task(event: str, model_label: str, pk: int, context: dict | None = None) -> int:
    obj = apps.get_model(model_label).objects.filter(pk=pk).first()
    if obj is None:
        return 0
    audience, subject = EVENTS[event]
    return mail.send(to=recipients(audience, obj), subject=subject, template="emails/notification.txt",
                     context={**(context or {}), "event": event, "obj": obj})
