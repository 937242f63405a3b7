"""Helpers every app's portal views share: paging lists, turning a service's refusal into a message, and the
portal's own page for an object that is not there."""

import datetime
import re
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

from .api_errors import is_api_request

PAGE_SIZE = 25


def paginate(request, items, paginator=Paginator):
    """One page of a portal list (``?halaman=N``): requests grow with the years, the directory with the Pemdas."""
    return paginator(items, PAGE_SIZE).get_page(request.GET.get("halaman"))


# Keyset paging of a list read newest first by a moment and the id: ``?sebelum=<cursor>`` is the page of the
# rows older than the cursor's row, ``?sesudah=<cursor>`` the page of the rows newer than it. A cursor is
# "<microseconds since 1970 UTC>-<id>".
OLDER, NEWER = "sebelum", "sesudah"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
CURSOR = re.compile(r"(\d{1,18})-(\d{1,18})")


@dataclass(frozen=True)
class KeysetPage:
    """One page and the cursors of its neighbours (None at either end of the list)."""

    rows: list
    newer: str | None
    older: str | None


def _cursor(row, field):
    return f"{(getattr(row, field) - EPOCH) // MICROSECOND}-{row.pk}"


def _position(value):
    """(moment, id) of a cursor; None for anything else (the first page is shown)."""
    match = CURSOR.fullmatch(value or "")
    if match is None:
        return None
    try:
        return EPOCH + int(match[1]) * MICROSECOND, int(match[2])
    except OverflowError:
        return None


def keyset_page(request, items, field="time"):
    """One page of ``items`` (newest first by the datetime ``field``, then id) without counting them: a page
    costs the same at any depth of a table of millions of rows, where OFFSET reads every row it skips and a
    page count reads them all. The filters keep ``field`` a range on its index."""
    size = PAGE_SIZE
    newer = _position(request.GET.get(NEWER))
    if newer is not None:
        moment, pk = newer
        rows = list(items.filter(**{f"{field}__gte": moment}).exclude(**{field: moment, "pk__lte": pk})
                    .order_by(field, "pk")[:size + 1])
        page = rows[:size][::-1]
        return KeysetPage(page, newer=_cursor(page[0], field) if len(rows) > size else None,
                          older=_cursor(page[-1], field) if page else None)
    older = _position(request.GET.get(OLDER))
    if older is not None:
        moment, pk = older
        items = items.filter(**{f"{field}__lte": moment}).exclude(**{field: moment, "pk__gte": pk})
    rows = list(items.order_by(f"-{field}", "-pk")[:size + 1])
    page = rows[:size]
    return KeysetPage(page, newer=_cursor(page[0], field) if older and page else None,
                      older=_cursor(page[-1], field) if len(rows) > size else None)


def run_service(request, action, success_message="", **kwargs):
    """Call a service for a button press; a refused transition or bad input becomes an error message.

    Returns (ok, result).
    """
    try:
        result = action(actor=request.user, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False, None
    if success_message:
        messages.success(request, success_message)
    return True, result


class NotFoundPageMiddleware(MiddlewareMixin):
    """A view's 404 (an object that does not exist, or that this user may not see) is the portal's own page in
    every profile. With DEBUG on, as in the embedded default, Django would answer with its English technical
    page; an address that matches no route still gets that one, the list of routes a developer wants. The
    REST API keeps its JSON errors (splp.api_errors)."""

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and not is_api_request(request):
            return render(request, "404.html", status=404)
        return None
