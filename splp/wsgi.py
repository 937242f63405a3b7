"""WSGI entry point: the bus (``/gateway/``) is served by its own lean application, the rest by Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "splp.settings")
django_application = get_wsgi_application()

# The composition root: the only place the bus meets the log buffer of the monitoring app above it.
from access.gateway import PREFIX, Gateway  # noqa: E402  (needs Django set up first)
from monitoring.logbuffer import build_buffer  # noqa: E402

gateway = Gateway(buffer_factory=build_buffer)

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
