"""WSGI entry point: the bus (``/gateway/``) is served by its own lean application, the rest by Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "splp.settings")
django_application = get_wsgi_application()

from access.gateway import PREFIX, gateway  # noqa: E402  (needs Django set up first)

# Granian starts each request's environ from a copy of os.environ (as wsgiref does), so a process variable
# named like a header (HTTP_PROXY for an outbound proxy, say) would pass for one the client sent. Request
# values win over the copy: a key still holding the process' value came from the process.
PROCESS_HEADERS = {key: value for key, value in os.environ.items() if key.startswith("HTTP_")}


def application(environ, start_response):
    for key, value in PROCESS_HEADERS.items():
        if environ.get(key) == value:
            del environ[key]
    if environ.get("PATH_INFO", "").startswith(PREFIX):
        return gateway(environ, start_response)
    return django_application(environ, start_response)
