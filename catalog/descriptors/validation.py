"""Validate documents against their standard's JSON Schema, then against Meshport's own rules.

Every error is collected (not just the first) and named by its path, e.g.
``product.outputPorts[0].name`` or ``contracts[1].servers[0].type``.
"""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema_rs
from jsonschema import exceptions as schema_exceptions
from jsonschema.validators import validator_for

from catalog.descriptors import mapping, rules
from catalog.descriptors.errors import DescriptorError
from catalog.descriptors.payload import CONTRACT_KIND, PRODUCT_KIND, Document

ODPS_SCHEMA = Path(__file__).with_name("schemas") / "odps-v1.0.0.json"
ENUM_SHOWN = 12
JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


@cache
def schema_for(kind: str) -> dict:
    """ODCS's schema as its package ships it, or our own ODPS v1.0.0 schema."""
    if kind == CONTRACT_KIND:
        return json.loads(resources.files("open_data_contract_standard").joinpath("schema.json").read_text())
    return json.loads(ODPS_SCHEMA.read_text())


@cache
def schema_validator(kind: str):
    """The validator that explains failures, path by path (pure Python ``jsonschema``)."""
    schema = schema_for(kind)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@cache
def fast_validator(kind: str):
    """A compiled validator that answers valid or not a hundred times faster.

    Valid documents (the common case) never pay for the Python validator's
    ``unevaluatedProperties`` bookkeeping; formats are not asserted, as in ``schema_validator``.
    """
    return jsonschema_rs.validator_for(schema_for(kind), validate_formats=False, offline=True)


def validate_documents(documents: list[Document], *, actor=None) -> None:
    """Raise ``DescriptorError`` listing every problem in these documents, or return."""
    errors = []
    for doc in documents:
        errors += document_schema_errors(doc)
    errors += rules.payload_errors(documents, actor=actor)
    if errors:
        # Files: in reading order. Payloads (no file, no line) keep document order.
        raise DescriptorError(sorted(_unique(errors), key=lambda e: (e.get("file") or "", e.get("line") or 0)))


def document_schema_errors(doc: Document) -> list[dict]:
    if doc.kind is None:
        return [doc.error(("kind",), f"Expected kind {PRODUCT_KIND} or {CONTRACT_KIND}.")]
    if fast_validator(doc.kind).is_valid(doc.data):
        return []
    validator = schema_validator(doc.kind)
    found = sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    return [e for error in _without_echoes(found) for e in _translate(doc, error)]


def _without_echoes(errors: list) -> list:
    """Drop "unevaluated property" errors on objects that already fail for another reason.

    When a conditional branch fails (an unknown server type, a missing ``port``), JSON Schema
    forgets which properties the branch evaluated and reports them as unknown too: noise.
    """
    real = [tuple(e.absolute_path) for e in errors if e.validator != "unevaluatedProperties"]

    def echo(error) -> bool:
        path = tuple(error.absolute_path)
        return error.validator == "unevaluatedProperties" and any(p[: len(path)] == path for p in real)

    return [e for e in errors if not echo(e)]


def _translate(doc: Document, error) -> list[dict]:
    if error.context:  # anyOf / oneOf: report the branch that came closest
        error = schema_exceptions.best_match([error])
    parts = tuple(error.absolute_path)
    names = _offending_keys(error)
    if error.validator == "required" and names:
        return [doc.error(parts + (names[0],), "This field is required.")]
    if error.validator in ("additionalProperties", "unevaluatedProperties") and names:
        return [doc.error(parts + (name,), "Unknown field (not in the standard).") for name in names]
    if error.validator == "enum" and parts[:1] == ("servers",) and parts[2:] == ("type",):
        supported = ", ".join(sorted(mapping.SUPPORTED_SERVERS))
        return [doc.error(parts, f"Unknown server type {_short(error.instance)}; Meshport reads: {supported}.")]
    return [doc.error(parts, _message(error))]


def _offending_keys(error) -> list[str]:
    """The properties a ``required`` or unknown-property error names (jsonschema quotes them)."""
    if not isinstance(error.instance, dict):
        return []
    if error.validator == "required":
        candidates = [p for p in error.validator_value if p not in error.instance]
    else:
        candidates = list(error.instance)
    return [p for p in candidates if repr(p) in error.message]


def _message(error) -> str:
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"Expected {expected}, got {_json_type(error.instance)} {_short(error.instance)}."
    if error.validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        shown = ", ".join(allowed[:ENUM_SHOWN]) + (f" … ({len(allowed)} in all)" if len(allowed) > ENUM_SHOWN else "")
        return f"{_short(error.instance)} is not allowed; expected one of: {shown}."
    if error.validator == "const":
        return f"Expected {error.validator_value!r}, got {_short(error.instance)}."
    return error.message if len(error.message) <= 300 else error.message[:297] + "..."


def _json_type(value) -> str:
    return "null" if value is None else JSON_TYPES.get(type(value), type(value).__name__)


def _short(value) -> str:
    shown = json.dumps(value, default=str)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _unique(errors: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for error in errors:
        key = (error.get("file"), error["path"], error["message"])
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique
