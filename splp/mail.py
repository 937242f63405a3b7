"""The one way the SPLP sends e-mail: a template rendered in the Pemda's language, to a list of addresses.

``send`` renders ``template`` with the Pemda identity and the site's address (``pemda``, ``site``) added to
the context, under ``settings.LANGUAGE_CODE`` (the mail is read by people, not by the request that caused
it), prefixes the subject with "[SPLP <pemda name>]" and hands it to Django's mail backend.

Who receives it is the caller's: the audiences (administrators, an organisation's operators) are
``directory.audiences``.

``send_once`` sends a mail once per (kind, key), e.g. ("usage_summary", "2026-10"), however many runs or
workers try. Its one failure behaviour:

1. the claim, a MailClaim row unique on (kind, key), is taken in its own transaction; whoever finds the row
   taken sends nothing;
2. the mail is sent after that commit, never while a transaction holds the row (an unanswering mail
   server would hold the database's write lock for EMAIL_TIMEOUT);
3. if the send raises, the claim is released (deleted) and the error propagates: the next run sends it.
   A claim left unsent by a process killed between 1 and 3 is taken over once older than ``STALE_CLAIM``.
   So a mail may in rare cases go out twice, but is never lost.

Called inside an outer transaction (a test, a service), the claim commits with it; a mail that must
follow a change only once the change commits is queued with ``transaction.on_commit``.
A mail with nobody to send it to claims nothing: it goes out once someone has an address.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .context_processors import current_pemda, site_url
from .models import MailClaim

logger = logging.getLogger(__name__)

# Longer than any send can take (EMAIL_TIMEOUT per connection attempt).
STALE_CLAIM = datetime.timedelta(hours=1)


def render(template, context=None, *, subject, subject_args=None):
    """(subject, body) as sent. ``subject`` is a msgid (gettext_noop'd or lazy), translated here and then
    formatted with ``subject_args``."""
    with translation.override(settings.LANGUAGE_CODE):
        pemda = current_pemda()
        body = render_to_string(template, {**(context or {}), "pemda": pemda, "site": site_url(pemda)})
        text = translation.gettext(subject) if isinstance(subject, str) else str(subject)
        if subject_args:
            text %= subject_args
        return f"[SPLP {pemda.name}] {text}", body


def send(*, to, subject, template, context=None, subject_args=None):
    """Send one message to the addresses ``to`` (each sees the others); returns 1, or 0 without addresses."""
    if not to:
        return 0
    subject, body = render(template, context, subject=subject, subject_args=subject_args)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, list(to)).send()


def _claim(kind, key, recipients):
    now = timezone.now()
    try:
        with transaction.atomic():
            MailClaim.objects.create(kind=kind, key=key, claimed_at=now, recipients=recipients)
        return True
    except IntegrityError:
        return MailClaim.objects.filter(
            kind=kind, key=key, sent_at__isnull=True, claimed_at__lt=now - STALE_CLAIM
        ).update(claimed_at=now, recipients=recipients) == 1


def _once(kind, key, recipients, deliver):
    """Claim, run ``deliver``, mark sent; release the claim if ``deliver`` raises. True if this call sent."""
    if not recipients:
        logger.warning("mail %s %s: nobody to send it to", kind, key)
        return False
    if not _claim(kind, key, recipients):
        return False
    try:
        deliver()
    except Exception:
        MailClaim.objects.filter(kind=kind, key=key).delete()
        raise
    MailClaim.objects.filter(kind=kind, key=key).update(sent_at=timezone.now())
    return True


def send_once(kind, key, *, to, subject, template, context=None, subject_args=None):
    """``send`` once per (kind, key) (see the module's description). True if this call sent it."""
    return _once(kind, key, len(to), lambda: send(
        to=to, subject=subject, template=template, context=context, subject_args=subject_args,
    ))


def send_each_once(kind, key, messages, *, subject, template, subject_args=None):
    """One message per address, each with its own context (``messages``: address -> context), the lot
    claimed once as ``send_once`` does: if one send fails, the claim is released and the next run sends
    them all again. Returns the number of e-mails sent."""

    def deliver():
        for address, context in sorted(messages.items()):
            send(to=[address], subject=subject, template=template, context=context, subject_args=subject_args)

    return len(messages) if _once(kind, key, len(messages), deliver) else 0
