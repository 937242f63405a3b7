"""The recommendations a report proposes, drawn from its figures; the Dinas edits them before finalising."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _, ngettext

from .. import rules
from ..models import FindingKindChoices

# Thresholds of the generated recommendations.
SERVER_ERROR_RATE_PCT = 1.0
AVAILABILITY_TARGET_PCT = 99.0
LIST_LIMIT = 10


def _names(names):
    names = list(names)
    if len(names) <= LIST_LIMIT:
        return ", ".join(names)
    rest = len(names) - LIST_LIMIT
    return ngettext("%(names)s and %(count)d other", "%(names)s and %(count)d others", rest) % {
        "names": ", ".join(names[:LIST_LIMIT]), "count": rest,
    }


def _finding_kind_label(kind):
    try:
        return str(FindingKindChoices(kind).label)
    except ValueError:
        return kind


def build_recommendations(figures):
    """Recommendations drawn from the figures, in the active language; the Dinas edits them before finalising."""
    items = []
    without = figures["compliance"]["without_api"]
    if without:
        items.append(ngettext(
            "%(count)d Perangkat Daerah does not yet provide an API integrated with the SPLP (Pasal 6(3)): "
            "%(names)s. The Dinas should accompany them in providing their APIs.",
            "%(count)d Perangkat Daerah do not yet provide an API integrated with the SPLP (Pasal 6(3)): "
            "%(names)s. The Dinas should accompany them in providing their APIs.",
            len(without),
        ) % {"count": len(without), "names": _names(org["name"] for org in without)})

    unused = [c for c in figures["usage"]["connectors"] if c["unused_90_days"]]
    for connector in unused[:LIST_LIMIT]:
        items.append(_(
            "The access of %(organization)s to %(api)s (grant #%(grant)s) has not been used for %(days)d days: "
            "consider revoking it."
        ) % {"organization": connector["organization"], "api": connector["api"], "grant": connector["grant_id"],
             "days": rules.of_figures(figures)["unused_days"]})
    if len(unused) > LIST_LIMIT:
        items.append(_("%(count)d more unused accesses are listed in the appendix: consider revoking them.")
                     % {"count": len(unused) - LIST_LIMIT})

    for api in figures["usage"]["per_api"]:
        name = api["api"] or _("(unknown API)")
        rate = api["server_error_rate_pct"]
        if rate is not None and rate >= SERVER_ERROR_RATE_PCT:
            items.append(_(
                "%(api)s answered %(rate)s%% of its calls with a server error (5xx): its publisher should "
                "improve the reliability of the service."
            ) % {"api": name, "rate": _number(rate)})
        availability = api.get("availability_pct")
        if availability is not None and availability < AVAILABILITY_TARGET_PCT:
            items.append(_(
                "The availability of %(api)s was %(availability)s%% in the health checks, below %(target)s%%: "
                "its publisher should check the upstream service."
            ) % {"api": name, "availability": _number(availability), "target": _number(AVAILABILITY_TARGET_PCT)})

    failing = [api for api in figures["inventory"]["apis"] if api["live"] and api["interop_failures"]]
    if failing:
        items.append(_(
            "APIs not meeting the interoperability standard (Pasal 6(5)): %(names)s. Their publishers should "
            "fix the failing checks with the Dinas' accompaniment."
        ) % {"names": _names(api["name"] for api in failing)})

    for kind, group in sorted(figures["findings"]["by_kind"].items()):
        if group["open"]:
            items.append(ngettext(
                "%(count)d supervision finding \"%(kind)s\" has not been followed up yet: follow it up with the "
                "organisation concerned.",
                "%(count)d supervision findings \"%(kind)s\" have not been followed up yet: follow them up with "
                "the organisations concerned.",
                group["open"],
            ) % {"count": group["open"], "kind": _finding_kind_label(kind)})

    incidents = figures["incidents"]
    if incidents["not_notified"]:
        items.append(ngettext(
            "%(count)d personal data incident has no notification recorded: notify the data subjects and the "
            "authority in writing without further delay (UU 27/2022 Pasal 46) and record it in the register.",
            "%(count)d personal data incidents have no notification recorded: notify the data subjects and the "
            "authority in writing without further delay (UU 27/2022 Pasal 46) and record it in the register.",
            incidents["not_notified"],
        ) % {"count": incidents["not_notified"]})
    if incidents["late"]:
        items.append(ngettext(
            "%(count)d personal data incident was notified after the 3 x 24 hour deadline: review the incident "
            "procedure so the next notice goes out in time.",
            "%(count)d personal data incidents were notified after the 3 x 24 hour deadline: review the incident "
            "procedure so the next notice goes out in time.",
            incidents["late"],
        ) % {"count": incidents["late"]})

    for year in figures["activities"]["years"]:
        for group, status in year["periods"]["year"]["categories"].items():
            if status["light"] != "green":
                items.append(_(
                    "%(year)d: %(count)d %(kind)s activities recorded against the minimum of %(minimum)d a year "
                    "(Pasal 8): plan and record the missing activities."
                ) % {"year": year["year"], "count": status["count"],
                     # Lower case inside the sentence ("kegiatan pembinaan"): the labels are single nouns.
                     "kind": rules.category_label(group).lower(),
                     "minimum": status["target"]})

    access = figures["access"]
    if access["pending_decision"]:
        items.append(ngettext(
            "%(count)d access request is waiting for the administrator's decision.",
            "%(count)d access requests are waiting for the administrator's decision.",
            access["pending_decision"],
        ) % {"count": access["pending_decision"]})
    if access["pending_grant"]:
        items.append(ngettext(
            "%(count)d approved access request is waiting for its publisher to grant access.",
            "%(count)d approved access requests are waiting for their publishers to grant access.",
            access["pending_grant"],
        ) % {"count": access["pending_grant"]})
    if not items:
        items.append(_("No issue needing a particular follow-up was found; continue the regular monitoring."))
    return items


def _number(value):
    return number_format(value, decimal_pos=1 if value != int(value) else 0, use_l10n=True)


def recommendations_text(items):
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))
