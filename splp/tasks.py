from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from directory.choices import MembershipRoleChoices as R

from .context_processors import current_pemda, site_url
from .notifications import EVENTS


def _emails(q):
    return sorted(set(get_user_model().objects.filter(q, is_active=True).exclude(email="").values_list("email", flat=True)))


def recipients(audience, obj):
    service = obj.service if hasattr(obj, "service") else obj.api_version.service
    admins = Q(is_superuser=True) | Q(
        memberships__role=R.ADMINISTRATOR, memberships__organization__is_administrator=True
    )
    publishers = Q(memberships__role=R.PUBLISHER, memberships__organization=service.owner_id)
    if audience == "administrators":
        return _emails(admins)
    if audience == "publishers":
        return _emails(publishers)
    requesters = Q(memberships__role=R.REQUESTER, memberships__organization=obj.requester_id)
    if audience == "requesters":
        return _emails(requesters)
    return _emails(publishers | requesters)


@shared_task
def send_notification_task(event, model_label, pk, context=None):
    obj = apps.get_model(model_label).objects.filter(pk=pk).first()
    if obj is None:
        return 0
    audience, subject = EVENTS[event]
    to = recipients(audience, obj)
    if not to:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        pemda = current_pemda()
        body = render_to_string(
            "emails/notification.txt",
            {**(context or {}), "event": event, "obj": obj, "pemda": pemda, "site": site_url(pemda)},
        )
        return send_mail(f"[SPLP {pemda.name}] {_(subject)}", body, settings.DEFAULT_FROM_EMAIL, to)
