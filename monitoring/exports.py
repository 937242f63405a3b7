"""The Monev report as a reader sees it: sections with paragraphs, tables and charts, built once from the
frozen figures and rendered four ways (HTML page, PDF with reportlab, XLSX with openpyxl, CSV).

``report_sections`` is the single place that decides what each section says; the renderers only lay it out,
so the page and the three downloads always agree.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from access.choices import AccessRequestStatusChoices
from directory.choices import ApiVersionStatusChoices, ClassificationChoices, OrganizationKindChoices
from splp.timezones import format_local

from . import charts, rules
from .models import (
    ActivityKindChoices,
    FindingKindChoices,
    FindingStatusChoices,
    MonevPartsChoices,
    ReportStatusChoices,
)

CTX = "monitoring-report"
CHART_TOP = 15  # bars in the per-API chart


def P(text):
    return pgettext(CTX, text)


# -- Values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Light:
    """A traffic light cell: green, amber or red."""

    colour: str

    @property
    def label(self):
        return {"green": P("Met"), "amber": P("Not yet met"), "red": P("Not met")}.get(self.colour, self.colour)


@dataclass(frozen=True)
class Percent:
    value: float | None


def display(value):
    """A typed cell as text, Indonesian formatting (1.234,5; 31/12/2026)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Light):
        return str(value.label)
    if isinstance(value, Percent):
        if value.value is None:
            return "–"
        return number_format(value.value, decimal_pos=2, use_l10n=True, force_grouping=True) + "%"
    if isinstance(value, bool):
        return P("Yes") if value else P("No")
    if isinstance(value, int):
        return number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, float):
        decimals = 0 if value == int(value) else 1
        return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime.datetime):
        return format_local(value, "d/m/Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d/m/Y")
    return str(value)


def local_moment(value):
    """A moment for a person: local date and time with the zone's abbreviation ("29/11/2026 21:50 WIB")."""
    return format_local(value, "d/m/Y H:i")


def data_as_of(value):
    """"Data up to <moment>": the last moment the figures cover."""
    return _("Data up to %(moment)s") % {"moment": local_moment(value)}


def report_data_as_of(report):
    """The moment a report's figures cover (None for reports generated before it was recorded)."""
    return _dt(report.figures.get("data_as_of"))


def plain(value):
    """A typed cell as a spreadsheet value (numbers stay numbers, dates stay dates)."""
    if isinstance(value, Light):
        return str(value.label)
    if isinstance(value, Percent):
        return value.value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _dt(text):
    return datetime.datetime.fromisoformat(text) if text else None


def _d(text):
    return datetime.date.fromisoformat(text) if text else None


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _month(text, short=False):
    return date_format(_d(text), "M" if short else "M Y")


def month_labels(months):
    """Chart labels: "Jan", "Feb"... within one year, "Jan 2026"... across years."""
    one_year = len({m["month"][:4] for m in months}) <= 1
    return [(_month(m["month"], short=one_year), m["calls"]) for m in months]


# -- Structure -------------------------------------------------------------------------------------


@dataclass
class Table:
    key: str
    title: str
    headers: list
    rows: list
    widths: tuple = ()  # relative column widths in the PDF
    numeric: tuple = ()  # indexes of right-aligned columns

    def display_rows(self):
        return [
            [{"text": display(cell), "light": cell.colour if isinstance(cell, Light) else "",
              "numeric": index in self.numeric} for index, cell in enumerate(row)]
            for row in self.rows
        ]


@dataclass
class Chart:
    kind: str  # "column" (a sequence, e.g. months) or "bar" (categories)
    title: str
    items: list  # [(label, value)]

    def svg(self):
        draw = charts.column_chart if self.kind == "column" else charts.bar_chart
        return draw(self.items, title=self.title, empty_text=_("No calls in this period."))


@dataclass
class Section:
    key: str
    number: int
    title: str
    paragraphs: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    charts: list = field(default_factory=list)

    @property
    def heading(self):
        return f"{self.number}. {self.title}"


def section_titles():
    return {
        "introduction": P("Introduction"),
        "overview": P("Overview"),
        "inventory": P("Service inventory"),
        "usage": P("Log monitoring results"),
        "access": P("Access management"),
        "findings": P("Supervision findings"),
        "incidents": P("Personal data incidents"),
        "activities": P("Coaching and supervision"),
        "compliance": P("Compliance of the Perangkat Daerah"),
        "recommendations": P("Recommendations"),
        "appendix": P("Appendix"),
    }


