"""Paging of the public service list: page numbers as before, or a keyset cursor for deep pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

from ..selectors import DirectoryPaginator


class KeysetPagination(CursorPagination):
    """DRF's cursor: the next page starts after the last row's sort key, so page 2,000 costs what page 2 does."""

    ordering = ("name",)
    cursor_query_description = _(
        "Keyset paging without a count, fast at any depth: send it empty for the first page, then follow "
        "next. Without it, pages are numbered (page)."
    )

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        # Names repeat: the id makes the order total, so a walk neither repeats nor skips an API.
        return (*ordering, "-id" if ordering[0].startswith("-") else "id")

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        # PostgreSQL refuses a NUL in a text parameter with an error, not an empty page.
        if cursor and cursor.position and "\x00" in cursor.position:
            raise NotFound(self.invalid_cursor_message)
        return cursor


class ServicePagination(PageNumberPagination):
    """``?page=N`` with a count (what clients use today); the ``cursor`` parameter switches to keyset paging."""

    django_paginator_class = DirectoryPaginator

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = KeysetPagination() if KeysetPagination.cursor_query_param in request.query_params else None
        if self.keyset:
            return self.keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.keyset:
            return self.keyset.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        response_schema = super().get_paginated_response_schema(schema)
        # Keyset pages carry no count: counting every match is the cost they avoid.
        response_schema["required"] = ["results"]
        return response_schema

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            *KeysetPagination().get_schema_operation_parameters(view),
        ]
