from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKindChoices(models.TextChoices):
    DINAS = "dinas", _("Dinas")
    BADAN = "badan", _("Badan")
    SEKRETARIAT = "sekretariat", _("Sekretariat")
    INSPEKTORAT = "inspektorat", _("Inspektorat")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan/Desa")
    RSUD = "rsud", _("Rumah Sakit Daerah")
    LAINNYA = "lainnya", _("Lainnya")


class MembershipRoleChoices(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator (Dinas)")
    PUBLISHER = "publisher", _("Operator publisher")
    REQUESTER = "requester", _("Operator requester")


class ClassificationChoices(models.TextChoices):
    TERBUKA = "terbuka", _("Terbuka")
    TERBATAS = "terbatas", _("Terbatas")
    RAHASIA = "rahasia", _("Rahasia")


CLASSIFICATION_HELP = _(
    "Terbuka: boleh diakses publik. Terbatas: hanya Perangkat Daerah yang berwenang, dengan persetujuan. "
    "Rahasia: data yang dikecualikan menurut undang-undang; akses sangat dibatasi dan diawasi."
)


class UpdateFrequencyChoices(models.TextChoices):
    REALTIME = "realtime", _("Waktu nyata")
    DAILY = "harian", _("Harian")
    WEEKLY = "mingguan", _("Mingguan")
    MONTHLY = "bulanan", _("Bulanan")
    YEARLY = "tahunan", _("Tahunan")
    ON_CHANGE = "saat_berubah", _("Saat ada perubahan")


class SpecFormatChoices(models.TextChoices):
    OPENAPI3 = "openapi3", _("OpenAPI 3")
    SWAGGER2 = "swagger2", _("Swagger 2")


class ApiVersionStatusChoices(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Menunggu pendampingan Dinas")
    CHANGES_REQUESTED = "changes_requested", _("Perlu perbaikan")
    PUBLISHED = "published", _("Terbit")
    DEPRECATED = "deprecated", _("Usang")
    RETIRED = "retired", _("Dihentikan")
