"""The admin app with the SPLP's own site (monitoring.admin_site): INSTALLED_APPS names this instead of
django.contrib.admin. Kept apart from the site, which imports models once the apps are loaded."""

from django.contrib.admin.apps import AdminConfig


class SplpAdminConfig(AdminConfig):
    default_site = "monitoring.admin_site.SplpAdminSite"
