from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Concat, Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import interop
from .choices import (
    CLASSIFICATION_HELP,
    ApiVersionStatusChoices,
    BusStateChoices,
    ClassificationChoices,
    MembershipRoleChoices,
    OrganizationKindChoices,
    SpecFormatChoices,
    UpdateFrequencyChoices,
    UpstreamAuthTypeChoices,
)

LIVE_STATUSES = (ApiVersionStatusChoices.PUBLISHED, ApiVersionStatusChoices.DEPRECATED)


# Bounds of an upstream's timeouts (seconds), used by the model, the portal form and the service.
MIN_TIMEOUT, MAX_CONNECT_TIMEOUT, MAX_READ_TIMEOUT = 0.1, 30, 300


class Organization(models.Model):
    """A Perangkat Daerah (or the Dinas itself)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Short code, used in URLs."))
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKindChoices.choices)
    is_administrator = models.BooleanField(
        _("SPLP administrator"), default=False, help_text=_("The Dinas that runs the SPLP (administrator).")
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRoleChoices.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="uniq_membership")]

    def __str__(self):
        return f"{self.user} - {self.organization} ({self.get_role_display()})"


class Theme(models.Model):
    """A theme of the service directory (Pasal 7e)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:theme", args=[self.slug])


class ApiService(models.Model):
    """An API registration in the metadata repository (Pasal 5b); its versions carry spec and lifecycle."""

    # The suspension's audit rows, and the registration's, which records its first version's state
    # (directory.audit_trail).
    AUDIT_STATES = (BusStateChoices, ApiVersionStatusChoices)

    owner = models.ForeignKey(
        Organization, verbose_name=_("owner (publisher)"), on_delete=models.PROTECT, related_name="api_services"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"))
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="api_services")
    classification = models.CharField(
        _("data classification"), max_length=20, choices=ClassificationChoices.choices, help_text=CLASSIFICATION_HELP
    )
    has_personal_data = models.BooleanField(_("contains personal data"), default=False)
    legal_basis = models.TextField(_("legal basis"))
    update_frequency = models.CharField(
        _("update frequency"), max_length=20, choices=UpdateFrequencyChoices.choices
    )
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    sla = models.CharField(
        _("expected SLA"), max_length=200, help_text=_("For example: 99.5% per month, response < 1 second.")
    )
    data_producer = models.CharField(_("data producer"), max_length=200)
    data_steward = models.CharField(_("data steward"), max_length=200)
    health_check_path = models.CharField(
        _("health check path"), max_length=200, blank=True,
        help_text=_("Path probed daily on the upstream, e.g. /health; empty: the upstream base URL."),
    )
    is_suspended = models.BooleanField(
        _("suspended"), default=False, help_text=_("A suspended API answers 503 on the bus.")
    )
    # What the directory search reads: name and description upper-cased once, on write, so a search compares
    # plain text (a third of the cost of UPPER() on every row) and one trigram index serves it.
    search_text = models.GeneratedField(
        expression=Upper(Concat("name", models.Value("\n"), "description", output_field=models.TextField())),
        output_field=models.TextField(),
        db_persist=True,
    )
    # Kept by the publishing services (directory.services): a directory listing at 100,000 APIs counts a
    # partial index instead of probing every service's versions.
    is_listed = models.BooleanField(
        _("listed in the directory"), default=False, editable=False,
        help_text=_("Has a published or deprecated version."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("API registration")
        verbose_name_plural = _("API registrations")
        ordering = ["name", "id"]  # id: a stable order for pages; both served by the indexes below
        indexes = [
            models.Index(fields=["name", "id"], name="directory_service_name_id"),
            # Classification and owner ride along so a page's ids under the visibility rule (issue 9) come
            # from an index-only scan at any depth.
            models.Index(
                fields=["name", "id"], condition=models.Q(is_listed=True), include=["classification", "owner"],
                name="directory_service_listed",
            ),
            models.Index(
                fields=["theme", "name", "id"], condition=models.Q(is_listed=True),
                name="directory_service_listed_theme",
            ),
            # Who sees what goes by classification: an anonymous visitor's count and a member's rahasia APIs.
            models.Index(
                fields=["classification", "theme"], condition=models.Q(is_listed=True),
                name="directory_service_listed_class",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:service", args=[self.slug])

    @property
    def live_version(self):
        """The newest published (or deprecated) version, using prefetched versions when present."""
        live = [v for v in self.versions.all() if v.status in LIVE_STATUSES]
        return max(live, key=lambda v: v.id) if live else None


class ApiVersion(models.Model):
    service = models.ForeignKey(ApiService, verbose_name=_("API"), on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=40)
    upstream_base_url = models.URLField(_("upstream base URL"), max_length=500)
    spec = models.JSONField(_("OpenAPI document"))
    spec_format = models.CharField(_("document format"), max_length=10, choices=SpecFormatChoices.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ApiVersionStatusChoices.choices, default=ApiVersionStatusChoices.DRAFT
    )
    interop_report = models.JSONField(_("interoperability check results"), default=list)
    connect_timeout = models.FloatField(
        _("connect timeout (s)"), default=3.0,
        validators=[MinValueValidator(MIN_TIMEOUT), MaxValueValidator(MAX_CONNECT_TIMEOUT)],
    )
    read_timeout = models.FloatField(
        _("read timeout (s)"), default=30.0,
        validators=[MinValueValidator(MIN_TIMEOUT), MaxValueValidator(MAX_READ_TIMEOUT)],
    )
    upstream_auth_type = models.CharField(
        _("upstream credential type"), max_length=10, choices=UpstreamAuthTypeChoices.choices,
        default=UpstreamAuthTypeChoices.NONE,
    )
    upstream_auth_header = models.CharField(
        _("upstream credential header"), max_length=100, blank=True,
        help_text=_("Header the bus adds when calling the upstream, e.g. Authorization or X-Api-Key."),
    )
    # Encrypted (splp.crypto); never shown to requesters, never logged.
    upstream_auth_secret = models.TextField(_("upstream credential"), blank=True, editable=False)
    # OAuth2 client credentials (RFC 6749 4.4), for upstreams behind a gateway of their own (the national
    # SPLP, another Pemda's SPLP). The token goes in upstream_auth_header (empty: Authorization: Bearer).
    upstream_token_url = models.URLField(_("token URL"), max_length=500, blank=True)
    upstream_client_id = models.CharField(_("client ID"), max_length=200, blank=True)
    # Encrypted like upstream_auth_secret.
    upstream_client_secret = models.TextField(_("client secret"), blank=True, editable=False)
    upstream_token_scope = models.CharField(_("token scope"), max_length=500, blank=True)
    interop_passed = models.BooleanField(_("passed the interoperability check"), default=False)
    # Null: checked before the standard was data (the checklist then was version 1's).
    interop_standard_version = models.PositiveIntegerField(
        _("interoperability standard version applied"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    deprecated_at = models.DateTimeField(_("deprecated"), null=True, blank=True)
    # Announced when deprecating (RFC 8594 Sunset): the day the publisher plans to retire the version.
    sunset_on = models.DateField(_("planned retirement date"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    # Kept on the version (also in the review thread) so its publisher reads why wherever the version shows.
    rejection_reason = models.TextField(_("reason for the rejection"), blank=True)

    class Meta:
        verbose_name = _("API version")
        verbose_name_plural = _("API versions")
        ordering = ["service__name", "-id"]
        constraints = [models.UniqueConstraint(fields=["service", "version"], name="uniq_service_version")]
        # "Has a live version" (the directory's EXISTS) and the live-version prefetch.
        indexes = [models.Index(fields=["service", "status"], name="directory_version_live")]

    def __str__(self):
        return f"{self.service.name} v{self.version}"

    @property
    def blocking_failures(self):
        return [c for c in self.interop_report if c["blocking"] and not c["passed"]]


class InteropStandard(models.Model):
    """The Dinas' interoperability standard (Pasal 6(5)): one row, seeded with the checklist as it was fixed in
    code, edited by administrators through ``services.interop_standard_update``, which numbers each change and
    re-checks the versions. The rules themselves are defined in ``interop.RULES``."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    allowed_media_types = models.JSONField(
        _("allowed media types"), validators=[interop.validate_media_types],
        help_text=_("One per line; * matches anything, e.g. */*+json. Legacy services: application/xml, text/xml, "
                    "*/*+xml; documents: application/pdf."),
    )
    rules = models.JSONField(_("rules"), validators=[interop.validate_rules])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Interoperability standard")
        verbose_name_plural = _("Interoperability standard")

    def __str__(self):
        return _("Interoperability standard, version %(version)d") % {"version": self.version}


class ApiOperation(models.Model):
    """One operation extracted from the version's spec; grants and the bus refer to these rows."""

    api_version = models.ForeignKey(
        ApiVersion, verbose_name=_("API version"), on_delete=models.CASCADE, related_name="operations"
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    operation_id = models.CharField(_("operationId"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    parameters = models.JSONField(_("parameters"), default=list, blank=True)

    class Meta:
        verbose_name = _("API operation")
        verbose_name_plural = _("API operations")
        ordering = ["path", "method"]
        constraints = [
            models.UniqueConstraint(fields=["api_version", "method", "path"], name="uniq_operation")
        ]

    def __str__(self):
        return f"{self.method} {self.path}"


class ReviewNote(models.Model):
    """The Pasal 6(4) accompaniment thread between the Dinas and the publisher, kept per version."""

    api_version = models.ForeignKey(
        ApiVersion, verbose_name=_("API version"), on_delete=models.CASCADE, related_name="review_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("review note")
        verbose_name_plural = _("review notes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.api_version}: {self.body[:40]}"


class PendingApiVersion(ApiVersion):
    """Admin queue: registrations waiting for the Dinas' accompaniment."""

    class Meta:
        proxy = True
        verbose_name = _("API registration pending review")
        verbose_name_plural = _("API registrations waiting for review")
