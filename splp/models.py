from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction


class Pemda(models.Model):
    """The regional government running this SPLP: identity is data, never code."""

    name = models.CharField(_("regional government name"), max_length=200)
    dinas_name = models.CharField(_("name of the managing Dinas"), max_length=200)
    domain = models.CharField(_("SPLP domain"), max_length=200)
    logo_text = models.CharField(_("logo text"), max_length=40)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Pemda identity")
        verbose_name_plural = _("Pemda identity")

    def __str__(self):
        return self.name


class AuditEvent(models.Model):
    """Append-only record of every state change and decision."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, db_index=True)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=255)
    action = models.CharField(_("action"), max_length=64, choices=AuditAction.choices)
    old_state = models.CharField(_("old status"), max_length=32, blank=True)
    new_state = models.CharField(_("new status"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.object_repr}: {self.get_action_display()}"

    @property
    def transition_label(self):
        """"Old → New" in the words of the object's status choices (codes where it has none)."""
        if not (self.old_state or self.new_state):
            return ""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        try:
            labels = dict(model._meta.get_field("status").flatchoices)
        except (AttributeError, FieldDoesNotExist):
            labels = {}
        return f"{labels.get(self.old_state, self.old_state) or '-'} → {labels.get(self.new_state, self.new_state) or '-'}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit events cannot be deleted."))
