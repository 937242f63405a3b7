"""The report as a reader sees it: numbered sections of paragraphs, tables and charts, built once from the
frozen figures. This is the single place that decides what each section says; the HTML page and the PDF, XLSX
and CSV renderers only lay it out, so the page and the downloads always agree.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from access.choices import AccessRequestStatusChoices
from directory.choices import ApiVersionStatusChoices, ClassificationChoices, OrganizationKindChoices

from .. import charts, rules
from ..models import (
    ActivityKindChoices,
    FindingKindChoices,
    FindingStatusChoices,
    MonevPartsChoices,
    RecommendationStatusChoices,
)
from . import narrative
from .formatting import (
    Light,
    P,
    Percent,
    as_date,
    as_datetime,
    choice_label,
    connector_state,
    display,
    incident_state,
    local_moment,
    month_label,
    month_labels,
)

CHART_TOP = 15  # bars in the per-API chart
ANCHORS_KEY = "log_anchors"  # figures[ANCHORS_KEY]: the request-log heads anchored in the period, frozen when final


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

    def html(self):
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
        "follow_up": P("Follow-up of the recommendations"),
        "overview": P("Overview"),
        "inventory": P("Service inventory"),
        "usage": P("Log monitoring results"),
        "access": P("Access management"),
        "findings": P("Supervision findings"),
        "incidents": P("Personal data incidents"),
        "activities": P("Coaching and supervision"),
        "compliance": P("Compliance of the Perangkat Daerah"),
        "conclusion": P("Conclusion"),
        "recommendations": P("Recommendations"),
        "appendix": P("Appendix"),
    }


def half_year_labels():
    return {"h1": P("First half-year"), "h2": P("Second half-year"), "year": P("Whole year")}


def _kv_table(key, title, pairs):
    return Table(key, title, [P("Item"), P("Value")], [list(pair) for pair in pairs], widths=(3, 1), numeric=(1,))


def _paragraphs(text):
    """The Dinas' text as paragraphs: a blank line separates them."""
    return [" ".join(line.strip() for line in block.splitlines()) for block in text.split("\n\n") if block.strip()]


def _introduction(report, figures):
    """The Dinas' pendahuluan (the generated one for a report stored without it), then the method."""
    return dict(paragraphs=[
        *_paragraphs(report.introduction or narrative.introduction_text(figures)),
        _("Method: the figures are computed from the hourly rollups of the bus' request log (calls, status "
          "codes, refusals, latency histograms, bytes), the daily health checks of the upstream services, the "
          "access workflow and its audit trail, the supervision findings and the register of coaching and "
          "supervision activities. Latency percentiles are read from a fixed histogram, so each value is the "
          "upper bound of its bucket. The figures were frozen on %(computed)s.")
        % {"computed": display(as_datetime(figures["computed_at"]))},
    ])


def _follow_up(report, figures):
    """The previous final report's recommendations and their follow-up as known at generation (no previous
    report: no section)."""
    previous = figures.get("previous_recommendations")
    if not previous:
        return None
    names = {"title": previous["title"], "period": _("%(start)s to %(end)s") % {
        "start": display(as_date(previous["period_start"])), "end": display(as_date(previous["period_end"]))}}
    if not previous["items"]:
        return dict(paragraphs=[
            P("The previous report, “%(title)s” (%(period)s), had no recommendation to follow up.") % names])
    return dict(paragraphs=[
        P("The recommendations of the previous report, “%(title)s” (%(period)s), and their follow-up as recorded "
          "on %(moment)s.") % {**names, "moment": local_moment(as_datetime(previous["as_of"]))},
    ], tables=[
        Table("follow_up", P("Follow-up of the previous recommendations"), [
            P("No."), P("Recommendation"), P("Responsible"), P("Due date"), P("Status"), P("Follow-up"),
        ], [[item["position"], item["text"], item["owner"], as_date(item["due_date"]),
             choice_label(RecommendationStatusChoices, item["status"]), item["note"]]
            for item in previous["items"]], widths=(0.6, 5, 2.2, 1.3, 1.3, 3.5), numeric=(0,)),
    ])


def _overview(report, figures):
    overview = figures["overview"]
    return dict(paragraphs=[
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


def _inventory(report, figures):
    overview = figures["overview"]
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
            api["name"], api["owner"], api["theme"], api["version"],
            choice_label(ApiVersionStatusChoices, api["status"]),
            choice_label(ClassificationChoices, api["classification"]), api["personal_data"], api["operations"],
            interop,
        ])
    return dict(paragraphs=[
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
              [[choice_label(ClassificationChoices, c), inventory["classification"].get(c, 0)]
               for c in ClassificationChoices.values], widths=(4, 1), numeric=(1,)),
    ])


