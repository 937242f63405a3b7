"""The Monev report as an official document of the Dinas: the outline both the PDF and the DOCX render.

The outline adds what makes the report a Pemda document around the sections of ``report_sections``: the
letterhead (kop surat), a cover addressed to the head of region, the foreword (kata pengantar), numbered table
and figure captions, the closing and the Kepala Dinas' signature block, and the draft mark. The renderers only
lay it out, so the two formats never say different things.

A draft shows the Pemda's identity as it is now; finalising freezes it into the report (``freeze_identity``),
so a final report keeps the letterhead and signatory it was signed with, whatever the Pemda record says later.
"""

import dataclasses
import os
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from splp.context_processors import current_pemda
from splp.workflow import TransitionError

from ..models import ReportStatusChoices
from .formatting import P, data_as_of, report_data_as_of, report_status
from .sections import Section, report_sections

IDENTITY_KEY = "document"  # figures[IDENTITY_KEY]: the identity a final report was signed with
APPENDIX_KEYS = ("appendix",)  # sections after the closing and the signature


# -- Identity ----------------------------------------------------------------------------------------


def identity_snapshot(pemda):
    """The Pemda identity an official document prints, as plain JSON."""
    return {
        "name": pemda.name,
        "dinas_name": pemda.dinas_name,
        "domain": pemda.domain,
        "address": pemda.dinas_address,
        "head_of_region": str(pemda.head_of_region),
        "head_of_region_name": pemda.head_of_region_name,
        "regulation": pemda.splp_regulation,
        "signatory": dataclasses.asdict(pemda.signatory()),
    }


def require_identity():
    """Refuse to finalise while the Pemda identity lacks what the signed document prints."""
    missing = current_pemda().missing_document_fields()
    if missing:
        raise TransitionError(
            P("The report cannot be finalised: the Pemda identity lacks %(fields)s. Complete the Pemda identity "
              "first; the signed report prints it.") % {"fields": ", ".join(missing)}
        )


def freeze_identity(report):
    """Copy the current identity and logo into the report being finalised; returns the fields to save."""
    pemda = current_pemda()
    report.figures = {**report.figures, IDENTITY_KEY: identity_snapshot(pemda)}
    with pemda.logo.open("rb") as logo:
        content = logo.read()
    extension = os.path.splitext(pemda.logo.name)[1].lower()
    report.logo.save(f"logo-laporan-{report.pk}{extension}", ContentFile(content), save=False)
    return ["figures", "logo"]


def _identity_and_logo(report):
    """The frozen identity of a final report; the current one for a draft (and for reports finalised before
    the identity was frozen)."""
    frozen = report.figures.get(IDENTITY_KEY)
    if report.status == ReportStatusChoices.FINAL and frozen:
        return frozen, read_stored(report.logo)
    pemda = current_pemda()
    return identity_snapshot(pemda), read_stored(pemda.logo)


def read_stored(file_field):
    if not file_field or not file_field.storage.exists(file_field.name):
        return None
    with file_field.open("rb") as handle:
        return handle.read()


# -- Outline -----------------------------------------------------------------------------------------


@dataclass
class Letterhead:
    government: str  # PEMERINTAH KOTA BAUBAU
    dinas: str  # DINAS KOMUNIKASI DAN INFORMATIKA KOTA BAUBAU
    address: str
    contact: str  # the SPLP domain
    logo: bytes | None

    @property
    def lines(self):
        return [line for line in (self.government, self.dinas, self.address, self.contact) if line]


@dataclass
class Cover:
    title: str
    period: str
    addressee: list  # "Kepada Yth.", the head of region, "di <place>"
    issuer: list  # the Dinas, the Pemda, the year
    status: list  # status, generation, data up to, finalisation


@dataclass
class Signature:
    place_date: str  # "Baubau, 10 Januari 2027"
    position: str  # "Kepala Dinas Komunikasi dan Informatika Kota Baubau,"
    name: str
    rank: str
    nip: str  # "NIP 19700101 199503 1 001"

    @property
    def lines(self):
        return [self.place_date, self.position, self.name, self.rank, self.nip]


@dataclass
class Numbered:
    """A table or chart with its caption: "Tabel 3.1 API", "Gambar 4.2 Panggilan per API"."""

    caption: str
    item: object


@dataclass
class DocumentSection:
    section: Section
    tables: list = field(default_factory=list)  # [Numbered(table)]
    charts: list = field(default_factory=list)  # [Numbered(chart)]

    @property
    def heading(self):
        return self.section.heading

    @property
    def paragraphs(self):
        return self.section.paragraphs


@dataclass
class OfficialDocument:
    title: str
    draft: bool
    running_header: str
    letterhead: Letterhead
    cover: Cover
    foreword_title: str
    foreword: list
    contents_title: str
    sections: list  # [DocumentSection] before the closing
    closing_title: str
    closing: list
    signature: Signature
    appendices: list  # [DocumentSection] after the signature
    watermark: str  # "DRAF" while a draft, else ""
    no_data: str  # said instead of an empty chart
    none_text: str  # said in a table without rows


