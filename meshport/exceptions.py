"""API error shape: every 4xx body names the failing field path and the reason.

``{"detail": "...", "errors": [{"path": "outputPorts[0].name", "message": "..."}]}``; errors found
while reading a YAML or JSON text carry its ``line`` too, when it is known.
"""
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    """The body is larger than ``MESHPORT_MAX_BODY_BYTES``; it was not read past the limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit: int):
        super().__init__(too_large_message(limit))


class BodyRejected(ParseError):
    """The body was read but is not data we accept; ``errors`` name each place (path, line)."""

    def __init__(self, errors: list[dict], detail: str = "The request body cannot be read."):
        super().__init__(detail)
        self.errors = errors


def too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit} bytes, the most Meshport accepts."


def _flatten(data, prefix=""):
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix and key != "non_field_errors" else (prefix or str(key))
            yield from _flatten(value, path)
    elif isinstance(data, list) and data and all(isinstance(v, str) for v in data):
        for message in data:
            yield {"path": prefix, "message": str(message)}
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _flatten(value, f"{prefix}[{i}]")
    else:
        yield {"path": prefix, "message": str(data)}


def exception_handler(exc, context):
    # Imported here: rest_framework.views loads the parser classes, and meshport.parsers imports this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(response.data, (dict, list)):
        return response
    if isinstance(exc, BodyRejected):
        response.data = {"detail": str(exc.detail), "errors": exc.errors}
        return response
    data = response.data
    if isinstance(data, dict) and "errors" in data:
        return response
    if isinstance(data, dict) and set(data) == {"detail"}:
        return response
    errors = list(_flatten(data))
    response.data = {"detail": "Invalid input.", "errors": errors}
    return response
