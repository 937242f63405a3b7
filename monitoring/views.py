"""Pages of the Dinas: the monitoring dashboard, the system status and the Monev report (HTML and its
downloads), for administrators only (anonymous visitors go to the login page, everyone else gets the 403
page); and in the portal, the usage of an API for its publisher, and an organisation's own call log and Monev
recommendations for its operators.
"""

import datetime
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from access.choices import WAITING_FOR_ADMINISTRATOR, AccessRequestStatusChoices
from access.gateway import BUS_ERRORS
from access.models import AccessRequest
from directory.choices import ApiVersionStatusChoices
from directory.models import ApiService, ApiVersion, Organization
from directory.portal import PortalRoles, portal_page
from directory.selectors import is_administrator, services_managed_by
from splp.portal import keyset_page, paginate
from splp.timezones import zone_abbreviation

from . import charts, rollups, ropa, rules, selectors
from .forms import CallLogFilterForm, IdentifierLookupForm
from .models import Finding, FindingStatusChoices, MonevReport, ReportStatusChoices
from .monev.csvfile import render_csv
from .monev.docx import render_docx
from .monev.formatting import Light, Percent, display, filename, month_labels, report_data_as_of, report_status
from .monev.pdf import render_pdf
from .monev.periods import period_bounds, year_period
from .monev.sections import half_year_labels, report_sections
from .monev.usage import percent, usage_by_month
from .monev.xlsx import render_xlsx
from .services import request_log_lookup_identifier
from .status import system_status
from .usage import consumers_daily, usage_daily

