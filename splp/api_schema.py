"""The OpenAPI schema: every operation grouped under its area's tag, with a summary a person reads in the
docs (in Indonesian), and the errors it can answer in the one ``{"error": {"code", "message"}}`` shape of
splp/api.py. Kept apart from splp/api.py, which DRF's settings import while DRF itself loads
(drf-spectacular's AutoSchema imports DRF's generic views)."""

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("Machine-readable reason, e.g. invalid, not_found, permission_denied, invalid_transition.")
    )
    message = serializers.CharField(help_text=_("What went wrong, for a person to read."))

    def get_fields(self):
        # Declared here because ``fields`` is also the name of the Serializer attribute holding the fields.
        return {
            **super().get_fields(),
            "fields": serializers.DictField(
                child=serializers.JSONField(), required=False,
                help_text=_("Only for invalid input: the messages per field (non_field_errors for the whole)."),
            ),
        }


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer of the API."""

    error = ErrorDetailSerializer()


def error_response(description):
    return OpenApiResponse(ErrorSerializer, description=description)


# For the actions that move a workflow: refused when the object's state does not allow it.
CONFLICT = error_response(_("The object's current state does not allow this action."))


# The areas of the API, by the app a view lives in: the tag (a section of the docs) and what it holds.
AREAS = {
    "directory": (_("Directory"), _("The service directory (published APIs, themes) and the metadata repository: "
                                    "a publisher registers its APIs and their versions for the Dinas' review.")),
    "access": (_("Access"), _("The Pasal 7 workflow: a requester applies for access, the Dinas decides, the "
                              "API's publisher grants it; the requester's API keys for the bus.")),
    "monitoring": (_("Monitoring"), _("Use of the APIs through the bus, for the Dinas and the publishers.")),
    "splp": (_("Login"), _("An API token for scripts: log in with username and password, send the token as "
                           "`Authorization: Token <token>`, log out to end it.")),
}


def documented(description, **summaries):
    """Each named action of a view gets its summary, and all of them the view's description."""
    return extend_schema_view(
        **{action: extend_schema(summary=summary, description=description) for action, summary in summaries.items()}
    )


def site_base(request):
    """This site's address as the reader of the docs reached it; empty (relative links) when the schema is
    generated without a request (manage.py spectacular). Never the database: the schema is loaded without one."""
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


def describe_api(result, generator, request, public):
    """Postprocessing hook: the introduction with the way back to the portal, and the areas' descriptions."""
    portal = site_base(request) + reverse("portal-home")
    result["info"]["description"] = gettext(
        "The REST API of the Government Service Bus (SPLP): the service directory, the metadata repository and "
        "access to the APIs. Everything the portal does for a logged-in user, for scripts and systems.\n\n"
        "[Back to the SPLP portal](%(portal)s)"
    ) % {"portal": portal}
    result["externalDocs"] = {"description": gettext("SPLP portal"), "url": portal}
    used = {tag for operations in result["paths"].values() for operation in operations.values()
            for tag in operation.get("tags", ())}
    result["tags"] = [
        {"name": str(name), "description": str(text)} for name, text in AREAS.values() if str(name) in used
    ]
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error answers each operation can give, in the one error shape."""

    def get_tags(self):
        return [str(AREAS[self.view.__module__.split(".")[0]][0])]

    def get_description(self):
        # Not the view's docstring: it is written for developers of the SPLP, in English. Views give theirs.
        return ""

    def get_auth(self):
        auths = super().get_auth()
        # No permission classes at all (the token login) lets anyone in, as AllowAny does.
        if not self.view.get_permissions() and {} not in auths:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(error_response(description), code, direction=direction)
        return responses

    def _error_responses(self):
        path_has_lookup = "{" in self.path
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        paginated = bool(self._get_pagination_parameters())
        responses = {}
        if has_body or self._get_filter_parameters():
            responses["400"] = _("Invalid input: see error.fields.")
        if self.view.authentication_classes:
            # A wrong or expired credential is refused on every operation, public ones included.
            responses["401"] = _("Not authenticated, or the credentials are invalid.")
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            responses["403"] = _("Not allowed for this user (role, organisation, or a missing CSRF token).")
        if path_has_lookup or paginated:
            responses["404"] = _("Not found, or not visible to this user; or a page past the last one.")
        if self.view.throttle_classes:
            responses["429"] = _("Too many requests; retry later.")
        return responses
