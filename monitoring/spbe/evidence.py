"""The evidence this SPLP holds for a year's SPBE evaluation: the facts the level rules test (levels) and the
items the pack lists in its index and puts in its ZIP (pack). Each item reads its own register; an item with
nothing recorded says so ("not recorded") rather than disappear, so the evaluator sees what is absent."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Q

from access.models import Grant
from directory import interop
from directory.choices import ApiVersionStatusChoices
from directory.models import ApiVersion, InteropStandard, Organization

from .. import rules
from ..federation.services import inward_versions
from ..governance import add_months
from ..models import (
    Activity,
    HealthCheck,
    MonevRecommendation,
    MonevReport,
    NationalExport,
    PersonalDataIncident,
    PolicyDocument,
    PolicyKindChoices as PK,
    PolicyReview,
    PolicyReviewOutcomeChoices as PR,
    RecommendationStatusChoices,
    ReportStatusChoices,
    SplpConnection,
)
from ..monev.csvfile import csv_safe
from ..monev.document import read_stored
from ..monev.formatting import P
from ..monev.periods import period_bounds
from ..monev.usage import usage_grouped

LIVE = (ApiVersionStatusChoices.PUBLISHED, ApiVersionStatusChoices.DEPRECATED)


@dataclass
class Item:
    """One line of the index: what the evidence is, what was found, and the files it puts in the ZIP."""

    key: str
    title: str
    summary: str
    files: dict = field(default_factory=dict)  # name in the ZIP -> bytes


@dataclass
class Evidence:
    year: int
    facts: dict
    items: list


def csv_file(headers, rows):
    """A CSV for spreadsheet programs set to Indonesian (as the Monev CSV): semicolons, UTF-8 with a BOM."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";")
    writer.writerow(headers)
    writer.writerows([csv_safe(value) for value in row] for row in rows)
    return ("\ufeff" + output.getvalue()).encode()


def _not_recorded(summary):
    return summary or P("Not recorded.")


# -- The items ------------------------------------------------------------------------------------------


# Indicator 7, level 4 counts a review report "yang masih berlaku (<2 tahun)" (Permen PANRB 59/2020).
REVIEW_VALID_MONTHS = 24
SET_POLICY = (PK.REGULATION, PK.DECREE)


def _register_evidence(year, last_day):
    documents = list(PolicyDocument.objects.filter(issued_on__lte=last_day).select_related("owner"))
    reviews = list(PolicyReview.objects.filter(
        reviewed_on__gt=add_months(last_day, -REVIEW_VALID_MONTHS), reviewed_on__lte=last_day,
    ).select_related("document"))
    files = {}
    for document in documents:
        content = read_stored(document.file)
        if content is not None:
            files[f"1-kebijakan/{document.pk}-{document.file_name}"] = content
    for review in reviews:
        content = read_stored(review.file)
        if content is not None:
            files[f"1-kebijakan/reviu/{review.pk}-{review.file_name}"] = content
    files["1-kebijakan/register.csv"] = csv_file(
        [P("kind"), P("number"), P("title"), P("date issued"), P("owner"), P("in force"),
         P("regulates the connection with the national SPLP"), P("next review")],
        [(d.get_kind_display(), d.number, d.title, d.issued_on, d.owner.name, d.is_active,
          d.regulates_national_connection, d.next_review_date) for d in documents])
    files["1-kebijakan/reviu.csv"] = csv_file(
        [P("document"), P("reviewed on"), P("outcome"), P("findings")],
        [(str(r.document), r.reviewed_on, r.get_outcome_display(), r.findings) for r in reviews])
    summary = P("%(documents)d documents in the register, %(reviews)d reviews in the last two years.") % {
        "documents": len(documents), "reviews": len(reviews)} if documents else ""
    in_force = [d for d in documents if d.is_active]
    facts = {
        "policies_set": [str(d) for d in in_force if d.kind in SET_POLICY],
        "regulations": [str(d) for d in in_force if d.kind == PK.REGULATION],
        "national_connection_policies": [str(d) for d in in_force if d.regulates_national_connection],
        "reviews_recent": [f"{r.document} ({r.reviewed_on:%d/%m/%Y})" for r in reviews],
        "reviews_overdue": [str(d) for d in in_force if d.next_review_date < last_day],
        # "ditindaklanjuti dengan kebijakan baru": a review that asked for a revision, and a policy issued since.
        "reviews_followed_up": [
            f"{r.document} ({r.reviewed_on:%d/%m/%Y}) → {d}" for r in reviews
            if r.outcome in (PR.REVISED, PR.REPLACED)
            for d in documents if r.reviewed_on <= d.issued_on
        ],
    }
    return Item("register", P("Policy and SOP register and its reviews"), _not_recorded(summary), files), facts


