"""A request id and the acting user for every HTTP request, for the events recorded while it runs."""
from __future__ import annotations

import re
import uuid

from audit import context

HEADER = "X-Request-ID"
# An incoming id is kept when it is short and plain (a proxy's or a client's); anything else is
# replaced, so an id can never smuggle text into logs or the audit export.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def request_id_of(request) -> str:
    incoming = request.headers.get(HEADER, "")
    return incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex


class AuditContextMiddleware:
    """Opens the audit context (request id, the request whose user acts) and answers with ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request)
        request.request_id = request_id
        with context.request_scope(request, request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response
