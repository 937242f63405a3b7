"""Helpers every app's portal views share: paging lists and turning a service's refusal into a message."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, items, paginator=Paginator):
    """One page of a portal list (``?halaman=N``): requests grow with the years, the directory with the Pemdas."""
    return paginator(items, PAGE_SIZE).get_page(request.GET.get("halaman"))


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