def _inventory_evidence(year, start, end):
    versions = list(ApiVersion.objects.filter(status__in=LIVE).select_related("service__owner", "service__theme")
                    .order_by("service__owner__name", "service__name", "version"))
    calls = {service: row["calls"] for service, row in usage_grouped(start, end, "service").items()}
    rows = [(v.service.owner.name, v.service.name, v.service.slug, v.version, v.get_status_display(),
             v.interop_passed, v.interop_standard_version, calls.get(v.service_id, 0)) for v in versions]
    files = {"2-inventaris-api.csv": csv_file(
        [P("organisation"), P("API"), P("API slug"), P("version"), P("status"), P("interoperability"),
         P("standard version"), P("calls in the year")], rows)}
    summary = P("%(count)d API versions published through the bus.") % {"count": len(versions)} if versions else ""
    facts = {
        "publishers_with_calls": sorted({v.service.owner.name for v in versions if calls.get(v.service_id)}),
        "publishers": {v.service.owner_id for v in versions},
        "apis_failing_standard": sorted({str(v.service.name) for v in versions
                                         if v.status == ApiVersionStatusChoices.PUBLISHED and not v.interop_passed}),
    }
    return Item("inventory", P("Inventory of the APIs going through the bus"), _not_recorded(summary), files), facts


def _usage_evidence(year, start, end):
    by_grant = usage_grouped(start, end, "grant")
    grants = (Grant.objects.filter(Q(pk__in=[pk for pk in by_grant if pk]) | Q(granted_at__lt=end,
                                                                                 expires_at__gte=start))
              .select_related("organization", "api_version__service__owner").order_by("organization__name", "pk"))
    rows = [(g.organization.name, g.api_version.service.owner.name, g.api_version.service.name,
             g.api_version.version, g.granted_at, g.revoked_at, by_grant.get(g.pk, {}).get("calls", 0))
            for g in grants]
    files = {"3-konektor-volume.csv": csv_file(
        [P("requesting organisation"), P("API owner"), P("API"), P("version"), P("granted"), P("revoked"),
         P("calls in the year")], rows)}
    requesters = {row[0] for row in rows}
    summary = P("%(connectors)d connectors of %(organisations)d requesting organisations, %(calls)d calls in the "
                "year.") % {"connectors": len(rows), "organisations": len(requesters),
                            "calls": sum(row[-1] for row in rows)} if rows else ""
    facts = {"requesters": {g.organization_id for g in grants if by_grant.get(g.pk, {}).get("calls")}}
    return Item("usage", P("Requesting organisations and the volume per connector"), _not_recorded(summary),
                files), facts


def _interop_evidence(year):
    standard = InteropStandard.objects.first()
    if standard is None:
        return Item("interop", P("Interoperability standard and its results"), _not_recorded(""))
    labels = {rule.code: rule.label for rule in interop.RULES}
    files = {"4-standar-interoperabilitas.csv": csv_file(
        [P("version"), P("rule"), P("on"), P("severity"), P("allowed media types")],
        [(standard.version, labels.get(code, code), setting["enabled"], setting["severity"],
          ", ".join(standard.allowed_media_types)) for code, setting in standard.rules.items()])}
    passed = ApiVersion.objects.filter(status__in=LIVE)
    summary = P("Standard version %(version)d; %(passed)d of %(total)d published API versions passed it.") % {
        "version": standard.version, "passed": passed.filter(interop_passed=True).count(), "total": passed.count()}
    return Item("interop", P("Interoperability standard and its results"), summary, files)


def _federation_evidence(year, end):
    """The connections with the national SPLP and other governments' SPLPs in force at the year's end, their
    agreements, the APIs exchanged each way and the exports of the year."""
    connections = list(SplpConnection.objects.filter(is_active=True, created_at__lt=end)
                       .prefetch_related("published_services").order_by("name"))
    exports = list(NationalExport.objects.filter(exported_at__year=year)
                   .select_related("connection", "api_version__service").order_by("exported_at"))
    files = {}
    for connection in connections:
        content = read_stored(connection.agreement)
        if content is not None:
            files[f"4-koneksi-splp/{connection.pk}-{connection.agreement_name}"] = content
    files["4-koneksi-splp/koneksi.csv"] = csv_file(
        [P("connection"), P("kind"), P("endpoint"), P("tenant"), P("APIs published there"), P("APIs used from there")],
        [(c.name, c.get_kind_display(), c.endpoint, c.tenant, ", ".join(s.name for s in c.published_services.all()),
          ", ".join(v.service.name for v, _health in inward_versions(c))) for c in connections])
    files["4-koneksi-splp/ekspor.csv"] = csv_file(
        [P("exported"), P("connection"), P("API"), P("version"), P("api.yaml SHA-256")],
        [(e.exported_at, e.connection.name, e.api_version.service.name, e.api_version.version, e.api_yaml_sha256)
         for e in exports])
    summary = P("%(connections)d SPLP connections, %(exports)d exports in the year.") % {
        "connections": len(connections), "exports": len(exports)} if connections else ""
    return (Item("federation", P("Connections with the national SPLP and exports"), _not_recorded(summary), files),
            {"national_connections": len(connections)})


