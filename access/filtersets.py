import django_filters
from django.utils.translation import gettext_lazy as _

from splp.api import IdFilter

from .choices import AccessRequestStatusChoices
from .models import AccessRequest, ApiKey


class AccessRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AccessRequestStatusChoices.choices)
    api = django_filters.CharFilter(field_name="api_version__service__slug", label=_("API (slug)"))
    api_id = IdFilter(field_name="api_version__service_id", label=_("API (id)"))
    requester = django_filters.CharFilter(field_name="requester__code", label=_("Requesting organisation (code)"))
    requester_id = IdFilter(field_name="requester_id", label=_("Requesting organisation (id)"))

    class Meta:
        model = AccessRequest
        fields = ["status", "api", "api_id", "requester", "requester_id"]


class ApiKeyFilterSet(django_filters.FilterSet):
    api = django_filters.CharFilter(field_name="grant__api_version__service__slug", label=_("API (slug)"))
    grant_id = IdFilter(field_name="grant_id", label=_("Grant (id)"))

    class Meta:
        model = ApiKey
        fields = ["api", "grant_id"]
