"""WSGI entry point: the bus (``/gateway/``) is served by its own lean application, the rest by Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "splp.settings")
django_application = get_wsgi_application()

from access.gateway import PREFIX, gateway  # noqa: E402  (needs Django set up first)


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(PREFIX):
        return gateway(environ, start_response)
    return django_application(environ, start_response)
