"""Usage API: thin view over monitoring.usage.usage_daily (which decides who may see which API)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from splp.api_schema import error_response

from ..usage import usage_daily
from .serializers import UsageQuerySerializer, UsageSerializer


class UsageView(APIView):
    """Daily use of the APIs through the bus: administrators see every API, publishers their own."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="usage_retrieve",
        summary=_("Daily use of the APIs through the bus"),
        description=_("Calls, errors and latency per API and day: the Dinas sees every API, a publisher its own."),
        parameters=[UsageQuerySerializer, OpenApiParameter("from", OpenApiTypes.DATE, description=str(_(
            "First day (YYYY-MM-DD, local time). Default: 30 days before `to`, `to` included.")))],
        responses={
            200: UsageSerializer,
            400: error_response(_("Invalid parameters (a bad date, from after to, a range over 366 days): "
                                  "see error.fields.")),
            403: error_response(_("Neither a Dinas administrator nor a publisher operator.")),
            404: error_response(_("No such API or organisation, or another organisation's API.")),
        },
    )
    def get(self, request):
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(UsageSerializer(usage_daily(user=request.user, **query.validated_data)).data)
