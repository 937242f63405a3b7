from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKindChoices(models.TextChoices):
    DINAS = "dinas", _("Office (Dinas)")
    BADAN = "badan", _("Agency (Badan)")
    SEKRETARIAT = "sekretariat", _("Secretariat")
    INSPEKTORAT = "inspektorat", _("Inspectorate")
    KECAMATAN = "kecamatan", _("District (Kecamatan)")
    KELURAHAN = "kelurahan", _("Village (Kelurahan/Desa)")
    RSUD = "rsud", _("Regional hospital")
    LAINNYA = "lainnya", _("Other")


class MembershipRoleChoices(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator (Dinas)")
    PUBLISHER = "publisher", _("Publisher operator")
    REQUESTER = "requester", _("Requester operator")


class UpstreamAuthTypeChoices(models.TextChoices):
    NONE = "none", _("No credential")
    STATIC = "static", _("Static header")
    OAUTH2 = "oauth2", _("OAuth2 client credentials")


class ClassificationChoices(models.TextChoices):
    TERBUKA = "terbuka", _("Open")
    TERBATAS = "terbatas", _("Restricted")
    RAHASIA = "rahasia", _("Secret")


CLASSIFICATION_HELP = _(
    "Open: may be accessed by the public. Restricted: only authorised organisations, with approval. "
    "Secret: data exempted by law; access is tightly limited and supervised."
)


class UpdateFrequencyChoices(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "harian", _("Daily")
    WEEKLY = "mingguan", _("Weekly")
    MONTHLY = "bulanan", _("Monthly")
    YEARLY = "tahunan", _("Yearly")
    ON_CHANGE = "saat_berubah", _("On change")


class SpecFormatChoices(models.TextChoices):
    OPENAPI3 = "openapi3", _("OpenAPI 3")
    SWAGGER2 = "swagger2", _("Swagger 2")


class ApiVersionStatusChoices(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for the Dinas review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    DEPRECATED = "deprecated", _("Deprecated")
    RETIRED = "retired", _("Retired")
    # Refused for good by the Dinas (a duplicate, data that may not be shared): final, never live.
    REJECTED = "rejected", _("Rejected")


class InteropSeverityChoices(models.TextChoices):
    """What a failed rule of the interoperability standard does to publication."""

    BLOCKING = "blocking", _("Blocking")
    WARNING = "warning", _("Warning")


class BusStateChoices(models.TextChoices):
    """An API's state on the bus as its audit rows record it (the model keeps a flag)."""

    ACTIVE = "active", _("Active on the bus")
    SUSPENDED = "suspended", _("Suspended on the bus")
