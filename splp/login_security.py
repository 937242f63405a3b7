"""Logins that hold, at the three doors (portal, admin, API token): django-axes' lockout answer for the pages,
the audit trail of logins, and API tokens ended by a password change.

Logins are recorded from Django's own auth signals, so every door (and any added later) is covered alike.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _, ngettext
from knox.models import get_token_model

from .audit import AuditAction, audit_record
from .clientip import client_ip


def request_client_ip(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the address behind the Pemda's proxy, not the proxy's."""
    return client_ip(request.META)


def cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = max(1, cooloff_seconds() // 60)
    return ngettext(
        "Too many failed logins to this account from your address. For your security, logging in is blocked "
        "for %(minutes)d minute. Try again later, or ask the Dinas administrator for help.",
        "Too many failed logins to this account from your address. For your security, logging in is blocked "
        "for %(minutes)d minutes. Try again later, or ask the Dinas administrator for help.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the portal's and the admin's answer to a locked-out login, each in its own look
    (the API token login answers its own 429 JSON)."""
    context = {"message": lockout_message()}
    if request.path.startswith(reverse("admin:index")):
        template = "admin/locked_out.html"
        context.update(admin.site.each_context(request), title=_("Login blocked"))
    else:
        template = "registration/locked_out.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(cooloff_seconds())
    return response


def _where(request):
    return {} if request is None else {"ip": request_client_ip(request), "path": request.path}


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, target=user, action=AuditAction.LOGIN, data=_where(request))


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    """Only the username is kept (Django has masked the password in ``credentials`` already). An unknown
    username is recorded too, against no existing account."""
    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    username = str(credentials.get(field) or "")
    user = user_model._default_manager.filter(**{field: username}).first() or user_model(**{field: username})
    # django-axes' receiver runs first (its app is listed before splp) and flags a locked-out attempt.
    locked_out = bool(getattr(request, "axes_locked_out", False))
    audit_record(actor=None, target=user, action=AuditAction.LOGIN_FAILED,
                 data={**_where(request), "locked_out": locked_out})


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, target=user, action=AuditAction.LOGOUT, data=_where(request))


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def end_api_tokens_on_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    """A new password ends every API token of the user, however it was set (admin, password form,
    set_password and save, changepassword). Also when Django re-hashes it at login after an upgrade."""
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        get_token_model().objects.filter(user_id=instance.pk).delete()
