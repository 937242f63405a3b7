"""The level criteria of SPBE indicators 7 and 18 (Permen PANRB 59/2020, Pedoman Evaluasi SPBE) and the rules
that decide which level this SPLP's evidence supports.

Indicator 18 ("Tingkat Kematangan Penggunaan Sistem Penghubung Layanan Instansi Pusat/Pemerintah Daerah"):
the criteria are quoted from the Pedoman as published by the Pemkab Sambas,
https://spbe.sambas.go.id/indikator-18-sistem-penghubung-layanan (cross-checked with
https://spbe.banjarmasinkota.go.id/p/teknologi-informasi-dan-komunikasi_66.html).

Indicator 7 ("Tingkat Kematangan Kebijakan Internal Penggunaan Sistem Penghubung Layanan Instansi
Pusat/Pemerintah Daerah"): the criteria as the Permen's annex (Lampiran, as published on jdih.menpan.go.id) words them,
cross-checked against two public transcriptions of it used by Pemda SPBE self-assessment applications.

A level is supported when its rule and every lower level's rule hold. Each rule returns (met, why, missing):
``why`` says what evidence meets it, ``missing`` what the Dinas lacks for it.
"""

from dataclasses import dataclass

from ..monev.formatting import P


@dataclass(frozen=True)
class Criterion:
    level: int
    text: str  # in Indonesian, as the regulation words it
    rule: object  # (evidence) -> (met, why, missing)


# -- Indicator 7: the SPLP's internal policy (the policy and SOP register, monitoring.governance) -------------


def _always(evidence):
    return True, "", ""


def _policy_set(evidence):
    """Level 2: an internal policy on the use of the SPLP is set: a Perwali/Perbup or a Kepala Dinas' decree in
    force in the register."""
    policies = evidence.facts["policies_set"]
    if policies:
        return True, P("An internal policy on the use of the SPLP is set: %(list)s.") % {
            "list": "; ".join(policies)}, ""
    return False, "", P("Register the Perwali/Perbup (or the Kepala Dinas' decree) on the use of the SPLP in the "
                        "policy and SOP register.")


def _policy_for_every_organisation(evidence):
    """Level 3: the policy sets the use of the SPLP for every Perangkat Daerah: a regional head regulation, which
    binds them all (a Kepala Dinas' decree binds only part of them)."""
    regulations = evidence.facts["regulations"]
    if regulations:
        return True, P("The regional head regulation sets the use of the SPLP for every Perangkat Daerah: "
                       "%(list)s.") % {"list": "; ".join(regulations)}, ""
    return False, "", P("A Kepala Dinas' decree binds only part of the Perangkat Daerah: set the use of the SPLP "
                        "for every Perangkat Daerah by a Perwali/Perbup and register it.")


def _connection_regulated_and_reviewed(evidence):
    """Level 4: the policy regulates the connection with the national SPLP, and it is reviewed periodically: a
    review report younger than two years, and no document in force past its review date."""
    facts, missing = evidence.facts, []
    if not facts["national_connection_policies"]:
        missing.append(P("No policy in force regulates the connection with the national SPLP: register one and "
                         "tick \"regulates the connection with the national SPLP\"."))
    if not facts["reviews_recent"]:
        missing.append(P("No review of the policy was recorded in the last two years."))
    if facts["reviews_overdue"]:
        missing.append(P("Review the documents whose review is overdue: %(list)s.") % {
            "list": "; ".join(facts["reviews_overdue"])})
    if missing:
        return False, "", " ".join(missing)
    return True, P("The connection with the national SPLP is regulated (%(policies)s), and the policy was reviewed: "
                   "%(reviews)s.") % {"policies": "; ".join(facts["national_connection_policies"]),
                                      "reviews": "; ".join(facts["reviews_recent"])}, ""


def _reviews_followed_by_policy(evidence):
    """Level 5: the review's results followed up with a new policy: a review that asked for a revision, and a
    policy document issued on or after it."""
    followed = evidence.facts["reviews_followed_up"]
    if followed:
        return True, P("Reviews were followed up with a new policy: %(list)s.") % {"list": "; ".join(followed)}, ""
    return False, "", P("Follow up a review that asked for a revision with a new policy (regulation, decree or SOP) "
                        "and register it.")


INDICATOR_7 = (
    Criterion(1, "Konsep kebijakan internal terkait Penggunaan Sistem Penghubung Layanan Instansi Pusat/Pemerintah "
                 "Daerah belum atau telah tersedia.", _always),
    Criterion(2, "Kebijakan internal terkait Penggunaan Sistem Penghubung Layanan Instansi Pusat/Pemerintah Daerah "
                 "telah ditetapkan. Kondisi: Kebijakan internal terkait Penggunaan Sistem Penghubung Layanan "
                 "Instansi Pusat/Pemerintah Daerah telah mengatur penggunaan Sistem Penghubung Layanan Instansi "
                 "Pusat/Pemerintah Daerah untuk sebagian unit kerja/perangkat daerah di Instansi Pusat/Pemerintah "
                 "Daerah.", _policy_set),
    Criterion(3, "Kriteria tingkat 2 telah terpenuhi dan kebijakan internal terkait Penggunaan Sistem Penghubung "
                 "Layanan Instansi Pusat/Pemerintah Daerah telah mengatur penggunaan Sistem Penghubung Layanan untuk "
                 "seluruh unit kerja/perangkat daerah di Instansi Pusat/Pemerintah Daerah.",
              _policy_for_every_organisation),
    Criterion(4, "Kriteria tingkat 3 telah terpenuhi, kebijakan internal terkait Penggunaan Sistem Penghubung Layanan "
                 "Instansi Pusat/Pemerintah Daerah telah mengatur keterhubungan dengan Sistem Penghubung Layanan "
                 "Pemerintah. Selain itu, kebijakan internal terkait Penggunaan Sistem Penghubung Layanan Instansi "
                 "Pusat/Pemerintah Daerah telah direviu dan dievaluasi secara periodik.",
              _connection_regulated_and_reviewed),
    Criterion(5, "Kriteria tingkat 4 telah terpenuhi serta hasil reviu dan evaluasi kebijakan internal terkait "
                 "Penggunaan Sistem Penghubung Layanan Instansi Pusat/Pemerintah Daerah telah ditindaklanjuti dengan "
                 "kebijakan baru.", _reviews_followed_by_policy),
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

