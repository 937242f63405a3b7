from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SplpConfig(AppConfig):
    name = "splp"
    verbose_name = _("SPLP")

    def ready(self):
        from . import login_security  # noqa: F401  (connects the login audit and token receivers)