def _usage(report, figures):
    unused_days = rules.of_figures(figures)["unused_days"]  # the number the figures were computed with
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
    paragraphs = [
        f"{traffic} {health}",
        _("Connectors: %(total)d grants were active in the period; %(dormant)d of them made no call in the "
          "period and %(unused)d have not been used for %(days)d days.")
        % {"total": usage["connectors_total"], "dormant": usage["connectors_dormant"],
           "unused": usage["connectors_unused_90_days"], "days": unused_days},
    ]
    usage_charts = [
        Chart("column", _("Calls per month"), month_labels(usage["months"])),
        Chart("bar", _("Calls per API"), [
            (api["api"] or _("(unknown API)"), api["calls"])
            for api in sorted(usage["per_api"], key=lambda a: -a["calls"])[:CHART_TOP]
        ]),
        Chart("bar", _("Calls per theme"), [(t["theme"], t["calls"]) for t in usage["per_theme"]]),
    ]
    return dict(paragraphs=paragraphs, charts=usage_charts, tables=_usage_tables(usage, unused_days))


def _usage_tables(usage, unused_days):
    total = usage["total"]
    return [
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
              [[month_label(m["month"]), m["calls"], m["errors"]] for m in usage["months"]], widths=(2, 1, 1),
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
             as_datetime(c["last_call"]), connector_note(c, unused_days)] for c in usage["connectors"]],
            widths=(2.5, 2.5, 1.2, 1, 1, 1, 1.6, 2.2), numeric=(3, 4, 5)),
    ]


def _access(report, figures):
    access = figures["access"]
    events = access["events"]
    return dict(paragraphs=[
        _("Access follows Pasal 7: the requester applies through the SPLP, the administrator approves or "
          "rejects, and only then the publisher grants access and a key is issued."),
        _("A decision time runs from a request's submission, or its resubmission after changes, to the "
          "administrator's answer: an approval, a rejection or a return for changes."),
    ], tables=[
        _kv_table("access_summary", _("Requests, grants and keys in the period"), [
            (_("Requests submitted"), events["submit"]),
            # Reports frozen before requests could be returned for changes have neither figure: none happened.
            (_("Requests returned to the requester for changes"), events.get("request_changes", 0)),
            (_("Requests submitted again after changes"), access.get("requests_resubmitted", 0)),
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
              [[choice_label(AccessRequestStatusChoices, status), count]
               for status, count in access["requests_by_status"].items()], widths=(4, 1), numeric=(1,)),
    ])


def _findings(report, figures):
    unused_days = rules.of_figures(figures)["unused_days"]  # the number the figures were computed with
    findings = figures["findings"]
    return dict(paragraphs=[
        _("Supervision (Pasal 8(5)b) looks for misuse in the log: repeated refused calls, rate-limit hits, "
          "calls to operations not granted, sudden spikes, grants unused for %(days)d days and calls with a "
          "revoked or expired key. %(total)d findings concern the period; %(open)d of them are not followed up "
          "yet.")
        % {"total": findings["total"], "open": findings["open"], "days": unused_days},
    ], tables=[
        Table("findings_kinds", _("Findings per kind"), [P("Kind"), P("Findings"), P("Open"), P("Followed up"),
                                                         P("Events")],
              [[choice_label(FindingKindChoices, kind), g["open"] + g["followed_up"], g["open"], g["followed_up"],
                g["count"]] for kind, g in sorted(findings["by_kind"].items())],
              widths=(4, 1, 1, 1, 1), numeric=(1, 2, 3, 4)),
        Table("findings", _("Findings"), [
            P("Kind"), P("Organisation"), P("API"), P("From"), P("To"), P("Events"), P("Status"), P("Follow-up"),
        ], [[choice_label(FindingKindChoices, f["kind"]), f["organization"], f["api"],
             as_datetime(f["period_start"]), as_datetime(f["period_end"]), f["count"],
             choice_label(FindingStatusChoices, f["status"]), f["follow_up_note"]]
            for f in findings["rows"]], widths=(2.5, 2, 2, 1.5, 1.5, 1, 1.3, 2.5), numeric=(5,)),
    ])


def _incidents(report, figures):
    """UU 27/2022 Pasal 46; figures frozen before the register existed have none: no section."""
    incidents = figures.get("incidents")
    if incidents is None:
        return None
    return dict(paragraphs=[incidents_summary(incidents)], tables=[
        Table("incidents", _("Incidents found in the period"), [
            P("Found"), P("Incident"), P("APIs"), P("Organisations"), P("Notification deadline"),
            P("Notified"), P("Notification"),
        ], [[as_datetime(i["found_at"]), i["summary"], ", ".join(i["apis"]), ", ".join(i["organizations"]),
             as_datetime(i["deadline"]), as_datetime(i["notified_at"]), incident_state(i["clock"])]
            for i in incidents["rows"]], widths=(1.6, 3, 2, 2, 1.6, 1.6, 1.6)),
    ])


def _activities(report, figures):
    rule_numbers = rules.of_figures(figures)  # the numbers the figures were computed with
    activities = figures["activities"]
    status_rows = []
    period_names = half_year_labels()
    for year in activities["years"]:
        for key in ("h1", "h2", "year"):
            period = year["periods"][key]
            for category, status in period["categories"].items():
                status_rows.append([f"{year['year']} – {period_names[key]}", rules.category_label(category),
                                    status["count"], status["target"], Light(status["light"])])
    return dict(paragraphs=[
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
              [[as_date(a["date"]), choice_label(ActivityKindChoices, a["kind"]), a["title"], a["organizations"]]
               for a in activities["rows"]], widths=(1.2, 2, 4, 1.2), numeric=(3,)),
    ])


