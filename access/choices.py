from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessRequestStatusChoices(models.TextChoices):
    SUBMITTED = "submitted", _("Menunggu keputusan administrator")
    APPROVED = "approved", _("Disetujui, menunggu pemberian akses")
    REJECTED = "rejected", _("Ditolak")
    GRANTED = "granted", _("Akses diberikan")
    REVOKED = "revoked", _("Akses dicabut")
    EXPIRED = "expired", _("Kedaluwarsa")
    WITHDRAWN = "withdrawn", _("Ditarik pemohon")
