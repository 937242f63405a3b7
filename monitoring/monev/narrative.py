"""The narrative of the Monev report: the pendahuluan and kesimpulan generated from the frozen figures (the
Pemda's regulation included) as the Dinas' starting point; monev_report_update_narrative edits them while the
report is a draft.
"""

from django.utils.translation import npgettext, pgettext

from .. import rules
from .formatting import CTX, Percent, as_date, display


def _period(figures):
    return pgettext(CTX, "%(start)s to %(end)s") % {
        "start": display(as_date(figures["period_start"])), "end": display(as_date(figures["period_end"]))}


def introduction_text(figures):
    """Background (the regulation and its Pasal 9 duty), the period and the scope, from the figures."""
    pemda = figures["pemda"]
    overview = figures["overview"]
    regulation = ((pemda.get("splp_regulation") or "").strip()  # figures frozen before it was recorded have none
                  or pgettext(CTX, "the regional head regulation on the management of the SPLP"))
    paragraphs = [
        pgettext(
            CTX,
            "%(dinas)s administers the Government Service Bus (Sistem Penghubung Layanan Pemerintah, SPLP) of "
            "%(pemda)s under %(regulation)s. Pasal 9 of that regulation obliges the administrator to monitor and "
            "evaluate the SPLP at least once a year or whenever needed, through the logs on the SPLP domain, and "
            "to evaluate the use of every connector.",
        ) % {"dinas": pemda["dinas_name"], "pemda": pemda["name"], "regulation": regulation},
        pgettext(
            CTX,
            "This report covers the period %(period)s: the %(apis)s APIs registered in the metadata repository "
            "(%(published)s of them published), the %(connectors)s connectors active in the period and every "
            "call recorded in the log of the bus at %(domain)s.",
        ) % {"period": _period(figures), "apis": display(overview["apis_registered"]),
             "published": display(overview["apis_published"]), "connectors": display(overview["connectors"]),
             "domain": pemda["domain"]},
    ]
    previous = figures.get("previous_recommendations")
    if previous and previous["items"]:
        paragraphs.append(npgettext(
            CTX,
            "It first reports the follow-up of the %(count)d recommendation of the previous report, “%(title)s”.",
            "It first reports the follow-up of the %(count)d recommendations of the previous report, “%(title)s”.",
            len(previous["items"]),
        ) % {"count": len(previous["items"]), "title": previous["title"]})
    return "\n\n".join(paragraphs)


def conclusion_text(figures):
    """What the figures say, one short paragraph per subject, ending with the pointer to the recommendations."""
    overview = figures["overview"]
    total = figures["usage"]["total"]
    compliance = figures["compliance"]
    paragraphs = [pgettext(
        CTX,
        "%(published)s of the %(registered)s registered APIs are published by %(publishers)s of the "
        "%(organizations)s Perangkat Daerah; %(connectors)s connectors were active in the period.",
    ) % {"published": display(overview["apis_published"]), "registered": display(overview["apis_registered"]),
         "publishers": display(overview["publishers"]), "organizations": display(overview["organizations"]),
         "connectors": display(overview["connectors"])}]

    if total["calls"]:
        use = pgettext(CTX, "The bus handled %(calls)s calls, %(errors)s of them answered with an error.") % {
            "calls": display(total["calls"]), "errors": display(Percent(total["error_rate_pct"]))}
    else:
        use = pgettext(CTX, "No call went through the bus in the period.")
    if total.get("availability_pct") is not None:
        use += " " + pgettext(CTX, "The upstream services were up in %(availability)s of the health checks.") % {
            "availability": display(Percent(total["availability_pct"]))}
    paragraphs.append(use)

    without = len(compliance["without_api"])
    if without:
        paragraphs.append(npgettext(
            CTX,
            "%(count)d Perangkat Daerah does not yet provide an API integrated with the SPLP (Pasal 6(3)).",
            "%(count)d Perangkat Daerah do not yet provide an API integrated with the SPLP (Pasal 6(3)).",
            without,
        ) % {"count": without})
    else:
        paragraphs.append(pgettext(CTX, "Every Perangkat Daerah provides an API integrated with the SPLP "
                                        "(Pasal 6(3))."))

    open_findings = figures["findings"]["open"]
    incidents = figures.get("incidents") or {"total": 0, "not_notified": 0}
    paragraphs.append(pgettext(
        CTX,
        "Supervision: %(findings)d findings, %(open)d of them not followed up yet; %(incidents)d personal data "
        "incidents, %(not_notified)d of them not notified yet.",
    ) % {"findings": figures["findings"]["total"], "open": open_findings, "incidents": incidents["total"],
         "not_notified": incidents["not_notified"]})

    # "pembinaan, pengawasan (2026)": the kinds short of the minimum, per year.
    missed = [
        f"{', '.join(kinds)} ({year['year']})"
        for year in figures["activities"]["years"]
        if (kinds := [rules.category_label(group).lower()
                      for group, status in year["periods"]["year"]["categories"].items() if status["light"] != "green"])
    ]
    if missed:
        paragraphs.append(pgettext(CTX, "The Pasal 8 minimum of activities is not met yet for: %(missed)s.")
                          % {"missed": ", ".join(missed)})
    else:
        paragraphs.append(pgettext(CTX, "The Pasal 8 minimum of coaching and supervision activities is met."))
    paragraphs.append(pgettext(CTX, "The recommendations below follow from these points."))
    return "\n\n".join(paragraphs)