def half_year_labels():
    return {"h1": P("First half-year"), "h2": P("Second half-year"), "year": P("Whole year")}


def _kv_table(key, title, pairs):
    return Table(key, title, [P("Item"), P("Value")], [list(pair) for pair in pairs], widths=(3, 1), numeric=(1,))


def report_sections(report):
    figures = report.figures
    rule_numbers = rules.of_figures(figures)  # the numbers the figures were computed with
    unused_days = rule_numbers["unused_days"]
    period_start, period_end = _d(figures["period_start"]), _d(figures["period_end"])
    pemda = figures["pemda"]
    titles = section_titles()
    sections = []

    def add(key, **parts):
        section = Section(key, len(sections) + 1, titles[key], **parts)
        sections.append(section)
        return section

    period_text = _("%(start)s to %(end)s") % {"start": display(period_start), "end": display(period_end)}

    # 1. Pendahuluan: legal basis, scope, method.
    add("introduction", paragraphs=[
        _("This report is prepared by %(dinas)s as the administrator of the Government Service Bus "
          "(Sistem Penghubung Layanan Pemerintah, SPLP) of %(pemda)s. The regional head regulation on the "
          "management of the SPLP obliges the administrator to monitor and evaluate, at least once a year or "
          "whenever needed, through the logs on the SPLP domain, and to evaluate the use of every connector "
          "(Pasal 9); it also sets the coaching and supervision duties this report accounts for (Pasal 8).")
        % {"dinas": pemda["dinas_name"], "pemda": pemda["name"]},
        _("Period: %(period)s. Scope: every API registered in the metadata repository, every access "
          "granted through the SPLP, and every call through the bus at %(domain)s in the period.")
        % {"period": period_text, "domain": pemda["domain"]},
        _("Method: the figures are computed from the hourly rollups of the bus' request log (calls, status "
          "codes, refusals, latency histograms, bytes), the daily health checks of the upstream services, the "
          "access workflow and its audit trail, the supervision findings and the register of coaching and "
          "supervision activities. Latency percentiles are read from a fixed histogram, so each value is the "
          "upper bound of its bucket. The figures were frozen on %(computed)s.")
        % {"computed": display(_dt(figures["computed_at"]))},
    ])

    # 2. Gambaran umum.
    overview = figures["overview"]
    add("overview", paragraphs=[
        _("The SPLP connects the applications of the Perangkat Daerah through one bus: requesters never call "
          "a publisher's API point to point, every call passes the SPLP, which checks the key and the grant "
          "and records the call in its log. The metadata repository keeps the description of every API and "
          "its operations; the service directory shows the published APIs grouped by theme. The Dinas is "
          "the administrator; the Perangkat Daerah take part as publishers (providing APIs) and requesters "
          "(using them)."),
    ], tables=[_kv_table("overview", _("Key figures"), [
        (_("Organisations (Perangkat Daerah)"), overview["organizations"]),
        (_("Publishers (organisations with a published API)"), overview["publishers"]),
        (_("Requesters (organisations that have received access)"), overview["requesters"]),
        (_("APIs registered in the metadata repository"), overview["apis_registered"]),
        (_("APIs published in the service directory"), overview["apis_published"]),
        (_("Operations of the published APIs"), overview["operations"]),
        (_("Themes of the directory"), overview["themes"]),
        (_("Themes with a published API"), overview["themes_used"]),
        (_("Connectors (grants active in the period)"), overview["connectors"]),
        (_("Connectors still active at the end of the period"), overview["connectors_active_at_end"]),
    ])])

    # 3. Inventaris layanan.
    inventory = figures["inventory"]
    api_rows = []
    for api in inventory["apis"]:
        if api["interop_passed"]:
            interop = P("Passed")
        elif api["interop_failures"]:
            interop = _("Not passed: %(checks)s") % {"checks": "; ".join(api["interop_failures"])}
        else:
            interop = P("Not passed")
        api_rows.append([
            api["name"], api["owner"], api["theme"], api["version"], _label(ApiVersionStatusChoices, api["status"]),
            _label(ClassificationChoices, api["classification"]), api["personal_data"], api["operations"], interop,
        ])
    add("inventory", paragraphs=[
        _("%(published)d of the %(registered)d registered APIs are published; %(passed)d of the published APIs "
          "pass the interoperability check (Pasal 6(5)).")
        % {"published": overview["apis_published"], "registered": overview["apis_registered"],
           "passed": inventory["interop_passed"]},
    ], tables=[
        Table("inventory_apis", _("APIs"), [
            P("API"), P("Owner"), P("Theme"), P("Version"), P("Status"), P("Classification"),
            P("Personal data"), P("Operations"), P("Interoperability"),
        ], api_rows, widths=(3, 2.5, 2, 1, 1.6, 1.4, 1.2, 1.2, 2.5), numeric=(7,)),
        Table("inventory_organizations", _("APIs per organisation"), [P("Organisation"), P("Registered"),
                                                                          P("Published")],
              [[g["name"], g["apis"], g["live"]] for g in inventory["per_organization"]], widths=(4, 1, 1),
              numeric=(1, 2)),
        Table("inventory_themes", _("APIs per theme"), [P("Theme"), P("Registered"), P("Published")],
              [[g["name"], g["apis"], g["live"]] for g in inventory["per_theme"]], widths=(4, 1, 1),
              numeric=(1, 2)),
        Table("inventory_classification", _("Classification of the published APIs"),
              [P("Classification"), P("APIs")],
              [[_label(ClassificationChoices, c), inventory["classification"].get(c, 0)]
               for c in ClassificationChoices.values], widths=(4, 1), numeric=(1,)),
    ])

    # 4. Hasil pemantauan log.
    usage = figures["usage"]
    total = usage["total"]
    if total["calls"]:
        traffic = _(
            "In the period the bus handled %(calls)s calls; %(error_rate)s of them were answered with an error "
            "(4xx or 5xx) and %(server_rate)s with a server error (5xx). Half of the calls took at most "
            "%(p50)s ms, 95%% at most %(p95)s ms and 99%% at most %(p99)s ms."
        ) % {"calls": display(total["calls"]), "error_rate": display(Percent(total["error_rate_pct"])),
             "server_rate": display(Percent(total["server_error_rate_pct"])), "p50": display(total["p50_ms"]),
             "p95": display(total["p95_ms"]), "p99": display(total["p99_ms"])}
    else:  # no rates over nothing: a sentence, not dashes
        traffic = _("In the period no call went through the bus.")
    if total["availability_pct"] is None:
        health = _("No health check of the upstream services was recorded in the period.")
    else:
        health = _("The upstream services were found up in %(availability)s of the health checks.") % {
            "availability": display(Percent(total["availability_pct"]))}
    usage_section = add("usage", paragraphs=[
        f"{traffic} {health}",
        _("Connectors: %(total)d grants were active in the period; %(dormant)d of them made no call in the "
          "period and %(unused)d have not been used for %(days)d days.")
        % {"total": usage["connectors_total"], "dormant": usage["connectors_dormant"],
           "unused": usage["connectors_unused_90_days"], "days": unused_days},
    ])
    usage_section.charts = [
        Chart("column", _("Calls per month"), month_labels(usage["months"])),
        Chart("bar", _("Calls per API"), [
            (api["api"] or _("(unknown API)"), api["calls"])
            for api in sorted(usage["per_api"], key=lambda a: -a["calls"])[:CHART_TOP]
        ]),
        Chart("bar", _("Calls per theme"), [(t["theme"], t["calls"]) for t in usage["per_theme"]]),
    ]
    usage_section.tables = [
        _kv_table("usage_summary", _("Summary"), [
            (_("Calls"), total["calls"]),
            (_("Successful (2xx)"), total["status_2xx"]),
            (_("Client errors (4xx)"), total["status_4xx"]),
            (_("Server errors (5xx)"), total["status_5xx"]),
            (_("Error rate (4xx and 5xx)"), Percent(total["error_rate_pct"])),
            (_("Server error rate (5xx)"), Percent(total["server_error_rate_pct"])),
            (_("Refused: missing or invalid key (401)"), total["refused_401"]),
            (_("Refused: not allowed (403)"), total["refused_403"]),
            (_("Refused: rate limit (429)"), total["refused_429"]),
            (_("Calls to operations not granted"), total["not_granted"]),
            (_("Calls with a revoked or expired key"), total["inactive_key"]),
            (_("Average latency (ms)"), total["latency_avg_ms"]),
            (_("Latency p50 (ms)"), total["p50_ms"]),
            (_("Latency p95 (ms)"), total["p95_ms"]),
            (_("Latency p99 (ms)"), total["p99_ms"]),
            (_("Maximum latency (ms)"), total["latency_max_ms"]),
            (_("Bytes received"), total["bytes_in"]),
            (_("Bytes sent"), total["bytes_out"]),
            (_("Health checks"), total["health_checks"]),
            (_("Availability (health checks)"), Percent(total["availability_pct"])),
        ]),
        Table("usage_months", _("Calls per month"), [P("Month"), P("Calls"), P("Errors")],
              [[_month(m["month"]), m["calls"], m["errors"]] for m in usage["months"]], widths=(2, 1, 1),
              numeric=(1, 2)),
        Table("usage_apis", _("Use per API"), [
            P("API"), P("Owner"), P("Calls"), P("Errors"), P("Error rate"), P("p50 (ms)"), P("p95 (ms)"),
            P("p99 (ms)"), P("Availability"),
        ], [[api["api"] or _("(unknown API)"), api["owner"], api["calls"], api["errors"],
             Percent(api["error_rate_pct"]), api["p50_ms"], api["p95_ms"], api["p99_ms"],
             Percent(api["availability_pct"])] for api in usage["per_api"]],
            widths=(3, 2.5, 1.2, 1.2, 1.2, 1, 1, 1, 1.3), numeric=(2, 3, 4, 5, 6, 7, 8)),
        Table("usage_themes", _("Use per theme"), [P("Theme"), P("Calls"), P("Errors"), P("Error rate"),
                                                   P("p95 (ms)")],
              [[t["theme"], t["calls"], t["errors"], Percent(t["error_rate_pct"]), t["p95_ms"]]
               for t in usage["per_theme"]], widths=(3, 1, 1, 1, 1), numeric=(1, 2, 3, 4)),
        Table("usage_organizations", _("Use per requesting organisation"), [
            P("Organisation"), P("Calls"), P("Errors"), P("Error rate"), P("Refused"),
        ], [[o["organization"] or _("(no organisation: key unknown)"), o["calls"], o["errors"],
             Percent(o["error_rate_pct"]), o["refused"]] for o in usage["per_organization"]],
            widths=(3, 1, 1, 1, 1), numeric=(1, 2, 3, 4)),
        Table("usage_connectors", _("Use of every connector"), [
            P("Requester"), P("API"), P("State"), P("Calls"), P("Errors"), P("Refused"), P("Last call"), P("Note"),
        ], [[c["organization"], c["api"], connector_state(c["state"]), c["calls"], c["errors"], c["refused"],
             _dt(c["last_call"]), connector_note(c, unused_days)] for c in usage["connectors"]],
            widths=(2.5, 2.5, 1.2, 1, 1, 1, 1.6, 2.2), numeric=(3, 4, 5)),
    ]

    # 5. Pengelolaan akses.
    access = figures["access"]
    events = access["events"]
    add("access", paragraphs=[
        _("Access follows Pasal 7: the requester applies through the SPLP, the administrator approves or "
          "rejects, and only then the publisher grants access and a key is issued."),
    ], tables=[
        _kv_table("access_summary", _("Requests, grants and keys in the period"), [
            (_("Requests submitted"), events["submit"]),
            (_("Requests approved"), events["approve"]),
            (_("Requests rejected"), events["reject"]),
            (_("Requests withdrawn"), events["withdraw"]),
            (_("Access granted"), events["grant"]),
            (_("Access revoked"), events["revoke"]),
            (_("Access expired"), events["expire"]),
            (_("Average decision time (hours)"), access["decision_time"]["avg_hours"]),
            (_("Longest decision time (hours)"), access["decision_time"]["max_hours"]),
            (_("Average time from approval to grant (hours)"), access["grant_time"]["avg_hours"]),
            (_("Longest time from approval to grant (hours)"), access["grant_time"]["max_hours"]),
            (_("Keys issued"), access["keys_issued"]),
            (_("Keys revoked (rotation included)"), access["keys_revoked"]),
            (_("Keys expired"), access["keys_expired"]),
            (_("Requests waiting for a decision (at generation)"), access["pending_decision"]),
            (_("Approved requests waiting for the grant (at generation)"), access["pending_grant"]),
        ]),
        Table("access_status", _("Current status of the requests submitted in the period"),
              [P("Status"), P("Requests")],
              [[_label(AccessRequestStatusChoices, status), count]
               for status, count in access["requests_by_status"].items()], widths=(4, 1), numeric=(1,)),
    ])

    # 6. Temuan pengawasan.
    findings = figures["findings"]
    add("findings", paragraphs=[
        _("Supervision (Pasal 8(5)b) looks for misuse in the log: repeated refused calls, rate-limit hits, "
          "calls to operations not granted, sudden spikes, grants unused for %(days)d days and calls with a "
          "revoked or expired key. %(total)d findings concern the period; %(open)d of them are not followed up "
          "yet.")
        % {"total": findings["total"], "open": findings["open"], "days": unused_days},
    ], tables=[
        Table("findings_kinds", _("Findings per kind"), [P("Kind"), P("Findings"), P("Open"), P("Followed up"),
                                                         P("Events")],
              [[_label(FindingKindChoices, kind), g["open"] + g["followed_up"], g["open"], g["followed_up"],
                g["count"]] for kind, g in sorted(findings["by_kind"].items())],
              widths=(4, 1, 1, 1, 1), numeric=(1, 2, 3, 4)),
        Table("findings", _("Findings"), [
            P("Kind"), P("Organisation"), P("API"), P("From"), P("To"), P("Events"), P("Status"), P("Follow-up"),
        ], [[_label(FindingKindChoices, f["kind"]), f["organization"], f["api"], _dt(f["period_start"]),
             _dt(f["period_end"]), f["count"], _label(FindingStatusChoices, f["status"]), f["follow_up_note"]]
            for f in findings["rows"]], widths=(2.5, 2, 2, 1.5, 1.5, 1, 1.3, 2.5), numeric=(5,)),
    ])

    # 7. Insiden data pribadi (UU 27/2022 Pasal 46); figures frozen before the register existed have none.
    incidents = figures.get("incidents")
    if incidents is not None:
        add("incidents", paragraphs=[incidents_summary(incidents)], tables=[
            Table("incidents", _("Incidents found in the period"), [
                P("Found"), P("Incident"), P("APIs"), P("Organisations"), P("Notification deadline"),
                P("Notified"), P("Notification"),
            ], [[_dt(i["found_at"]), i["summary"], ", ".join(i["apis"]), ", ".join(i["organizations"]),
                 _dt(i["deadline"]), _dt(i["notified_at"]), incident_state(i["clock"])]
                for i in incidents["rows"]], widths=(1.6, 3, 2, 2, 1.6, 1.6, 1.6)),
        ])

    # 8. Pembinaan dan pengawasan.
    activities = figures["activities"]
    status_rows = []
    period_names = half_year_labels()
    for year in activities["years"]:
        for key in ("h1", "h2", "year"):
            period = year["periods"][key]
            for category, status in period["categories"].items():
                status_rows.append([f"{year['year']} – {period_names[key]}", rules.category_label(category),
                                    status["count"], status["target"], Light(status["light"])])
    add("activities", paragraphs=[
        _("Pasal 8 asks the Dinas for coaching (socialisation and training) and supervision, and Pasal 9 for "
          "monitoring and evaluation, each a minimum number of times a year. The minimums in force are "
          "%(pembinaan)d coaching and %(pengawasan)d supervision activities a year and, for monitoring and "
          "evaluation, %(monev)s: this report is that evidence. The table compares the activities recorded in "
          "the register with these minimums.")
        % {"pembinaan": rule_numbers["pembinaan_per_year"], "pengawasan": rule_numbers["pengawasan_per_year"],
           "monev": MonevPartsChoices(rule_numbers["monev_per_year"]).label.lower()},
    ], tables=[
        Table("activities_status", _("Activities against the minimum"), [
            P("Period"), P("Activity"), P("Recorded"), P("Minimum"), P("Status"),
        ], status_rows, widths=(2.5, 2, 1, 1, 1.3), numeric=(2, 3)),
        Table("activities", _("Activities in the period"), [P("Date"), P("Kind"), P("Title"), P("Organisations")],
              [[_d(a["date"]), _label(ActivityKindChoices, a["kind"]), a["title"], a["organizations"]]
               for a in activities["rows"]], widths=(1.2, 2, 4, 1.2), numeric=(3,)),
    ])

    # 9. Kepatuhan Perangkat Daerah.
    compliance = figures["compliance"]
    add("compliance", paragraphs=[
        _("Every Perangkat Daerah must provide APIs for its service applications integrated with the SPLP "
          "(Pasal 6(3)). %(with)d of the %(total)d organisations have a published API; %(without)d do not yet.")
        % {"with": compliance["with_api"], "total": compliance["organizations"],
           "without": len(compliance["without_api"])},
    ], tables=[
        Table("compliance", _("Organisations without a published API"), [
            P("Organisation"), P("Code"), P("Kind"), P("APIs registered, not published"),
        ], [[o["name"], o["code"], _label(OrganizationKindChoices, o["kind"]), o["registered_apis"]]
            for o in compliance["without_api"]], widths=(4, 1.5, 2, 1.5), numeric=(3,)),
    ])

    # 10. Rekomendasi: the text the Dinas edits while the report is a draft.
    lines = [line.strip() for line in report.recommendations.splitlines() if line.strip()]
    add("recommendations", paragraphs=lines or [_("No recommendations.")])

    # 11. Lampiran.
    add("appendix", tables=[
        Table("appendix_apis", _("A. List of APIs"), [
            P("API"), P("Slug"), P("Owner"), P("Theme"), P("Version"), P("Status"), P("Published"), P("Operations"),
        ], [[a["name"], a["slug"], a["owner"], a["theme"], a["version"], _label(ApiVersionStatusChoices, a["status"]),
             _dt(a["published_at"]), a["operations"]] for a in inventory["apis"]],
            widths=(3, 2, 2.5, 2, 1, 1.5, 1.6, 1.2), numeric=(7,)),
        Table("appendix_connectors", _("B. List of connectors"), [
            P("Grant"), P("Requester"), P("API"), P("Version"), P("Granted"), P("Valid until"), P("Revoked"),
            P("State"), P("Calls"), P("Errors"),
        ], [[c["grant_id"], c["organization"], c["api"], c["version"], _dt(c["granted_at"]), _dt(c["expires_at"]),
             _dt(c["revoked_at"]), connector_state(c["state"]), c["calls"], c["errors"]]
            for c in usage["connectors"]], widths=(0.8, 2.2, 2.2, 0.9, 1.5, 1.5, 1.5, 1.1, 1, 1),
            numeric=(0, 8, 9)),
    ])
    return sections


