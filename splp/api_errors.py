"""The API's error shape, and the middleware that keeps every error answer under /api/ in it.

Apart from splp/api.py on purpose: Django loads middleware while DRF's settings import splp/api.py, so this
module must not import DRF.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _


def error_body(code, message, **extra):
    return {"error": {"code": code, "message": message, **extra}}


def is_api_request(request):
    return request.path.startswith("/api/")


def _json_error(code, message, status_code):
    return JsonResponse(error_body(code, message), status=status_code)


def _error_for_status(status_code):
    """The JSON error for an answer Django made without DRF (its own error views, DEBUG's technical pages)."""
    if status_code == 404:
        return _json_error("not_found", _("There is no API endpoint at this address."), 404)
    if status_code >= 500:
        # The traceback goes to the log (django.request), never to the client.
        return _json_error("server_error", _("An unexpected error occurred on the server. It has been logged."),
                           status_code)
    if status_code == 403:
        return _json_error("permission_denied", _("You do not have permission to perform this action."), 403)
    return _json_error("bad_request", _("The request could not be understood."), status_code)


class JsonErrorsMiddleware:
    """Under /api/, every error answer is JSON in the error shape, in every profile: what DRF's handler never
    sees (an unknown route, a body over the size limit, a crash) arrives here as Django's HTML error page, or
    DEBUG's technical one, and leaves as JSON. Place it right after SecurityMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code >= 400 and is_api_request(request)
                and not response.get("Content-Type", "").startswith("application/json")):
            return _error_for_status(response.status_code)
        return response

    def process_exception(self, request, exception):
        # Django answers a too-large body with a plain 400; the client should learn it was the size.
        if is_api_request(request) and isinstance(exception, RequestDataTooBig):
            return _json_error("request_too_large", _(
                "The request body is too large (maximum %(kb)d KB)."
            ) % {"kb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024}, 413)
        return None
