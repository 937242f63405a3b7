from django.db import models
from django.utils.translation import gettext_lazy as _


class HeadOfRegionTitleChoices(models.TextChoices):
    """Who heads the Pemda: a city has a Wali Kota, a regency a Bupati."""

    WALI_KOTA = "wali_kota", _("Mayor")
    BUPATI = "bupati", _("Regent")