def incidents_summary(incidents):
    if not incidents["total"]:
        return _("No personal data incident was recorded in the period. UU 27/2022 on personal data protection "
                 "(Pasal 46) requires written notice to the data subjects and the authority within 3 x 24 hours "
                 "of finding a failure of personal data protection.")
    return _("%(total)d personal data incidents were recorded in the period. UU 27/2022 on personal data "
             "protection (Pasal 46) requires written notice to the data subjects and the authority within 3 x 24 "
             "hours of finding them: %(on_time)d were notified on time, %(late)d late, and %(not_notified)d were "
             "not notified yet when the report was generated (%(overdue)d of them past the deadline).") % incidents


def incident_state(state):
    return {"on_time": P("On time"), "late": P("Late"), "running": P("Not notified yet, within the deadline"),
            "overdue": P("Not notified, deadline passed")}.get(state, state)


def connector_state(state):
    return {"active": P("Active"), "revoked": P("Revoked"), "expired": P("Expired")}.get(state, state)


def connector_note(connector, unused_days):
    if connector["unused_90_days"]:
        return _("Unused for %(days)d days: consider revoking") % {"days": unused_days}
    if connector["dormant"]:
        return _("No call in the period")
    return ""


def report_status(report):
    return _label(ReportStatusChoices, report.status)


