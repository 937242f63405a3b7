from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SplpConfig(AppConfig):
    name = "splp"
    verbose_name = _("SPLP")