def long_date(value):
    """"10 Januari 2027": the date as a signed letter writes it."""
    return date_format(value, "j F Y")


def _numbered(section):
    number = section.number
    return DocumentSection(
        section,
        tables=[Numbered(P("Table %(number)s %(title)s") % {"number": f"{number}.{index}", "title": table.title},
                         table) for index, table in enumerate(section.tables, start=1)],
        charts=[Numbered(P("Figure %(number)s %(title)s") % {"number": f"{number}.{index}", "title": chart.title},
                         chart) for index, chart in enumerate(section.charts, start=1)],
    )


def official_document(report):
    identity, logo = _identity_and_logo(report)
    draft = report.status == ReportStatusChoices.DRAFT
    signed_on = timezone.localtime(report.finalised_at if report.finalised_at else report.generated_at).date()
    period = _("%(start)s to %(end)s") % {"start": long_date(report.period_start), "end": long_date(report.period_end)}
    signatory = identity["signatory"]
    sections = [_numbered(section) for section in report_sections(report)]

    status = [_("Status: %(status)s") % {"status": report_status(report)},
              _("Generated on %(time)s") % {"time": long_date(timezone.localtime(report.generated_at))}]
    if report_data_as_of(report):
        status.append(data_as_of(report_data_as_of(report)))
    if report.finalised_at:
        status.append(_("Finalised on %(time)s") % {"time": long_date(signed_on)})

    return OfficialDocument(
        title=report.title,
        draft=draft,
        running_header=f"{identity['dinas_name']} – {report.title}",
        letterhead=Letterhead(
            government=(P("GOVERNMENT OF %(pemda)s") % {"pemda": identity["name"]}).upper(),
            dinas=identity["dinas_name"].upper(),
            address=identity["address"],
            contact=P("Website: %(domain)s") % {"domain": identity["domain"]} if identity["domain"] else "",
            logo=logo,
        ),
        cover=Cover(
            title=report.title,
            period=P("Period %(period)s") % {"period": period},
            addressee=_addressee(identity["head_of_region"], signatory["place"]),
            issuer=[identity["dinas_name"], identity["name"], str(signed_on.year)],
            status=status,
        ),
        foreword_title=P("Foreword"),
        foreword=_foreword(identity, period),
        contents_title=P("Table of contents"),
        sections=[s for s in sections if s.section.key not in APPENDIX_KEYS],
        closing_title=P("Closing"),
        closing=[
            P("This report is submitted to the %(head)s as the accountability of %(dinas)s for the monitoring and "
              "evaluation of the SPLP in the period %(period)s, and as material for the decisions on its further "
              "development. The recommendations of this report are followed up with the Perangkat Daerah "
              "concerned and reviewed in the next monitoring and evaluation.")
            % {"head": identity["head_of_region"], "dinas": identity["dinas_name"], "period": period},
        ],
        signature=Signature(
            place_date=f"{signatory['place']}, {long_date(signed_on)}",
            position=f"{signatory['position']},",
            name=signatory["name"],
            rank=signatory["rank"],
            nip=P("NIP %(nip)s") % {"nip": signatory["nip"]} if signatory["nip"] else "",
        ),
        appendices=[s for s in sections if s.section.key in APPENDIX_KEYS],
        watermark=P("DRAFT") if draft else "",
        no_data=P("No data"),
        none_text=_("None."),
    )


def _addressee(head_of_region, place):
    """"Kepada Yth. / Wali Kota Baubau / di Baubau"; nothing while a draft's identity names no head of region."""
    if not head_of_region:
        return []
    return [P("To the Honourable"), head_of_region] + ([P("in %(place)s") % {"place": place}] if place else [])


def _foreword(identity, period):
    regulation = identity["regulation"] or P("the regional head regulation on the SPLP")
    return [
        P("Praise be to God Almighty for the completion of the Monitoring and Evaluation Report of the Government "
          "Service Bus (Sistem Penghubung Layanan Pemerintah, SPLP) of %(pemda)s for the period %(period)s.")
        % {"pemda": identity["name"], "period": period},
        P("This report is prepared in carrying out %(regulation)s, which obliges %(dinas)s as the administrator "
          "of the SPLP to monitor and evaluate its use at least once a year. It sets out the service inventory, "
          "the results of the log monitoring, the management of access, the supervision findings, the coaching "
          "and supervision activities, the compliance of the Perangkat Daerah and the recommendations for "
          "follow-up.")
        % {"regulation": regulation, "dinas": identity["dinas_name"]},
        P("We thank every Perangkat Daerah that took part in providing and using the services of the SPLP. "
          "We hope this report serves the %(head)s as material for decisions on the electronic-based government "
          "system (SPBE) of %(pemda)s.")
        % {"head": identity["head_of_region"] or identity["name"], "pemda": identity["name"]},
    ]
