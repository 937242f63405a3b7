import datetime

from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from rest_framework import serializers

from ..usage import MAX_RANGE_DAYS

DEFAULT_DAYS = 30
# Dates outside these cannot be turned into moments safely (year 1 and 9999 overflow).
FIRST_DATE, LAST_DATE = datetime.date(2000, 1, 1), datetime.date(2999, 12, 31)


class UsageQuerySerializer(serializers.Serializer):
    """The query parameters of GET /api/v1/usage/."""

    api = serializers.SlugField(required=False, max_length=80, help_text=gettext_lazy("Slug of one API."))
    organization = serializers.SlugField(
        required=False, max_length=40, help_text=gettext_lazy("Code of one calling (requesting) organisation.")
    )
    # "from" is a Python keyword: declared in get_fields.
    to = serializers.DateField(
        required=False, help_text=gettext_lazy("Last day (YYYY-MM-DD, local time), included. Default: today.")
    )

    def get_fields(self):
        return {
            "from": serializers.DateField(required=False, help_text=gettext_lazy(
                "First day (YYYY-MM-DD, local time). Default: 30 days before `to`, `to` included."
            )),
            **super().get_fields(),
        }

    def validate(self, attrs):
        date_to = attrs.get("to") or timezone.localdate()
        date_from = attrs.get("from") or date_to - datetime.timedelta(days=DEFAULT_DAYS - 1)
        for name, value in (("from", date_from), ("to", date_to)):
            if not FIRST_DATE <= value <= LAST_DATE:
                raise serializers.ValidationError({name: _("Only dates from %(first)s to %(last)s.") % {
                    "first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()}})
        if date_from > date_to:
            raise serializers.ValidationError({"from": _("The first day must not be after the last day.")})
        if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": _("The range is too long: at most %(days)d days.") % {"days": MAX_RANGE_DAYS}}
            )
        return {"date_from": date_from, "date_to": date_to, "api": attrs.get("api"),
                "organization": attrs.get("organization")}


class UsageFiguresSerializer(serializers.Serializer):
    calls = serializers.IntegerField(help_text=gettext_lazy("Calls through the bus, refused ones included."))
    status_2xx = serializers.IntegerField(help_text=gettext_lazy("Calls answered with a 2xx status."))
    status_4xx = serializers.IntegerField(
        help_text=gettext_lazy("Client errors (4xx), whoever answered: the bus' refusals are among them.")
    )
    status_5xx = serializers.IntegerField(help_text=gettext_lazy("Server errors (5xx), the bus' or the upstream's."))
    errors = serializers.IntegerField(help_text=gettext_lazy("4xx and 5xx together."))
    refusals = serializers.IntegerField(
        help_text=gettext_lazy("Calls the bus itself refused (401 key, 403 grant, 429 rate limit).")
    )
    refused_401 = serializers.IntegerField()
    refused_403 = serializers.IntegerField()
    refused_429 = serializers.IntegerField()
    latency_p50_ms = serializers.FloatField(allow_null=True, help_text=gettext_lazy(
        "Median total latency (ms), as the upper bound of its histogram bucket; null without calls."
    ))
    latency_p95_ms = serializers.FloatField(allow_null=True, help_text=gettext_lazy(
        "95th percentile of the total latency (ms), as the upper bound of its histogram bucket."
    ))


class UsageDaySerializer(UsageFiguresSerializer):
    def get_fields(self):
        return {"date": serializers.DateField(help_text=gettext_lazy("A day in the SPLP's time zone.")),
                **super().get_fields()}


class UsageSerializer(serializers.Serializer):
    time_zone = serializers.CharField(help_text=gettext_lazy("The time zone the days are counted in."))
    data_as_of = serializers.DateTimeField(help_text=gettext_lazy(
        "The moment the figures cover: every call drained into the request log until then is counted."
    ))
    api = serializers.CharField(allow_null=True)
    organization = serializers.CharField(allow_null=True)
    total = UsageFiguresSerializer()
    days = UsageDaySerializer(many=True, help_text=gettext_lazy("Every day of the range, in order, zeros included."))

    def get_fields(self):
        return {"from": serializers.DateField(), "to": serializers.DateField(), **super().get_fields()}
