import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

# The embedded default's broker URL, splp+sqlite:///<file>, names the transport in splp/broker.py: the URL
# alone picks it, so a Redis URL put in its place (production, tests) is not read by it.
TRANSPORT_ALIASES["splp"] = "splp.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "splp.settings")

app = Celery("splp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# directory.notifications holds the notification task beside the events it sends (no tasks <-> notifications cycle).
app.autodiscover_tasks(related_name="notifications")
