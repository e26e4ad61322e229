"""API error shape: every 4xx body names the failing field path and the reason.

``{"detail": "...", "errors": [{"path": "outputPorts[0].name", "message": "..."}]}``
"""
from rest_framework.views import exception_handler as drf_exception_handler


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
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(response.data, (dict, list)):
        return response
    data = response.data
    if isinstance(data, dict) and "errors" in data:
        return response
    if isinstance(data, dict) and set(data) == {"detail"}:
        return response
    errors = list(_flatten(data))
    response.data = {"detail": "Invalid input.", "errors": errors}
    return response