def filename(report, extension):
    return f"laporan-monev-splp-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}-{report.pk}.{extension}"


# -- PDF (reportlab) -------------------------------------------------------------------------------


def _pdf_chart(chart, width):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    items = chart.items
    if not any(value for _label, value in items):  # nothing to draw: say so, not an axis of zeros
        drawing = Drawing(width, 34)
        drawing.add(String(0, 22, chart.title, fontName="Helvetica-Bold", fontSize=9))
        drawing.add(String(0, 6, _("No calls in this period."), fontName="Helvetica", fontSize=8.5,
                           fillColor=colors.HexColor("#5f6c7b")))
        return drawing
    labels = [str(label)[:28] for label, _value in items]
    values = [value or 0 for _label, value in items]
    if chart.kind == "column":
        height = 190
        drawing = Drawing(width, height)
        plot = VerticalBarChart()
        plot.x, plot.y, plot.width, plot.height = 45, 35, width - 60, height - 60
        crowded = max(len(label) for label in labels) * 4 > plot.width / len(items)
        plot.categoryAxis.labels.angle = 45 if crowded else 0
        plot.categoryAxis.labels.boxAnchor = "ne" if crowded else "n"
    else:
        height = max(80, 18 * len(items) + 50)
        drawing = Drawing(width, height)
        plot = HorizontalBarChart()
        plot.x, plot.y, plot.width, plot.height = 150, 20, width - 170, height - 45
        labels, values = labels[::-1], values[::-1]  # the largest at the top
    plot.data = [values]
    plot.categoryAxis.categoryNames = labels
    plot.categoryAxis.labels.fontSize = 7
    plot.valueAxis.labels.fontSize = 7
    plot.valueAxis.valueMin = 0
    plot.valueAxis.valueMax = max(values + [1]) * 1.1
    plot.valueAxis.labelTextFormat = lambda value: display(int(value))
    plot.bars[0].fillColor = colors.HexColor("#1f7a8c" if chart.kind == "bar" else "#12355b")
    drawing.add(plot)
    drawing.add(String(0, height - 12, chart.title, fontName="Helvetica-Bold", fontSize=9))
    return drawing


