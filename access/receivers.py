"""access answering what the directory announces (directory.signals); connected in AccessConfig.ready."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from directory.notifications import notify

from .selectors import active_grants_on

# action -> (the publisher's event, each holder's event)
ENDING_EVENTS = {
    "deprecate": ("api_deprecated", "grant_version_deprecated"),
    "retire": ("api_retired", "grant_version_retired"),
}


def mail_date(value):
    """A date as the mails write it ("31 Januari 2027"), fixed when the change happens."""
    with translation.override(settings.LANGUAGE_CODE):
        return date_format(value, "j F Y")


def tell_grant_holders(sender, *, api_version, action, **kwargs):
    """Every organisation holding an active grant on a deprecated or retired version hears of it, with the
    date it ends (deprecation: the planned retirement; retirement: today); the publisher hears how many
    grants that touches. The mails go after the commit, and say what was true at the change."""
    publisher_event, holder_event = ENDING_EVENTS[action]
    day = api_version.sunset_on if action == "deprecate" else timezone.localdate()
    grants = list(active_grants_on(api_version).select_related("access_request"))
    context = {"version": str(api_version), "date": mail_date(day)}
    for grant in grants:
        notify(holder_event, grant.access_request, context)
    notify(publisher_event, api_version, {**context, "grants": len(grants)})