def _activities_evidence(year):
    activities = list(Activity.objects.filter(date__year=year).order_by("date"))
    files = {"5-kegiatan-pasal8.csv": csv_file(
        [P("date"), P("kind"), P("title"), P("participants"), P("notes / minutes")],
        [(a.date, a.get_kind_display(), a.title, a.participants, a.notes) for a in activities])}
    summary = P("%(count)d coaching and supervision activities.") % {"count": len(activities)} if activities else ""
    return Item("activities", P("Coaching and supervision activities (Pasal 8)"), _not_recorded(summary), files)


def _monev_evidence(year, first_day, last_day):
    reports = list(MonevReport.objects.filter(status=ReportStatusChoices.FINAL, period_start__lte=last_day,
                                              period_end__gte=first_day).order_by("period_start"))
    files = {}
    for report in reports:
        content = read_stored(report.signed_pdf)
        if content is None:
            from ..monev.pdf import render_pdf  # rendered only for a report finalised unsigned

            content = render_pdf(report)
        files[f"6-monev/laporan-monev-{report.pk}.pdf"] = content
    summary = "; ".join(report.title for report in reports)
    covered = rules.pasal9_status(year=year)["light"] == rules.GREEN
    return Item("monev", P("Monitoring and evaluation reports"), _not_recorded(summary), files), {
        "monev_year_covered": covered}


def _recommendations_evidence(year, last_day):
    items = list(MonevRecommendation.objects.filter(report__period_end__lte=last_day,
                                                    report__period_end__year__gte=year - 1)
                 .select_related("report", "owner"))
    files = {"7-rekomendasi-tindak-lanjut.csv": csv_file(
        [P("report"), P("number"), P("recommendation"), P("owner organisation"), P("due date"), P("status"),
         P("follow-up note")],
        [(i.report.title, i.position, i.text, i.owner.name if i.owner else "", i.due_date, i.get_status_display(),
          i.note) for i in items])}
    done = sum(1 for i in items if i.status == RecommendationStatusChoices.DONE)
    summary = P("%(count)d recommendations, %(done)d done.") % {"count": len(items), "done": done} if items else ""
    return Item("recommendations", P("Recommendations and their follow-up"), _not_recorded(summary), files), {
        "recommendations_done": done}


def _incidents_evidence(year):
    incidents = list(PersonalDataIncident.objects.filter(found_at__year=year).order_by("found_at"))
    if not incidents:
        return Item("incidents", P("Incident register"), _not_recorded(""))
    files = {"8-insiden.csv": csv_file(
        [P("found"), P("summary"), P("status"), P("notified"), P("closed")],
        [(i.found_at, i.summary, i.get_status_display(), i.notified_at, i.closed_at) for i in incidents])}
    return Item("incidents", P("Incident register"), P("%(count)d incidents recorded.") % {"count": len(incidents)},
                files)


def collect(year: int) -> Evidence:
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    start, end = period_bounds(first_day, last_day)
    register, register_facts = _register_evidence(year, last_day)
    inventory, inventory_facts = _inventory_evidence(year, start, end)
    usage, usage_facts = _usage_evidence(year, start, end)
    federation, federation_facts = _federation_evidence(year, end)
    monev, monev_facts = _monev_evidence(year, first_day, last_day)
    recommendations, recommendation_facts = _recommendations_evidence(year, last_day)
    taking_part = inventory_facts.pop("publishers") | usage_facts["requesters"]
    absent = Organization.objects.exclude(pk__in=taking_part).exclude(is_administrator=True).order_by("name")
    facts = {
        **register_facts, **inventory_facts, **federation_facts, **monev_facts, **recommendation_facts,
        "organisations_absent": [o.name for o in absent],
        "health_checks": HealthCheck.objects.filter(checked_at__gte=start, checked_at__lt=end).count(),
    }
    items = [register, inventory, usage, _interop_evidence(year), federation, _activities_evidence(year), monev,
             recommendations, _incidents_evidence(year)]
    return Evidence(year, facts, items)
