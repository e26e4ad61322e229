"""Request-wide guards: a body over the upload limit is refused before anything reads it, and API
routes answer every error as JSON, while pages keep their HTML.

Why a middleware rather than ``handler404``/``handler500`` alone: with DEBUG on (the demo) Django
answers 404 and 500 with its technical HTML pages and never calls the handlers, and its own 400s
(a bad Host, a form past DATA_UPLOAD_MAX_*) are HTML too; every response passes through here.
DRF's parsers read ``request.stream``, past Django's own size check: the length is checked here,
for every parser and form, and ``meshport.parsers`` read no more than the limit whatever it says.
"""
from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.html import format_html
from django.views import defaults
from rest_framework.response import Response

from meshport.exceptions import too_large_message

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
SERVER_ERROR = "Server error: the request could not be completed."
DATABASE_UNAVAILABLE = "The database is unavailable right now; please retry shortly."
RETRY_AFTER_SECONDS = 5
MESSAGES = {
    400: "Bad request.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    500: SERVER_ERROR,
}
# Headers of the replaced page that are about the content, not the exchange.
_CONTENT_HEADERS = {"content-type", "content-length", "content-language"}


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(request, status: int, detail: str) -> HttpResponse:
    """``{"detail": ...}`` on API routes, a short HTML page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    html = format_html("<!doctype html><title>{0}</title><h1>{0}</h1><p>{1}</p>", status, detail)
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


class RequestGuardMiddleware:
    """What every request must satisfy before anything reads it: a body no longer than
    ``MESHPORT_MAX_BODY_BYTES`` (413, unread), an address without NUL characters (400: PostgreSQL
    cannot hold them, and a lookup by a NUL-bearing identifier would fail as a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MESHPORT_MAX_BODY_BYTES
        if _content_length(request) > limit:
            return error_response(request, 413, too_large_message(limit))
        problem = _nul_in_address(request)
        if problem:
            return error_response(request, 400, problem)
        return self.get_response(request)


class ApiErrorMiddleware:
    """An error on an API route that is not already an API answer becomes ``{"detail": ...}``: never
    Django's HTML page, never a traceback.

    On every route, the database unreachable (down, restarting, refusing connections) is a 503 with
    ``Retry-After``, not a 500: connection-level errors only (``OperationalError``, ``InterfaceError``,
    a connection that failed or was closed under us); a query bug (``ProgrammingError``, ``DataError``)
    stays a 500. ``process_exception`` answers what views raise (with DEBUG on too); what middleware
    raises reaches ``server_error`` (``handler500``), which answers the same."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400 or _is_api_answer(response):
            return response
        status = response.status_code
        detail = MESSAGES.get(status, SERVER_ERROR if status >= 500 else response.reason_phrase + ".")
        replaced = error_response(request, status, detail)
        for header, value in response.items():
            if header.lower() not in _CONTENT_HEADERS:
                replaced[header] = value
        return replaced

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request, exception)
        return None


def database_unavailable(request, exception) -> HttpResponse:
    """503 and ``Retry-After``: JSON on API routes, ``503.html`` (standalone: no database needed) elsewhere."""
    log.error("database unavailable, answered 503: %s %s: %s", request.method, request.path, exception)
    if is_api(request):
        response = error_response(request, 503, DATABASE_UNAVAILABLE)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request) -> HttpResponse:
    """``handler500``: a 503 when the uncaught error is the database's unavailability, else Django's 500."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable(request, exception)
    return defaults.server_error(request)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads nothing of a body whose length it cannot tell


def _nul_in_address(request) -> str | None:
    if "\x00" in request.path:
        return "The address contains a NUL character (%00)."
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return f"The query parameter {key.replace(chr(0), '%00')!r} contains a NUL character (%00)."
    return None


def _is_api_answer(response) -> bool:
    # DRF's own answers are JSON (or its browsable page, when a browser asks for HTML).
    return isinstance(response, Response) or response.get("Content-Type", "").startswith("application/json")
