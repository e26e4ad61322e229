"""Validate documents against their standard's JSON Schema, then against Meshport's own rules.

Every error is collected (not just the first) and named by its path, e.g.
``product.outputPorts[0].name`` or ``contracts[1].servers[0].type``.
"""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from jsonschema import exceptions as schema_exceptions
from jsonschema.validators import validator_for

from catalog.descriptors import rules
from catalog.descriptors.errors import DescriptorError
from catalog.descriptors.payload import CONTRACT_KIND, PRODUCT_KIND, Document

ODPS_SCHEMA = Path(__file__).with_name("schemas") / "odps-v1.0.0.json"
JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


@cache
def schema_validator(kind: str):
    """The compiled validator for a kind: ODCS's shipped schema, or our ODPS v1.0.0 schema."""
    if kind == CONTRACT_KIND:
        text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text()
    else:
        text = ODPS_SCHEMA.read_text()
    schema = json.loads(text)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_documents(documents: list[Document], *, actor=None) -> None:
    """Raise ``DescriptorError`` listing every problem in these documents, or return."""
    errors = []
    for doc in documents:
        errors += document_schema_errors(doc)
    errors += rules.payload_errors(documents, actor=actor)
    if errors:
        raise DescriptorError(_unique(errors))


def document_schema_errors(doc: Document) -> list[dict]:
    if doc.kind is None:
        return [doc.error(("kind",), f"Expected kind {PRODUCT_KIND} or {CONTRACT_KIND}.")]
    validator = schema_validator(doc.kind)
    found = sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    return [_translate(doc, error) for error in _without_echoes(found)]


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


def _translate(doc: Document, error) -> dict:
    if error.context:  # anyOf / oneOf: report the branch that came closest
        error = schema_exceptions.best_match([error])
    parts = tuple(error.absolute_path)
    name = _offending_key(error)
    if error.validator == "required" and name:
        return doc.error(parts + (name,), "This field is required.")
    if error.validator in ("additionalProperties", "unevaluatedProperties") and name:
        return doc.error(parts + (name,), "Unknown field (not in the standard).")
    return doc.error(parts, _message(error))


def _offending_key(error) -> str | None:
    """The property a ``required`` or unknown-property error is about (first one named)."""
    if not isinstance(error.instance, dict):
        return None
    if error.validator == "required":
        candidates = [p for p in error.validator_value if p not in error.instance]
    else:
        candidates = list(error.instance)
    return next((p for p in candidates if repr(p) in error.message), None)


def _message(error) -> str:
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"Expected {expected}, got {_json_type(error.instance)} {_short(error.instance)}."
    if error.validator == "enum":
        return f"{_short(error.instance)} is not allowed; expected one of: {', '.join(map(str, error.validator_value))}."
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
