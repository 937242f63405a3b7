"""The narrative of the Monev report: the pendahuluan and kesimpulan generated as the Dinas' starting point,
and the one service that edits them (with the recommendations) while the report is a draft.

The texts are written at generation from the frozen figures and the Pemda record; once the report is final
nothing of it changes.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format, number_format
from django.utils.translation import npgettext, pgettext

from directory.selectors import is_administrator
from splp.audit import AuditAction, audit_record
from splp.workflow import lock, require, require_state

from .. import rules
from ..models import MonevReport, ReportStatusChoices

CTX = "monitoring-report"
NARRATIVE_FIELDS = ("introduction", "conclusion", "recommendations")


def _number(value):
    return number_format(value, use_l10n=True, force_grouping=True)


def _percent(value):
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True) + "%"


def _period(figures):
    start = datetime.date.fromisoformat(figures["period_start"])
    end = datetime.date.fromisoformat(figures["period_end"])
    return pgettext(CTX, "%(start)s to %(end)s") % {
        "start": date_format(start, "d/m/Y"), "end": date_format(end, "d/m/Y")}


def introduction_text(figures, *, regulation=""):
    """Background (the regulation and its Pasal 9 duty), the period and the scope, from the figures."""
    pemda = figures["pemda"]
    overview = figures["overview"]
    regulation = regulation.strip() or pgettext(CTX, "the regional head regulation on the management of the SPLP")
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
        ) % {"period": _period(figures), "apis": _number(overview["apis_registered"]),
             "published": _number(overview["apis_published"]), "connectors": _number(overview["connectors"]),
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
    ) % {"published": _number(overview["apis_published"]), "registered": _number(overview["apis_registered"]),
         "publishers": _number(overview["publishers"]), "organizations": _number(overview["organizations"]),
         "connectors": _number(overview["connectors"])}]

    if total["calls"]:
        use = pgettext(CTX, "The bus handled %(calls)s calls, %(errors)s of them answered with an error.") % {
            "calls": _number(total["calls"]), "errors": _percent(total["error_rate_pct"] or 0)}
    else:
        use = pgettext(CTX, "No call went through the bus in the period.")
    if total.get("availability_pct") is not None:
        use += " " + pgettext(CTX, "The upstream services were up in %(availability)s of the health checks.") % {
            "availability": _percent(total["availability_pct"])}
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

    missed = [
        f"{year['year']}: {rules.category_label(group).lower()}"
        for year in figures["activities"]["years"]
        for group, status in year["periods"]["year"]["categories"].items()
        if status["light"] != "green"
    ]
    if missed:
        paragraphs.append(pgettext(CTX, "The Pasal 8 minimum of activities is not met yet for: %(missed)s.")
                          % {"missed": ", ".join(missed)})
    else:
        paragraphs.append(pgettext(CTX, "The Pasal 8 minimum of coaching and supervision activities is met."))
    paragraphs.append(pgettext(CTX, "The recommendations below follow from these points."))
    return "\n\n".join(paragraphs)


@transaction.atomic
def monev_report_update_narrative(*, actor, report: MonevReport, introduction: str, conclusion: str,
                                  recommendations: str) -> MonevReport:
    """The Dinas' edit of the three texts of a draft; a final report refuses. One audit row when something
    changed, naming what."""
    require(is_administrator(actor), pgettext(CTX, "Only a Dinas administrator can edit the report."))
    report = lock(MonevReport, report.pk)
    require_state(report, (ReportStatusChoices.DRAFT,), pgettext(CTX, "edit the report's text"))
    values = {"introduction": introduction, "conclusion": conclusion, "recommendations": recommendations}
    values = {name: (value or "").strip() for name, value in values.items()}
    empty = {name: pgettext(CTX, "This text must not be empty.") for name, value in values.items() if not value}
    if empty:
        raise ValidationError(empty)
    changed = [name for name in NARRATIVE_FIELDS if values[name] != getattr(report, name)]
    if changed:
        for name in changed:
            setattr(report, name, values[name])
        report.save(update_fields=changed)
        audit_record(actor=actor, target=report, action=AuditAction.UPDATE_NARRATIVE, old_state=report.status,
                     new_state=report.status, data={"changed": changed})
    return report
