"""The level criteria of SPBE indicators 7 and 18 (Permen PANRB 59/2020, Pedoman Evaluasi SPBE) and the rules
that decide which level this SPLP's evidence supports.

Indicator 18 ("Tingkat Kematangan Penggunaan Sistem Penghubung Layanan Instansi Pusat/Pemerintah Daerah"):
the criteria are quoted from the Pedoman as published by the Pemkab Sambas,
https://spbe.sambas.go.id/indikator-18-sistem-penghubung-layanan (cross-checked with
https://spbe.banjarmasinkota.go.id/p/teknologi-informasi-dan-komunikasi_66.html).

Indicator 7 ("Kebijakan Internal terkait Sistem Penghubung Layanan"): the exact level texts were not found in
a public source we could read. The criteria below are NOT a quotation: they follow the pattern every policy
indicator of the Pedoman uses (draft; set for part of the needs; set for all of them; supporting integration;
evaluated periodically and improved) and the summary in issue 11. Replace them with the regulation's text
when it is at hand.

A level is supported when its rule and every lower level's rule hold. Each rule returns (met, why, missing):
``why`` says what evidence meets it, ``missing`` what the Dinas lacks for it.
"""

from dataclasses import dataclass

from ..monev.formatting import P


@dataclass(frozen=True)
class Criterion:
    level: int
    text: str  # in Indonesian, as the Pedoman (or, for indicator 7, our paraphrase) words it
    rule: object  # (evidence) -> (met, why, missing)


# -- Indicator 7: the SPLP's internal policy (the policy and SOP register, monitoring.governance) -------------


def _always(evidence):
    return True, "", ""


def _regulation_set(evidence):
    """Level 2: the Perwali/Perbup on the SPLP is set (registered, in force, issued by the end of the year)."""
    regulations = evidence.facts["regulations"]
    if regulations:
        return True, P("The regional head regulation is registered: %(list)s.") % {"list": "; ".join(regulations)}, ""
    return False, "", P("Register the Perwali/Perbup on the SPLP in the policy and SOP register.")


def _sops_in_force(evidence):
    """Level 3: the policy covers the service's needs: SOPs are set and in force beside the regulation."""
    sops = evidence.facts["sops"]
    if sops:
        return True, P("SOPs in force: %(list)s.") % {"list": "; ".join(sops)}, ""
    return False, "", P("Set the SOPs of the SPLP service (API registration, access requests, incidents) and "
                        "register them.")


def _standard_supports_integration(evidence):
    """Level 4: the policy supports integration: the interoperability standard is set as a policy document, and
    every document in force was reviewed within its cycle (none overdue at the end of the year)."""
    overdue = evidence.facts["reviews_overdue"]
    standard = evidence.facts["standard_documents"]
    missing = []
    if not standard:
        missing.append(P("Register the interoperability standard as a policy document."))
    if overdue:
        missing.append(P("Review the documents whose review is overdue: %(list)s.") % {"list": "; ".join(overdue)})
    if missing:
        return False, "", " ".join(missing)
    return True, P("The interoperability standard is a policy document and every document in force was reviewed "
                   "within its cycle."), ""


def _reviews_improve(evidence):
    """Level 5: evaluated periodically and improved: a review in the year revised or replaced a document."""
    revised = evidence.facts["reviews_revising"]
    if revised:
        return True, P("Reviews in the year led to revisions: %(list)s.") % {"list": "; ".join(revised)}, ""
    return False, "", P("Record a review in the year whose outcome revised or replaced a document.")


INDICATOR_7 = (
    Criterion(1, "Konsep kebijakan internal terkait Sistem Penghubung Layanan belum tersedia atau masih dalam "
                 "bentuk draf. [parafrase, bukan kutipan]", _always),
    Criterion(2, "Kebijakan internal terkait Sistem Penghubung Layanan telah ditetapkan dan mengatur sebagian "
                 "kebutuhan layanan. [parafrase, bukan kutipan]", _regulation_set),
    Criterion(3, "Kebijakan internal telah mengatur seluruh kebutuhan layanan Sistem Penghubung Layanan (termasuk "
                 "SOP yang berlaku). [parafrase, bukan kutipan]", _sops_in_force),
    Criterion(4, "Kebijakan internal mendukung keterpaduan/integrasi layanan melalui Sistem Penghubung Layanan "
                 "berdasarkan standar interoperabilitas. [parafrase, bukan kutipan]", _standard_supports_integration),
    Criterion(5, "Kebijakan internal dievaluasi secara berkala dan hasil evaluasinya diterapkan untuk memperbaiki "
                 "kebijakan. [parafrase, bukan kutipan]", _reviews_improve),
)


# -- Indicator 18: the use of the SPLP (the bus, its connectors, the Monev) --------------------------------