def render_pdf(report):
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table as PdfTable, TableStyle,
    )

    sections = report_sections(report)
    figures = report.figures
    pemda = figures["pemda"]
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=13)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9)
    head_cell = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold", textColor=colors.white)
    num_cell = ParagraphStyle("num", parent=cell, alignment=2)
    title_style = ParagraphStyle("title", parent=styles["Title"], fontSize=20, leading=26, alignment=TA_CENTER)
    table_title = ParagraphStyle("table-title", parent=styles["Heading4"], spaceBefore=8, keepWithNext=1)
    heading = ParagraphStyle("section", parent=styles["Heading1"], fontSize=15, leading=19, keepWithNext=1)
    centre = ParagraphStyle("centre", parent=body, alignment=TA_CENTER, fontSize=11, leading=16)

    def para(text, style=body):
        return Paragraph(xml_escape(str(text)), style)

    buffer = io.BytesIO()
    margin = 1.8 * cm
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
        title=report.title, author=pemda["dinas_name"], subject=_("SPLP monitoring and evaluation report"),
    )
    width = A4[0] - 2 * margin
    footer = f"{report.title} – {report_status(report)}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#5f6c7b"))
        canvas.drawString(margin, 1.0 * cm, footer[:120])
        canvas.drawRightString(A4[0] - margin, 1.0 * cm, _("Page %(number)d") % {"number": doc.page})
        canvas.restoreState()

    story = [
        Spacer(1, 5 * cm),
        para(report.title, title_style),  # the title names the report already: once on the cover
        Spacer(1, 1.5 * cm),
        para(pemda["name"], centre),
        para(pemda["dinas_name"], centre),
        Spacer(1, 0.8 * cm),
        para(_("Period: %(start)s to %(end)s") % {"start": display(report.period_start),
                                                  "end": display(report.period_end)}, centre),
        para(_("Status: %(status)s") % {"status": report_status(report)}, centre),
        para(_("Generated on %(time)s") % {"time": display(report.generated_at)}, centre),
    ]
    if report_data_as_of(report):
        story.append(para(data_as_of(report_data_as_of(report)), centre))
    if report.finalised_at:
        story.append(para(_("Finalised on %(time)s") % {"time": display(report.finalised_at)}, centre))
    story.append(PageBreak())

    grid = TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#12355b")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b9c4d0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")]),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ])
    for section in sections:
        story.append(para(section.heading, heading))
        for text in section.paragraphs:
            story.append(para(text))
        for chart in section.charts[:3]:
            story.append(Spacer(1, 0.3 * cm))
            story.append(_pdf_chart(chart, width))
        for table in section.tables:
            weights = table.widths or (1,) * len(table.headers)
            col_widths = [width * w / sum(weights) for w in weights]
            data = [[para(h, head_cell) for h in table.headers]]
            for row in table.rows:
                data.append([para(display(value), num_cell if i in table.numeric else cell)
                             for i, value in enumerate(row)])
            if not table.rows:
                data.append([para(_("None."), cell)] + [""] * (len(table.headers) - 1))
            pdf_table = PdfTable(data, colWidths=col_widths, repeatRows=1)
            pdf_table.setStyle(grid)
            story.append(para(table.title, table_title))
            story.append(pdf_table)
        story.append(Spacer(1, 0.5 * cm))
    document.build(story, onFirstPage=lambda c, d: None, onLaterPages=on_page)
    return buffer.getvalue()


