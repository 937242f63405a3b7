"""Filters of the directory's API listings; each foreign key by id and by its public code."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import ClassificationChoices
from .models import ApiService, Organization, Theme
from .selectors import search_services


class ApiServiceFilterSet(django_filters.FilterSet):
    # An unknown theme or organisation is a mistake worth telling the client, not an empty page.
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.all(), to_field_name="slug", label=_("Theme (slug)"),
        error_messages={"invalid_choice": _('Unknown theme "%(value)s".')},
    )
    theme_id = django_filters.ModelChoiceFilter(
        field_name="theme", queryset=Theme.objects.all(), label=_("Theme (id)"),
        error_messages={"invalid_choice": _('Unknown theme "%(value)s".')},
    )
    organization = django_filters.ModelChoiceFilter(
        field_name="owner", queryset=Organization.objects.all(), to_field_name="code",
        label=_("Owning organisation (code)"),
        error_messages={"invalid_choice": _('Unknown organisation "%(value)s".')},
    )
    organization_id = django_filters.ModelChoiceFilter(
        field_name="owner", queryset=Organization.objects.all(), label=_("Owning organisation (id)"),
        error_messages={"invalid_choice": _('Unknown organisation "%(value)s".')},
    )
    classification = django_filters.ChoiceFilter(choices=ClassificationChoices.choices)
    has_personal_data = django_filters.BooleanFilter()
    search = django_filters.CharFilter(
        method="filter_search",
        label=_(
            "Search in name and description, name matches first. Numbered pages count and list at most the "
            "first 1,000 matches; the cursor walks them all, by name."
        ),
    )

    class Meta:
        model = ApiService
        fields = ["theme", "theme_id", "organization", "organization_id", "classification", "has_personal_data"]

    def filter_search(self, queryset, name, value):
        return search_services(queryset, value)