def _used_somewhere(evidence):
    """Level 2: applied in some Perangkat Daerah: at least one published API carried calls in the year."""
    publishers = evidence.facts["publishers_with_calls"]
    if publishers:
        return True, P("APIs of %(count)d organisations carried calls through the bus in the year.") % {
            "count": len(publishers)}, ""
    return False, "", P("No published API carried a call through the bus in the year.")


def _used_everywhere(evidence):
    """Level 3: applied in every Perangkat Daerah: each organisation publishes or uses an API through the bus
    in the year, and the published APIs passed the Dinas' interoperability standard."""
    absent = evidence.facts["organisations_absent"]
    failing = evidence.facts["apis_failing_standard"]
    missing = []
    if absent:
        missing.append(P("Organisations not publishing or using any API through the bus: %(list)s.") % {
            "list": "; ".join(absent)})
    if failing:
        missing.append(P("Published APIs not passing the interoperability standard: %(list)s.") % {
            "list": "; ".join(failing)})
    if missing:
        return False, "", " ".join(missing)
    return True, P("Every organisation publishes or uses an API through the bus, and every published API passed "
                   "the interoperability standard."), ""


def _connected_and_reviewed(evidence):
    """Level 4: integrated with the national SPLP or another government's, and reviewed and evaluated
    periodically: a national connection is recorded, final Monev reports cover the year (monitoring.rules'
    Pasal 9 rule), and the upstreams were health-checked."""
    facts, missing = evidence.facts, []
    if not facts["national_connections"]:
        missing.append(P("No connection with the national SPLP or another government's SPLP is recorded."))
    if not facts["monev_year_covered"]:
        missing.append(P("Final monitoring and evaluation reports do not cover the year."))
    if not facts["health_checks"]:
        missing.append(P("No health check of the upstreams was recorded in the year."))
    if missing:
        return False, "", " ".join(missing)
    return True, P("Connected with the national SPLP, the year covered by final monitoring and evaluation reports, "
                   "and %(count)d health checks recorded.") % {"count": facts["health_checks"]}, ""


def _followed_up(evidence):
    """Level 5: the review's results followed up with improvements: Monev recommendations done."""
    done = evidence.facts["recommendations_done"]
    if done:
        return True, P("%(count)d recommendations of the monitoring and evaluation were followed up and done.") % {
            "count": done}, ""
    return False, "", P("No recommendation of a monitoring and evaluation report is recorded as done.")


INDICATOR_18 = (
    Criterion(1, "Sistem penghubung layanan Instansi Pusat dan Pemerintah Daerah belum atau telah tersedia.",
              _always),
    Criterion(2, "Kriteria tingkat 1 telah terpenuhi. Kondisi: Sistem penghubung layanan Instansi Pusat dan "
                 "Pemerintah Daerah tidak/belum diterapkan di seluruh unit kerja/perangkat daerah di Instansi "
                 "Pusat/Pemerintah Daerah.", _used_somewhere),
    Criterion(3, "Kriteria tingkat 2 telah terpenuhi dan sistem penghubung layanan Instansi Pusat dan Pemerintah "
                 "Daerah telah diterapkan di seluruh unit kerja/perangkat daerah di Instansi Pusat/Pemerintah "
                 "Daerah.", _used_everywhere),
    Criterion(4, "Kriteria tingkat 3 telah terpenuhi, sistem penghubung layanan Instansi Pusat dan Pemerintah "
                 "Daerah telah terintegrasi dengan sistem penghubungan layanan pemerintah dan/atau sistem "
                 "penghubung layanan Instansi Pusat/Pemerintah Daerah lain. Selain itu, sistem penghubung layanan "
                 "Instansi Pusat/Pemerintah Daerah telah direviu dan dievaluasi secara periodik.",
              _connected_and_reviewed),
    Criterion(5, "Kriteria tingkat 4 telah terpenuhi serta hasil reviu dan evaluasi sistem penghubung layanan "
                 "Instansi Pusat dan Pemerintah Daerah telah ditindaklanjuti dengan melakukan perbaikan.",
              _followed_up),
)

INDICATORS = {7: INDICATOR_7, 18: INDICATOR_18}


@dataclass(frozen=True)
class Assessment:
    level: int
    justification: str
    missing: str  # for the next level; empty at level 5


def assess(criteria, evidence) -> Assessment:
    """The highest level whose rule holds together with every lower one's."""
    reasons = []
    for criterion in criteria:
        met, why, missing = criterion.rule(evidence)
        if not met:
            justification = "\n".join(reasons) or P("Level 1: no evidence for a higher level is recorded.")
            return Assessment(criterion.level - 1, justification, missing)
        if why:
            reasons.append(P("Level %(level)d: %(why)s") % {"level": criterion.level, "why": why})
    return Assessment(criteria[-1].level, "\n".join(reasons), "")

