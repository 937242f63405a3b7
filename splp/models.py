import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction, HeadOfRegionTitleChoices
from .identity import NIP_LENGTH, format_nip, normalize_nip, validate_logo, validate_nip


@dataclass(frozen=True)
class Signatory:
    """The signature block of a document the Dinas issues: "<place>, <date>", the position, name, rank, NIP."""

    place: str
    position: str
    name: str
    rank: str
    nip: str


class NipField(models.CharField):
    """A civil servant's NIP: typed with or without the spaces between its groups, stored as 18 digits."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", NIP_LENGTH)
        super().__init__(*args, **kwargs)
        # validate_nip judges the length too: one message, not a second one about 18 characters.
        self.validators[:] = [validate_nip]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == NIP_LENGTH:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def to_python(self, value):
        return normalize_nip(super().to_python(value))

    def formfield(self, **kwargs):
        # Room for the spaces of "19700101 199503 1 001"; the model's validators judge the digits.
        return super().formfield(**{"max_length": NIP_LENGTH + 8, **kwargs})


class Pemda(models.Model):
    """The regional government running this SPLP: identity is data, never code."""

    name = models.CharField(_("regional government name"), max_length=200)
    dinas_name = models.CharField(_("name of the managing Dinas"), max_length=200)
    domain = models.CharField(
        _("SPLP domain"), max_length=200,
        help_text=_("As the regulation on the SPLP names it: monitoring goes through the logs on this domain."),
    )
    logo_text = models.CharField(_("logo text"), max_length=40)
    is_active = models.BooleanField(_("active"), default=True)
    head_of_region_title = models.CharField(
        _("title of the head of region"), max_length=20, choices=HeadOfRegionTitleChoices.choices, blank=True
    )
    head_of_region_name = models.CharField(_("name of the head of region"), max_length=200, blank=True)
    kepala_dinas_name = models.CharField(
        _("name of the Kepala Dinas"), max_length=200, blank=True,
        help_text=_("With academic titles, as signed, e.g. Drs. La Ode Contoh, M.Si."),
    )
    kepala_dinas_rank = models.CharField(
        _("rank of the Kepala Dinas"), max_length=100, blank=True,
        help_text=_("Pangkat and golongan, e.g. Pembina Utama Muda (IV/c)."),
    )
    kepala_dinas_nip = NipField(
        _("NIP of the Kepala Dinas"), blank=True, help_text=_("18 digits, e.g. 19700101 199503 1 001.")
    )
    dinas_address = models.TextField(_("address of the Dinas"), blank=True)
    logo = models.ImageField(
        _("logo"), upload_to="pemda/", blank=True, validators=[validate_logo],
        help_text=_("PNG or JPEG, at most 1 MB; printed on the letterhead of official documents."),
    )
    splp_regulation = models.CharField(
        _("regulation on the SPLP"), max_length=300, blank=True,
        help_text=_("Its full title, e.g. Peraturan Wali Kota Baubau Nomor 32 Tahun 2024 tentang Pengelolaan "
                    "Sistem Penghubung Layanan Pemerintah."),
    )
    document_place = models.CharField(
        _("place of signature"), max_length=100, blank=True,
        help_text=_("The town written before the date on signed documents, e.g. Baubau or Muara Bungo."),
    )

    # What an official document (the Monev report) cannot do without, in the order a form lists them.
    DOCUMENT_FIELDS = (
        "head_of_region_title", "head_of_region_name", "kepala_dinas_name", "kepala_dinas_rank", "kepala_dinas_nip",
        "dinas_address", "logo", "splp_regulation", "document_place",
    )

    class Meta:
        verbose_name = _("Pemda identity")
        verbose_name_plural = _("Pemda identity")

    def __str__(self):
        return self.name

    @property
    def kepala_dinas_nip_display(self):
        return format_nip(self.kepala_dinas_nip)

    @property
    def region_name(self):
        """The name without "Kota"/"Kabupaten": "Kota Baubau" -> "Baubau"."""
        return re.sub(r"^(Kota|Kabupaten)\s+", "", self.name).strip()

    @property
    def head_of_region(self):
        """Who a document is addressed to: "Wali Kota Baubau", "Bupati Bungo" (empty without a title)."""
        if not self.head_of_region_title:
            return ""
        return f"{self.get_head_of_region_title_display()} {self.region_name}"

    def signatory(self):
        """The Kepala Dinas' signature block; fields not recorded yet are empty (see missing_document_fields)."""
        return Signatory(
            place=self.document_place,
            position=f"Kepala {self.dinas_name}" if self.dinas_name else "",
            name=self.kepala_dinas_name,
            rank=self.kepala_dinas_rank,
            nip=self.kepala_dinas_nip_display,
        )

    def missing_document_fields(self):
        """Labels of what an official document needs and this identity lacks, e.g. ["NIP Kepala Dinas", "logo"]."""
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.DOCUMENT_FIELDS
            if not getattr(self, name)
        ]


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

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit events cannot be deleted."))


class MailClaim(models.Model):
    """One e-mail sent once for one key (a reminder's period, a month's usage summary): see splp.mail."""

    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("period"), max_length=60)
    claimed_at = models.DateTimeField(_("claimed"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("e-mail sent once")
        verbose_name_plural = _("e-mails sent once")
        ordering = ["-claimed_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="uniq_mail_claim")]

    def __str__(self):
        return f"{self.kind} {self.key}"
