"""Rules that keep documents within what the catalog's rows can hold (lengths, unique names).

Without them a long name or a repeated column would fail at the database, as a 500, instead
of as a 400 naming the field.
"""
from __future__ import annotations

from standards.payload import Document

PRODUCT_LIMITS = {"id": 200, "name": 200, "version": 50}
PORT_LIMITS = {"name": 200, "version": 50, "contractId": 200}
MEMBER_LIMITS = {"username": 200, "name": 200, "role": 100}
CONTRACT_LIMITS = {"id": 200, "name": 200, "version": 50, "status": 50}
PROPERTY_LIMITS = {"name": 200, "logicalType": 50, "physicalType": 100}
TAG_LIMIT = 64
# What one descriptor typed or uploaded in the marketplace may weigh (UTF-8 bytes).
TEXT_MAX_BYTES = 1024 * 1024


def product_limit_errors(doc: Document) -> list[dict]:
    data = doc.data
    errors = _too_long(doc, (), data, PRODUCT_LIMITS)
    for key in ("outputPorts", "inputPorts"):
        for i, port in _items(data.get(key)):
            errors += _too_long(doc, (key, i), port, PORT_LIMITS)
    team = data.get("team") if isinstance(data.get("team"), dict) else {}
    errors += _too_long(doc, ("team",), team, {"name": 200})
    for i, member in _items(team.get("members")):
        errors += _too_long(doc, ("team", "members", i), member, MEMBER_LIMITS)
    tags = data.get("tags") if isinstance(data.get("tags"), list) else []
    errors += [doc.error(("tags", i), _message(TAG_LIMIT)) for i, t in enumerate(tags) if isinstance(t, str) and len(t) > TAG_LIMIT]
    return errors


def contract_limit_errors(doc: Document) -> list[dict]:
    errors = _too_long(doc, (), doc.data, CONTRACT_LIMITS)
    for i, obj in _items(doc.data.get("schema")):
        seen = set()
        for k, prop in _items(obj.get("properties")):
            errors += _too_long(doc, ("schema", i, "properties", k), prop, PROPERTY_LIMITS)
            if prop.get("name") in seen:
                errors.append(doc.error(("schema", i, "properties", k, "name"), f"Another property is also named {prop['name']!r}."))
            seen.add(prop.get("name"))
    return errors


def _items(value) -> list[tuple[int, dict]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _too_long(doc: Document, parts: tuple, data: dict, limits: dict[str, int]) -> list[dict]:
    return [
        doc.error(parts + (key,), _message(limit))
        for key, limit in limits.items()
        if isinstance(data.get(key), str) and len(data[key]) > limit
    ]


def _message(limit: int) -> str:
    return f"Too long: at most {limit} characters."


