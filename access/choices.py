from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessRequestStatusChoices(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the administrator's decision")
    SECOND_APPROVAL = "second_approval", _("Approved once, waiting for a second administrator")
    CHANGES_REQUESTED = "changes_requested", _("Returned to the requester for changes")
    APPROVED = "approved", _("Approved, waiting for the publisher to grant access")
    REJECTED = "rejected", _("Rejected")
    DECLINED = "declined", _("Declined by the publisher")
    GRANTED = "granted", _("Access granted")
    REVOKED = "revoked", _("Access revoked")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn by the requester")


# Waiting for an administrator: the Dinas queue, the dashboard's and the Monev report's pending counts.
WAITING_FOR_ADMINISTRATOR = (AccessRequestStatusChoices.SUBMITTED, AccessRequestStatusChoices.SECOND_APPROVAL)
# Until the publisher grants, the requester may still change its mind (returned for changes included).
WITHDRAWABLE_STATES = (
    *WAITING_FOR_ADMINISTRATOR, AccessRequestStatusChoices.CHANGES_REQUESTED, AccessRequestStatusChoices.APPROVED,
)
# Under way or granted: an organisation holds at most one such request per API version.
OPEN_STATES = (*WITHDRAWABLE_STATES, AccessRequestStatusChoices.GRANTED)


class CredentialStateChoices(models.TextChoices):
    """The states a grant's or key's audit rows record (they have no status field: dates say it)."""

    ACTIVE = "active", _("Active")
    PENDING = "pending", _("Waiting to be shown once")
    REVEALED = "revealed", _("Shown once")
    REVOKED = "revoked", _("Revoked")