def _compliance(report, figures):
    compliance = figures["compliance"]
    return dict(paragraphs=[
        _("Every Perangkat Daerah must provide APIs for its service applications integrated with the SPLP "
          "(Pasal 6(3)). %(with)d of the %(total)d organisations have a published API; %(without)d do not yet.")
        % {"with": compliance["with_api"], "total": compliance["organizations"],
           "without": len(compliance["without_api"])},
    ], tables=[
        Table("compliance", _("Organisations without a published API"), [
            P("Organisation"), P("Code"), P("Kind"), P("APIs registered, not published"),
        ], [[o["name"], o["code"], choice_label(OrganizationKindChoices, o["kind"]), o["registered_apis"]]
            for o in compliance["without_api"]], widths=(4, 1.5, 2, 1.5), numeric=(3,)),
    ])


def _conclusion(report, figures):
    """The Dinas' kesimpulan (the generated one for a report stored without it)."""
    return dict(paragraphs=_paragraphs(report.conclusion or narrative.conclusion_text(figures)))


def _recommendations(report, figures):
    """The text the Dinas edits while the report is a draft."""
    lines = [line.strip() for line in report.recommendations.splitlines() if line.strip()]
    return dict(paragraphs=lines or [_("No recommendations.")])


def _appendix(report, figures):
    inventory, usage = figures["inventory"], figures["usage"]
    return dict(tables=[
        Table("appendix_apis", _("A. List of APIs"), [
            P("API"), P("Slug"), P("Owner"), P("Theme"), P("Version"), P("Status"), P("Published"), P("Operations"),
        ], [[a["name"], a["slug"], a["owner"], a["theme"], a["version"],
             choice_label(ApiVersionStatusChoices, a["status"]), as_datetime(a["published_at"]), a["operations"]]
            for a in inventory["apis"]],
            widths=(3, 2, 2.5, 2, 1, 1.5, 1.6, 1.2), numeric=(7,)),
        Table("appendix_connectors", _("B. List of connectors"), [
            P("Grant"), P("Requester"), P("API"), P("Version"), P("Granted"), P("Valid until"), P("Revoked"),
            P("State"), P("Calls"), P("Errors"),
        ], [[c["grant_id"], c["organization"], c["api"], c["version"], as_datetime(c["granted_at"]),
             as_datetime(c["expires_at"]), as_datetime(c["revoked_at"]), connector_state(c["state"]), c["calls"],
             c["errors"]]
            for c in usage["connectors"]], widths=(0.8, 2.2, 2.2, 0.9, 1.5, 1.5, 1.5, 1.1, 1, 1),
            numeric=(0, 8, 9)),
        *_anchor_tables(figures),
    ])


def _anchor_tables(figures):
    """The request-log chain heads anchored outside the database in the period, frozen when the report was
    finalised (a draft has none): signed with the report, they pin the log it was computed from."""
    if ANCHORS_KEY not in figures:
        return []
    return [Table("appendix_log_anchors", P("C. Request-log chain heads anchored in the period"), [
        P("Date"), P("Batch"), P("Rows chained"), P("Hash (SHA-256)"),
    ], [[as_date(a["date"]), a["batch"], a["rows"], " ".join(a["hash"][i:i + 16] for i in range(0, 64, 16))]
        for a in figures[ANCHORS_KEY]], widths=(1.2, 0.8, 1.2, 5), numeric=(1, 2))]


# In the order of the report; a builder returning None leaves its section out (the numbers follow on).
BUILDERS = (
    ("introduction", _introduction), ("follow_up", _follow_up), ("overview", _overview), ("inventory", _inventory),
    ("usage", _usage), ("access", _access), ("findings", _findings), ("incidents", _incidents),
    ("activities", _activities), ("compliance", _compliance), ("conclusion", _conclusion),
    ("recommendations", _recommendations), ("appendix", _appendix),
)


def report_sections(report):
    titles = section_titles()
    sections = []
    for key, build in BUILDERS:
        parts = build(report, report.figures)
        if parts is not None:
            sections.append(Section(key, len(sections) + 1, titles[key], **parts))
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


def connector_note(connector, unused_days):
    if connector["unused_90_days"]:
        return _("Unused for %(days)d days: consider revoking") % {"days": unused_days}
    if connector["dormant"]:
        return _("No call in the period")
    return ""
