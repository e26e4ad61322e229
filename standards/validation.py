"""Validate documents against their standard's JSON Schema, then against the caller's own rules.

Each contract is held to the schema of the ODCS version it declares (``apiVersion``): v3.0.x and
v3.1.0 as published (``schemas/``), v3.2.0 as the ``open-data-contract-standard`` package ships
it. Judging a v3.1 contract by the v3.2 schema refused what v3.1 allows (a property without
``logicalType``) with an error about v3.2's ``map`` type. ODPS v0.9.0 products are read as
v1.0.0, which only adds fields, and stored as such; the answer says so.

Every error is collected (not just the first) and named by its path, e.g.
``product.outputPorts[0].name`` or ``contracts[1].servers[0].type``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema_rs
from jsonschema import exceptions as schema_exceptions
from jsonschema.validators import validator_for

from standards.errors import DescriptorError
from standards.payload import CONTRACT_KIND, PRODUCT_KIND, Document

SCHEMAS = Path(__file__).with_name("schemas")
ODPS_SCHEMA = SCHEMAS / "odps-v1.0.0.json"
ODCS_PUBLISHED = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0")
ODCS_PACKAGED = "v3.2.0"
ODCS_VERSIONS = (*ODCS_PUBLISHED, ODCS_PACKAGED)
ODCS_CURRENT = "v3.1.0"  # judges contracts whose apiVersion is missing or not a string
ODPS_VERSION = re.compile(r"v1\.[0-9]+\.[0-9]+")
ODPS_UPGRADES = {"v0.9.0": "v1.0.0"}
ENUM_SHOWN = 12
JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


@cache
def schema_for(kind: str, version: str | None = None) -> dict:
    """The schema a document of ``kind`` declaring ``version`` is held to."""
    if kind != CONTRACT_KIND:
        return json.loads(ODPS_SCHEMA.read_text())
    version = version if version in ODCS_VERSIONS else ODCS_CURRENT
    if version == ODCS_PACKAGED:
        return json.loads(resources.files("open_data_contract_standard").joinpath("schema.json").read_text())
    return json.loads((SCHEMAS / f"odcs-json-schema-{version}.json").read_text())


@cache
def schema_validator(kind: str, version: str | None = None):
    """The validator that explains failures, path by path (pure Python ``jsonschema``)."""
    schema = schema_for(kind, version)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@cache
def fast_validator(kind: str, version: str | None = None):
    """A compiled validator that answers valid or not a hundred times faster.

    Valid documents (the common case) never pay for the Python validator's
    ``unevaluatedProperties`` bookkeeping; formats are not asserted, as in ``schema_validator``.
    """
    return jsonschema_rs.validator_for(schema_for(kind, version), validate_formats=False, offline=True)


def validate_documents(documents: list[Document], *, rules: Callable[[list[Document]], list[dict]] | None = None
                       ) -> list[dict]:
    """Raise ``DescriptorError`` listing every problem in these documents, or return the notices.

    ``rules`` adds the caller's own checks (the catalog's: names, domains, permissions) after the
    standards'. Notices (``{"path", "message"}``) say what was read otherwise than written: an ODPS
    v0.9.0 document is upgraded to v1.0.0 here, in place, before anything else reads it.
    """
    notices = [notice for doc in documents for notice in _upgrade(doc)]
    errors = []
    for doc in documents:
        errors += document_schema_errors(doc)
    errors += rules(documents) if rules else []
    if errors:
        # Files: in reading order. Payloads (no file, no line) keep document order.
        raise DescriptorError(sorted(_unique(errors), key=lambda e: (e.get("file") or "", e.get("line") or 0)))
    return notices


def _upgrade(doc: Document) -> list[dict]:
    written = doc.data.get("apiVersion")
    if doc.kind != PRODUCT_KIND or not isinstance(written, str) or written not in ODPS_UPGRADES:
        return []
    doc.data["apiVersion"] = ODPS_UPGRADES[written]
    return [doc.error(("apiVersion",), f"ODPS {written} read as {doc.data['apiVersion']} (which only adds fields); "
                                       f"stored and exported as {doc.data['apiVersion']}.")]


def document_schema_errors(doc: Document) -> list[dict]:
    if doc.kind is None:
        return [doc.error(("kind",), f"Expected kind {PRODUCT_KIND} or {CONTRACT_KIND}.")]
    unread = _unread_version(doc, doc.data.get("apiVersion"))
    if unread and doc.kind == CONTRACT_KIND:
        return [unread]  # no schema to judge the rest by
    version = doc.data.get("apiVersion") if doc.kind == CONTRACT_KIND else None
    version = version if isinstance(version, str) else None
    if fast_validator(doc.kind, version).is_valid(doc.data):
        return [unread] if unread else []
    validator = schema_validator(doc.kind, version)
    found = sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    errors = [e for error in _without_echoes(found) for e in _translate(doc, error)]
    if unread:  # our sentence replaces the schema's pattern mismatch
        errors = [unread, *(e for e in errors if e["path"] != unread["path"])]
    return errors


def _unread_version(doc: Document, version) -> dict | None:
    """The error for an ``apiVersion`` Meshport has no schema for, naming the ones it reads."""
    if not isinstance(version, str):
        return None
    if doc.kind == CONTRACT_KIND and version not in ODCS_VERSIONS:
        return doc.error(("apiVersion",), f"ODCS {version} is not a version Meshport reads; "
                                          f"write one of: {', '.join(ODCS_VERSIONS)}.")
    if doc.kind == PRODUCT_KIND and not ODPS_VERSION.fullmatch(version):
        return doc.error(("apiVersion",), f"ODPS {version} is not a version Meshport reads; write v1.0.0 "
                                          f"(or v1.x; {', '.join(ODPS_UPGRADES)} is read as v1.0.0).")
    return None


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
        version = doc.data.get("apiVersion")
        return [doc.error(parts, f"Unknown server type {_short(error.instance)}: ODCS {version} has no such type.")]
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
