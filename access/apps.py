from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Access")

    def ready(self):
        from directory.signals import api_version_ending

        from . import demo  # noqa: F401  (its seed_demo receiver)
        from .receivers import tell_grant_holders

        api_version_ending.connect(tell_grant_holders, dispatch_uid="access.tell_grant_holders")