# -- XLSX (openpyxl) -------------------------------------------------------------------------------

_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
# A header further down would freeze a screenful of paragraphs above it: those sheets scroll whole.
FREEZE_WITHIN_ROWS = 8


def _sheet_title(text, used):
    title = str(text).translate(_SHEET_FORBIDDEN).strip()[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def _xlsx_cell(sheet, row, column, value, font=None):
    percent = isinstance(value, Percent) and value.value is not None
    value = display(value) if isinstance(value, bool) else plain(value)  # Ya/Tidak, not TRUE/FALSE
    cell = sheet.cell(row=row, column=column)
    cell.value = value / 100 if percent else value
    if percent:
        cell.number_format = "0.00%"
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever a name starts with
    elif isinstance(value, datetime.datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, datetime.date):
        cell.number_format = "DD/MM/YYYY"
    if font is not None:
        cell.font = font
    return cell


def render_xlsx(report):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="12355B")
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for section in report_sections(report):
        sheet = workbook.create_sheet(_sheet_title(section.title, used))
        _xlsx_cell(sheet, 1, 1, section.heading, Font(bold=True, size=14))
        row = 2
        if section.key == "introduction":
            for label, value in (
                (P("Title"), report.title), (P("Status"), report_status(report)),
                (P("Period start"), report.period_start), (P("Period end"), report.period_end),
                (P("Generated"), report.generated_at),
                (P("Data up to"), local_moment(report_data_as_of(report)) if report_data_as_of(report) else None),
            ):
                _xlsx_cell(sheet, row, 1, label, bold)
                _xlsx_cell(sheet, row, 2, value)
                row += 1
        for text in section.paragraphs:
            cell = _xlsx_cell(sheet, row, 1, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        widths = {1: 40}
        for table in section.tables:
            row += 1
            _xlsx_cell(sheet, row, 1, table.title, bold)
            row += 1
            if sheet.freeze_panes is None and row <= FREEZE_WITHIN_ROWS:
                sheet.freeze_panes = sheet.cell(row=row + 1, column=1)  # the first table's header stays in view
            for column, header in enumerate(table.headers, start=1):
                cell = _xlsx_cell(sheet, row, column, header, head_font)
                cell.fill = head_fill
                widths[column] = max(widths.get(column, 10), min(len(str(header)) + 2, 40))
            row += 1
            for values in table.rows:
                for column, value in enumerate(values, start=1):
                    _xlsx_cell(sheet, row, column, value)
                    widths[column] = max(widths.get(column, 10), min(len(display(value)) + 2, 50))
                row += 1
        for column, width in widths.items():
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- CSV -------------------------------------------------------------------------------------------


def _csv_safe(value):
    """Spreadsheet programs run a cell starting with = + - @ as a formula: quote it (CSV injection)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return display(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return number_format(value, use_l10n=True)  # a decimal comma, no grouping: Indonesian spreadsheets
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def render_csv(report):
    """The API, connector and personal data incident tables in one file, told apart by the first column; for
    spreadsheet programs set to Indonesian: semicolons, decimal commas, dd/mm/yyyy, UTF-8 with a BOM."""
    figures = report.figures
    availability = {api["api_id"]: api for api in figures["usage"]["per_api"]}
    headers = [
        P("section"), P("API"), P("API slug"), P("organisation"), P("theme"), P("status"), P("classification"),
        P("interoperability"), P("granted"), P("valid until"), P("revoked"), P("calls"), P("errors"),
        P("error rate (%)"), P("p95 (ms)"), P("availability (%)"), P("last call"), P("incident"),
        P("found"), P("notification deadline"), P("notified"),
    ]
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";")
    writer.writerow(headers)
    for api in figures["inventory"]["apis"]:
        use = availability.get(api["id"], {})
        writer.writerow([_csv_safe(v) for v in (
            P("API"), api["name"], api["slug"], api["owner"], api["theme"], _label(ApiVersionStatusChoices, api["status"]),
            _label(ClassificationChoices, api["classification"]),
            P("Passed") if api["interop_passed"] else P("Not passed"), None, None, None,
            use.get("calls", 0), use.get("errors", 0), use.get("error_rate_pct"), use.get("p95_ms"),
            use.get("availability_pct"), None, None, None, None, None,
        )])
    for connector in figures["usage"]["connectors"]:
        writer.writerow([_csv_safe(v) for v in (
            P("Connector"), connector["api"], connector["api_slug"], connector["organization"], connector["theme"],
            connector_state(connector["state"]), None, None, _dt(connector["granted_at"]),
            _dt(connector["expires_at"]), _dt(connector["revoked_at"]), connector["calls"], connector["errors"],
            connector["error_rate_pct"], None, None, _dt(connector["last_call"]), None, None, None, None,
        )])
    for incident in figures.get("incidents", {}).get("rows", []):
        writer.writerow([_csv_safe(v) for v in (
            P("Incident"), ", ".join(incident["apis"]), None, ", ".join(incident["organizations"]), None,
            incident_state(incident["clock"]), None, None, None, None, None, None, None, None, None, None, None,
            incident["summary"], _dt(incident["found_at"]), _dt(incident["deadline"]), _dt(incident["notified_at"]),
        )])
    return "\ufeff" + output.getvalue()  # the BOM makes spreadsheet programs read UTF-8
