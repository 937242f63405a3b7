"""The evidence pack as a ZIP: the index PDF (the Monev report's letterhead, styles and tables: monitoring.monev.pdf)
mapping indicators 7 and 18, level by level, to the evidence, and the evidence files themselves."""

import io
import zipfile
from dataclasses import dataclass

from django.utils import timezone
from reportlab.platypus import PageBreak, Spacer

from splp.context_processors import current_pemda

from ..models import ReportStatusChoices
from ..monev.document import Letterhead, Signature, identity_snapshot, long_date, read_stored
from ..monev.formatting import P
from ..monev.pdf import (
    MARGIN,
    PORTRAIT,
    PdfDocument,
    letterhead_flowables,
    pdf_para,
    pdf_styles,
    signature_flowables,
    table_flowable,
)
from ..monev.sections import Table
from . import levels

INDEX_NAME = "0-indeks-bukti-spbe.pdf"


@dataclass
class _Outline:
    """What monitoring.monev.pdf's page template reads from an outline."""

    running_header: str
    watermark: str


def _indicator(number, title, level, justification, missing, evidence_keys, items, styles, width):
    story = [pdf_para(P("Indicator %(number)d: %(title)s") % {"number": number, "title": title}, styles["heading"])]
    story.append(pdf_para(P("Level supported by the evidence: %(level)d") % {"level": level}, styles["body"]))
    story.append(pdf_para(P("Justification"), styles["caption"]))
    story += [pdf_para(line, styles["body"]) for line in justification.splitlines() if line.strip()]
    if missing:
        story += [pdf_para(P("Missing for the next level"), styles["caption"]), pdf_para(missing, styles["body"])]
    criteria = Table("criteria", P("Level criteria"), [P("Level"), P("Criterion"), P("Met")],
                     [[c.level, c.text, c.level <= level] for c in levels.INDICATORS[number]], numeric=(0,))
    story += [pdf_para(criteria.title, styles["caption"]), table_flowable(criteria, width, P("None."))[0]]
    evidence = Table("evidence", P("Evidence"), [P("Evidence"), P("What this SPLP holds"), P("Files")],
                     [[item.title, item.summary, ", ".join(sorted(item.files)) or "–"]
                      for item in items if item.key in evidence_keys])
    story += [pdf_para(evidence.title, styles["caption"]), table_flowable(evidence, width, P("None."))[0],
              Spacer(1, 12)]
    return story


# Which evidence items bear on which indicator.
EVIDENCE_7 = ("register", "interop")
EVIDENCE_18 = ("inventory", "usage", "interop", "federation", "activities", "monev", "recommendations", "incidents")


def render_index(pack, evidence) -> bytes:
    identity = identity_snapshot(current_pemda())
    signatory = identity["signatory"]
    styles = pdf_styles()
    width = PORTRAIT[0] - 2 * MARGIN
    title = P("SPBE evaluation evidence of the SPLP, %(year)d") % {"year": pack.year}
    draft = pack.status == ReportStatusChoices.DRAFT
    buffer = io.BytesIO()
    document = PdfDocument(buffer, _Outline(f"{identity['dinas_name']} – {title}", P("DRAFT") if draft else ""),
                         title=title, author=identity["dinas_name"])
    letterhead = Letterhead(
        government=(P("GOVERNMENT OF %(pemda)s") % {"pemda": identity["name"]}).upper(),
        dinas=identity["dinas_name"].upper(), address=identity["address"],
        contact=P("Website: %(domain)s") % {"domain": identity["domain"]} if identity["domain"] else "",
        logo=read_stored(current_pemda().logo),
    )
    signed_on = timezone.localtime(pack.finalised_at or timezone.now()).date()
    story = [*letterhead_flowables(letterhead, styles, width), Spacer(1, 1.0 * MARGIN),
             pdf_para(title, styles["title"]),
             pdf_para(P("Permen PANRB 59/2020: indicator 7 and indicator 18"), styles["cover"]), Spacer(1, 12)]
    story += _indicator(7, P("Internal policy of the SPLP service"), pack.level_7, pack.justification_7,
                        pack.missing_7, EVIDENCE_7, evidence.items, styles, width)
    story += [PageBreak()]
    story += _indicator(18, P("Use of the SPLP (service linkage system)"), pack.level_18, pack.justification_18,
                        pack.missing_18, EVIDENCE_18, evidence.items, styles, width)
    story.append(signature_flowables(Signature(
        place_date=f"{signatory['place']}, {long_date(signed_on)}", position=f"{signatory['position']},",
        name=signatory["name"], rank=signatory["rank"],
        nip=P("NIP %(nip)s") % {"nip": signatory["nip"]} if signatory["nip"] else ""), styles, width))
    document.build(story)
    return buffer.getvalue()


def build_zip(pack, evidence, index_pdf: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(INDEX_NAME, index_pdf)
        for item in evidence.items:
            for name, content in item.files.items():
                archive.writestr(name, content)
    return buffer.getvalue()
