"""The bus in the API documentation: it is not a DRF endpoint (a plain WSGI application, access.gateway),
so its calling convention and its error codes are described in the introduction, from the bus' own registry."""

from django.utils.translation import gettext

from splp.api_schema import site_base

from ..gateway import BUS_ERRORS, PREFIX


def document_bus(result, generator, request, public):
    """Postprocessing hook: a section on calling an API through the bus, with every error it can answer."""
    # A list rather than a table: a table of long codes is wider than a phone.
    errors = "\n".join(
        f"- **{status}** `{code}`: {meaning}"
        for code, (status, meaning) in sorted(BUS_ERRORS.items(), key=lambda item: (item[1][0], item[0]))
    )
    result["info"]["description"] += "\n\n" + gettext(
        "## Calling an API through the bus\n\n"
        "The published APIs are not called here but through the bus: `%(gateway)s<api>/<path>`, or "
        "`%(gateway)s<api>/v<version>/<path>` to name the version, where `<api>` is the API's address name in "
        "the directory and `<path>` an operation of its OpenAPI document.\n\n"
        "Send the API key (\"My keys\" in the portal, or `POST /api/v1/keys/{id}/reveal/`) in the header "
        "`Authorization: Bearer <key>` or `X-API-Key: <key>`. Every answer carries `X-Request-ID`; quote it "
        "when you report a problem.\n\n"
        "What the upstream answers is passed on unchanged. The bus' own refusals have the body "
        "`{\"error\": {\"code\": \"...\", \"message\": \"...\"}, \"request_id\": \"...\"}` and these HTTP "
        "statuses and codes:"
    ) % {"gateway": site_base(request) + PREFIX}
    result["info"]["description"] += "\n\n" + errors
    return result
