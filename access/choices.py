from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessRequestStatusChoices(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the administrator's decision")
    APPROVED = "approved", _("Approved, waiting for the publisher to grant access")
    REJECTED = "rejected", _("Rejected")
    DECLINED = "declined", _("Declined by the publisher")
    GRANTED = "granted", _("Access granted")
    REVOKED = "revoked", _("Access revoked")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn by the requester")