TOP_APIS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def administrator_page(view):
    """Sign-in required; then Dinas administrators only (the 403 page for anyone else)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.portal_roles = PortalRoles.of(request.user)
        if not is_administrator(request.user):
            return render(request, "403.html", {"reason": _("This page is for the Dinas administrators.")},
                          status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _admin_url(name, query="", args=None):
    try:
        return reverse(f"admin:{name}", args=args) + query
    except NoReverseMatch:
        return ""


@administrator_page
def report_detail(request, pk):
    report = get_object_or_404(MonevReport.objects.select_related("generated_by", "finalised_by"), pk=pk)
    sections = report_sections(report)
    for section in sections:
        section.chart_html = [chart.html() for chart in section.charts]
    return render(request, "monitoring/report.html", {
        "report": report,
        "sections": sections,
        "status_label": report_status(report),
        "data_as_of": report_data_as_of(report),
        "is_draft": report.status == ReportStatusChoices.DRAFT,
        "admin_url": _admin_url("monitoring_monevreport_change", args=[report.pk]),
    })


def _download(content, content_type, report, extension):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename(report, extension))
    return response


@administrator_page
def report_pdf(request, pk):
    report = get_object_or_404(MonevReport, pk=pk)
    if report.signed_pdf:  # the document signed at finalising (a final report's figures never change)
        with report.signed_pdf.open("rb") as signed:
            return _download(signed.read(), "application/pdf", report, "pdf")
    return _download(render_pdf(report), "application/pdf", report, "pdf")


@administrator_page
def report_docx(request, pk):
    report = get_object_or_404(MonevReport, pk=pk)
    return _download(render_docx(report), DOCX, report, "docx")


@administrator_page
def report_xlsx(request, pk):
    report = get_object_or_404(MonevReport, pk=pk)
    return _download(render_xlsx(report), XLSX, report, "xlsx")


@administrator_page
def report_csv(request, pk):
    report = get_object_or_404(MonevReport, pk=pk)
    return _download(render_csv(report), "text/csv; charset=utf-8", report, "csv")


@administrator_page
def ropa_download(request, fmt):
    """The record of processing of personal data (UU 27/2022), as XLSX or CSV; every export is audited."""
    content, name = ropa.ropa_export(actor=request.user, fmt=fmt)
    response = HttpResponse(content, content_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


LOOKUP_PAGE_SIZE = 50


@administrator_page
def identifier_lookup(request):
    """Which calls carried an identifier (UU 27/2022: the log keeps only its hash). POST, so the value never
    sits in a URL, and with it in the access logs of the proxy and the server; each page is a new, audited
    lookup."""
    page_obj = None
    if request.method == "POST":
        form = IdentifierLookupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                calls = request_log_lookup_identifier(
                    actor=request.user, value=data["value"], date_from=data["date_from"], date_to=data["date_to"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                page_obj = Paginator(calls, LOOKUP_PAGE_SIZE).get_page(data["halaman"])
    else:
        today = timezone.localdate()
        form = IdentifierLookupForm(initial={"date_from": today - datetime.timedelta(days=30), "date_to": today})
    return render(request, "monitoring/identifier_lookup.html", {"form": form, "page_obj": page_obj})


@administrator_page
def status(request):
    return render(request, "monitoring/status.html", {"items": system_status().values(), "now": timezone.now()})


@administrator_page
def dashboard(request):
    today = timezone.localdate()
    year = today.year
    year_start, year_end = year_period(year)
    start, end = period_bounds(year_start, year_end)

    # Rolled-up hours plus the calls drained since the last rollup: the current hour counts at once.
    data_as_of = timezone.now()
    live_from = rollups.live_since(now=data_as_of)
    by_service = {row.pop("service_id"): row
                  for row in rollups.usage_by(start=start, end=end, fields=("service_id",),
                                                   live_from=live_from)}
    services = {s.pk: s for s in ApiService.objects.select_related("theme", "owner")}
    themes = {}
    for service_id, counters in by_service.items():
        service = services.get(service_id)
        name = service.theme.name if service else _("(unknown API)")
        theme = themes.setdefault(name, {"theme": name, "calls": 0, "errors": 0})
        theme["calls"] += counters["calls"]
        theme["errors"] += counters["status_4xx"] + counters["status_5xx"]
    theme_rows = sorted(themes.values(), key=lambda t: (-t["calls"], t["theme"]))
    for theme in theme_rows:
        theme["error_rate"] = display(Percent(percent(theme["errors"], theme["calls"])))
        theme["calls_text"], theme["errors_text"] = display(theme["calls"]), display(theme["errors"])
    top_apis = []
    for service_id, counters in sorted(by_service.items(), key=lambda item: -item[1]["calls"])[:TOP_APIS]:
        service = services.get(service_id)
        errors = counters["status_4xx"] + counters["status_5xx"]
        top_apis.append({
            "name": service.name if service else _("(unknown API)"),
            "owner": service.owner.name if service else "",
            "calls": counters["calls"], "calls_text": display(counters["calls"]),
            "error_rate": display(Percent(percent(errors, counters["calls"]))),
        })
    calls = sum(c["calls"] for c in by_service.values())
    errors = sum(c["status_4xx"] + c["status_5xx"] for c in by_service.values())
    months = usage_by_month(year_start, year_end, live_from=live_from)

    monev_rules = rules.current()
    pasal8 = rules.pasal8_status(year=year, today=today, rules=monev_rules)
    period_names = half_year_labels()
    pasal8_rows = [
        {"period": period_names[key], "category": rules.category_label(category), "count": status["count"],
         "target": status["target"], "light": status["light"], "label": Light(status["light"]).label}
        for key in ("h1", "h2", "year")
        for category, status in pasal8["periods"][key]["categories"].items()
    ]
    recent = list(
        MonevReport.objects.filter(period_end__gte=datetime.date(year - 1, 1, 1), period_start__lte=year_end)
        .order_by("-period_end", "-generated_at")
    )
    pasal9_rows = []
    for y in (year, year - 1):
        pasal9 = rules.pasal9_status(year=y, reports=recent, rules=monev_rules)
        pasal9_rows.append({**pasal9, "label": Light(pasal9["light"]).label})

    counts = {
        "pending_requests": AccessRequest.objects.filter(status__in=WAITING_FOR_ADMINISTRATOR).count(),
        "waiting_grant": AccessRequest.objects.filter(status=AccessRequestStatusChoices.APPROVED).count(),
        "pending_reviews": ApiVersion.objects.filter(status=ApiVersionStatusChoices.SUBMITTED).count(),
        "open_findings": Finding.objects.filter(status=FindingStatusChoices.OPEN).count(),
    }
    links = {
        "pending_requests": _admin_url("access_pendingaccessrequest_changelist"),
        "waiting_grant": _admin_url("access_accessrequest_changelist",
                                    f"?status__exact={AccessRequestStatusChoices.APPROVED}"),
        "pending_reviews": _admin_url("directory_pendingapiversion_changelist"),
        "open_findings": _admin_url("monitoring_finding_changelist", f"?status__exact={FindingStatusChoices.OPEN}"),
        "activities": _admin_url("monitoring_activity_changelist"),
        "reports": _admin_url("monitoring_monevreport_changelist"),
        "generate": _admin_url("monitoring_monevreport_generate"),
    }
    return render(request, "monitoring/dashboard.html", {
        "year": year,
        "today": today,
        "data_as_of": data_as_of,
        "status_items": system_status(now=data_as_of).values(),
        "calls": display(calls),
        "error_rate": display(Percent(percent(errors, calls))),
        "theme_rows": theme_rows,
        "top_apis": top_apis,
        "counts": counts,
        "links": links,
        "pasal8_rows": pasal8_rows,
        "pasal8_light": pasal8["light"],
        "pasal9_rows": pasal9_rows,
        "monev_per_year": monev_rules.get_monev_per_year_display(),
        "recent_reports": recent[:5],
        "chart_months": charts.column_chart(
            month_labels(months), title=_("Calls per month"),
            empty_text=_("No calls in this period."),
        ),
        "chart_themes": charts.bar_chart(
            [(t["theme"], t["calls"]) for t in theme_rows], title=_("Calls per theme"),
            empty_text=_("No calls in this period."),
        ),
        "chart_apis": charts.bar_chart(
            [(a["name"], a["calls"]) for a in top_apis], title=_("Top APIs by calls"),
            empty_text=_("No calls in this period."),
        ),
    })


# The periods a publisher can look back over on an API's usage page, in days; the first is the default.
USAGE_PERIODS = (30, 7, 90)


@portal_page(role="publisher")
def api_usage(request, slug):
    """Calls, error rate, latency and consumers of one of the publisher's APIs per day (another
    organisation's API is a 404, as on "API saya")."""
    service = get_object_or_404(services_managed_by(request.user), slug=slug)
    days = int(request.GET["hari"]) if request.GET.get("hari") in {str(d) for d in USAGE_PERIODS} else USAGE_PERIODS[0]
    today = timezone.localdate()
    date_from = today - datetime.timedelta(days=days - 1)
    usage = usage_daily(user=request.user, date_from=date_from, date_to=today, api=service.slug)
    consumers = consumers_daily(service_id=service.pk, date_from=date_from, date_to=today)
    # The table lists the days with calls, newest first; the chart shows every day.
    rows = [{**day, "consumers": consumers["days"].get(day["date"], 0),
             "error_rate": percent(day["errors"], day["calls"])} for day in reversed(usage["days"]) if day["calls"]]
    chart = charts.column_chart(
        [(f"{day['date']:%d/%m}", day["calls"]) for day in usage["days"]],
        title=_("Calls per day"), empty_text=_("No calls in this period."),
    )
    return render(request, "portal/api_usage.html", {
        "service": service, "days": days, "periods": USAGE_PERIODS, "usage": usage, "rows": rows, "chart": chart,
        "consumers": consumers["total"], "error_rate": percent(usage["total"]["errors"], usage["total"]["calls"]),
    })


