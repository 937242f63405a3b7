"""The report's API, connector and incident rows as one CSV file."""

import csv
import datetime
import io

from django.utils.formats import number_format

from directory.choices import ApiVersionStatusChoices, ClassificationChoices

from .formatting import P, as_datetime, choice_label, connector_state, display, incident_state, plain


def csv_safe(value):
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
        writer.writerow([csv_safe(v) for v in (
            P("API"), api["name"], api["slug"], api["owner"], api["theme"],
            choice_label(ApiVersionStatusChoices, api["status"]),
            choice_label(ClassificationChoices, api["classification"]),
            P("Passed") if api["interop_passed"] else P("Not passed"), None, None, None,
            use.get("calls", 0), use.get("errors", 0), use.get("error_rate_pct"), use.get("p95_ms"),
            use.get("availability_pct"), None, None, None, None, None,
        )])
    for connector in figures["usage"]["connectors"]:
        writer.writerow([csv_safe(v) for v in (
            P("Connector"), connector["api"], connector["api_slug"], connector["organization"], connector["theme"],
            connector_state(connector["state"]), None, None, as_datetime(connector["granted_at"]),
            as_datetime(connector["expires_at"]), as_datetime(connector["revoked_at"]), connector["calls"],
            connector["errors"],
            connector["error_rate_pct"], None, None, as_datetime(connector["last_call"]), None, None, None, None,
        )])
    for incident in figures.get("incidents", {}).get("rows", []):
        writer.writerow([csv_safe(v) for v in (
            P("Incident"), ", ".join(incident["apis"]), None, ", ".join(incident["organizations"]), None,
            incident_state(incident["clock"]), None, None, None, None, None, None, None, None, None, None, None,
            incident["summary"], as_datetime(incident["found_at"]), as_datetime(incident["deadline"]),
            as_datetime(incident["notified_at"]),
        )])
    return "\ufeff" + output.getvalue()  # the BOM makes spreadsheet programs read UTF-8
