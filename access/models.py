from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.choices import ClassificationChoices
from directory.models import ApiOperation, ApiVersion, Organization
from splp.choices import AuditAction

from .choices import WITHDRAWABLE_STATES, AccessRequestStatusChoices, CredentialStateChoices

# The most calls a requester may ask for and a publisher may grant. Forms, serializers and services use
# these bounds: 10 million a day is far above any Pemda's traffic between two Perangkat Daerah, and 100,000
# a minute (~1,700 a second) is about half of what one bus node serves.
MAX_CALLS_PER_DAY = 10_000_000
MAX_CALLS_PER_MINUTE = 100_000
CALLS_PER_DAY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(MAX_CALLS_PER_DAY)]
CALLS_PER_MINUTE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(MAX_CALLS_PER_MINUTE)]
LETTER_REFERENCE_MAX_LENGTH = 200


class AccessRequest(models.Model):
    """A Pasal 7 application: requester -> administrator decision -> publisher grant."""

    requester = models.ForeignKey(
        Organization, verbose_name=_("requesting organisation"), on_delete=models.PROTECT,
        related_name="access_requests",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    api_version = models.ForeignKey(
        ApiVersion, verbose_name=_("API"), on_delete=models.PROTECT, related_name="access_requests"
    )
    all_operations = models.BooleanField(_("all operations"), default=True)
    operations = models.ManyToManyField(ApiOperation, verbose_name=_("requested operations"), blank=True)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    period_start = models.DateField(_("start"))
    period_end = models.DateField(_("end"))
    expected_daily_volume = models.PositiveIntegerField(
        _("expected volume per day"), validators=CALLS_PER_DAY_VALIDATORS
    )
    # The official letter (surat permohonan) an administrator recorded the request from, on the requesting
    # organisation's behalf; blank when the organisation applied in the portal itself.
    letter_reference = models.CharField(
        _("letter of application number"), max_length=LETTER_REFERENCE_MAX_LENGTH, blank=True,
        help_text=_("Number and date of the organisation's letter, e.g. 800/123/Dinkes, 2 December 2026."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AccessRequestStatusChoices.choices,
        default=AccessRequestStatusChoices.SUBMITTED, db_index=True,
    )
    # Set when the classification's policy asks for a second administrator (access.policy).
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("first approval by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    first_approved_at = models.DateTimeField(_("first approval at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    # The administrator's latest "request changes" note, which the requester works from; every earlier one is
    # in the audit trail.
    changes_note = models.TextField(_("changes asked for"), blank=True)
    decline_reason = models.TextField(_("reason the publisher declined"), blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        # Names, not codes: this is the title of the decision page and of the request's audit rows.
        return _("Request of %(org)s for %(api)s") % {
            "org": self.requester.name, "api": self.api_version.service.name,
        }

    @property
    def can_withdraw(self):
        return self.status in WITHDRAWABLE_STATES


class PendingAccessRequest(AccessRequest):
    """Admin queue: requests waiting for an administrator's decision (first or second approval)."""

    class Meta:
        proxy = True
        verbose_name = _("request waiting for a decision")
        verbose_name_plural = _("requests waiting for a decision")


# The longest grant period a policy may set: ten years.
MAX_POLICY_GRANT_DAYS = 3660


class ClassificationPolicy(models.Model):
    """The Dinas's rules for access to the APIs of one data classification (access.policy applies them)."""

    classification = models.CharField(
        _("classification"), max_length=20, choices=ClassificationChoices.choices, unique=True
    )
    max_grant_days = models.PositiveIntegerField(
        _("longest grant period (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POLICY_GRANT_DAYS)],
        help_text=_("A request may not ask for a longer period, and a grant is valid for at most this many days "
                    "from the day it is given."),
    )
    require_ip_allowlist = models.BooleanField(
        _("IP allow-list required"), default=False,
        help_text=_("A grant must name the addresses allowed to call, all inside the Pemda's intranet networks."),
    )
    require_second_approval = models.BooleanField(
        _("second approval required"), default=False,
        help_text=_("A request needs the approval of two different administrators."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("classification policy")
        verbose_name_plural = _("classification policies")
        ordering = ["id"]

    def __str__(self):
        return _("Policy for %(classification)s") % {"classification": self.get_classification_display()}


class Grant(models.Model):
    """The access the publisher gave; the bus enforces it."""

    AUDIT_STATES = (CredentialStateChoices,)  # read by directory.audit_trail

    access_request = models.OneToOneField(
        AccessRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="grant"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="grants"
    )
    api_version = models.ForeignKey(
        ApiVersion, verbose_name=_("API version"), on_delete=models.PROTECT, related_name="grants"
    )
    all_operations = models.BooleanField(_("all operations"), default=True)
    operations = models.ManyToManyField(ApiOperation, verbose_name=_("allowed operations"), blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("limit per minute"), default=60, validators=CALLS_PER_MINUTE_VALIDATORS
    )
    rate_limit_per_day = models.PositiveIntegerField(
        _("limit per day"), default=10000, validators=CALLS_PER_DAY_VALIDATORS
    )
    ip_allowlist = models.TextField(
        _("IP allow-list"), blank=True, help_text=_("One address/CIDR per line; empty = any.")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-granted_at"]

    def __str__(self):
        return _("Access of %(org)s to %(api)s") % {"org": self.organization.name, "api": self.api_version}

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class ApiKey(models.Model):
    """Stored as SHA-256 of the secret with a public prefix for lookup; the secret is shown once."""

    # A closed key's row records the action ("revoke", "expire") as its new state: its label says it.
    AUDIT_STATES = (CredentialStateChoices, AuditAction)

    grant = models.ForeignKey(Grant, verbose_name=_("grant"), on_delete=models.PROTECT, related_name="keys")
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(_("hash"), max_length=64)
    # Encrypted secret kept only until the requester reveals it once; then emptied.
    pending_secret = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revealed_at = models.DateTimeField(_("revealed"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}…"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()