def _organization_names(org_ids):
    return list(Organization.objects.filter(pk__in=org_ids).order_by("name").values_list("name", flat=True))


@portal_page(role="operator")
def organization_recommendations(request):
    """The recommendations of final Monev reports the Dinas assigned to the user's organisations, with their
    follow-up as the Dinas records it (read-only: monitoring.monev.followup is the Dinas' service)."""
    org_ids = request.portal_roles.operator_org_ids
    page = paginate(request, selectors.organization_recommendations(org_ids))
    return render(request, "portal/org_recommendations.html", {
        "items": page, "page_obj": page, "today": timezone.localdate(),
        "organizations": _organization_names(org_ids),
    })


@portal_page(role="operator")
def organization_calls(request):
    """The calls the user's organisations made through the bus, newest first, keyset-paged (the log holds
    millions of rows): an API, a status class and a period narrow it."""
    org_ids = request.portal_roles.operator_org_ids
    form = CallLogFilterForm(request.GET, services=selectors.services_granted_to(org_ids))
    form.is_valid()  # an invalid filter shows its error; the valid ones still apply
    page = keyset_page(request, selectors.organization_calls(org_ids, **form.filters()))
    for call in page.rows:
        call.status_class = f"{call.status // 100}xx"
        call.error_meaning = BUS_ERRORS[call.error_code][1] if call.error_code in BUS_ERRORS else ""
        # A long path may wrap after a slash, not inside a name; each part is escaped.
        call.path_html = mark_safe("/<wbr>".join(escape(part) for part in call.path.split("/")))
    organizations = _organization_names(org_ids)
    return render(request, "portal/org_calls.html", {
        "form": form, "page": page, "organizations": organizations, "several": len(organizations) > 1,
        "is_filtered": form.is_filtered, "zone": zone_abbreviation(),
    })
