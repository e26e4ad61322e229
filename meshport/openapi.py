"""What every operation of the API may answer besides its own responses, declared once.

drf-spectacular documents the responses a view declares; the errors every view shares (a bad
parameter or body, a missing or wrong token, a role that may not, a missing object, a method the
path lacks, a body too large or of another type) come from DRF and ``meshport.exceptions`` in one
shape. ``add_shared_errors`` (a postprocessing hook) adds them, with that shape, to each operation
that does not declare its own.
"""
from __future__ import annotations

ERROR = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx body: `detail`, and for invalid input each field path and reason.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"},
                               "line": {"type": "integer"}},
                "required": ["path", "message"],
            },
        },
    },
    "required": ["detail"],
}
SHARED = {
    "400": "Invalid input: a parameter or the body, each field named with the reason.",
    "401": "No valid credentials (a missing, wrong or expired token).",
    "403": "The credentials may not do this.",
    "404": "No such object (or one the caller may not know of), or no such page.",
    "405": "The path does not take this method.",
    "406": "None of the accepted media types can be answered.",
    "413": "The body is larger than Meshport accepts.",
    "415": "The body's media type is not one Meshport reads.",
}
# Reads and writes do not share every error: a GET has no body to refuse.
BODY_ONLY = {"413", "415"}
METHODS = ("get", "put", "post", "patch", "delete")


def add_shared_errors(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR, ERROR_SCHEMA)
    ref = {"$ref": f"#/components/schemas/{ERROR}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in SHARED.items():
                if code in BODY_ONLY and method in ("get", "delete"):
                    continue
                if code not in responses:
                    responses[code] = {"description": description, "content": {"application/json": {"schema": ref}}}
    return result
