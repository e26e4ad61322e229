"""Our JSON Schema for OpenLineage 2-0-2 events: every part that carries meaning, checked.

``openlineage-python`` ships generated classes but not the spec's JSON Schema files, so this is
our own rendering of the spec's rules (spec/OpenLineage.json and the facet schemas), made as
tolerant as Marquez where real emitters are sloppy:

- ``schemaURL`` may be missing (Marquez assumes the current spec);
- ``producer`` is required (Marquez rejects events without it);
- facets may omit ``_producer`` and ``_schemaURL`` (several integrations do);
- unknown keys and custom facets are kept, never rejected.

What is checked strictly is what we act on: ``eventTime``, ``run.runId`` (a UUID), the job and
dataset addresses, and the shape of the facets we read (``schema``, ``columnLineage``,
``dataQualityMetrics``, ``dataQualityAssertions``, ``ownership``, ``documentation``).
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import jsonschema_rs
from jsonschema import Draft7Validator, FormatChecker

_NAME = {"type": "string", "minLength": 1}
_FACET = {
    "type": "object",
    "properties": {
        "_producer": {"type": "string"},
        "_schemaURL": {"type": "string"},
        "_deleted": {"type": "boolean"},
    },
}


_DELETED = {"properties": {"_deleted": {"const": True}}, "required": ["_deleted"]}


def _facet(properties: dict, required: list[str] | None = None) -> dict:
    # A facet sent as ``{"_deleted": true}`` removes it and needs none of its usual fields.
    return {
        "allOf": [_FACET],
        "type": "object",
        "if": _DELETED,
        "else": {"properties": properties, "required": required or []},
    }


_SCHEMA_FIELD = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": _NAME,
        "type": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "ordinal_position": {"type": "integer", "minimum": 1},
        "fields": {"type": "array", "items": {"$ref": "#/definitions/SchemaField"}},
    },
}
_INPUT_FIELD = {
    "type": "object",
    "required": ["namespace", "name", "field"],
    "properties": {
        "namespace": _NAME,
        "name": _NAME,
        "field": _NAME,
        "transformations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string"},
                    "subtype": {"type": "string"},
                    "description": {"type": "string"},
                    "masking": {"type": "boolean"},
                },
            },
        },
    },
}
_COLUMN_METRIC = {
    "type": "object",
    "properties": {
        "nullCount": {"type": "integer"},
        "distinctCount": {"type": "integer"},
        "sum": {"type": "number"},
        "count": {"type": "number"},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "quantiles": {"type": "object", "additionalProperties": {"type": "number"}},
    },
}
_METRICS = _facet(
    {
        "rowCount": {"type": "integer"},
        "bytes": {"type": "integer"},
        "fileCount": {"type": "integer"},
        "lastUpdated": {"type": "string", "format": "date-time"},
        "columnMetrics": {"type": "object", "additionalProperties": _COLUMN_METRIC},
    },
    ["columnMetrics"],
)
_ASSERTIONS = _facet(
    {
        "assertions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["assertion", "success"],
                "properties": {
                    "assertion": _NAME,
                    "success": {"type": "boolean"},
                    "column": {"type": "string"},
                    "severity": {"type": "string"},
                    "name": {"type": "string"},
                },
            },
        }
    },
    ["assertions"],
)
_DATASET_FACETS = {
    "type": "object",
    "additionalProperties": _FACET,
    "properties": {
        "schema": _facet({"fields": {"type": "array", "items": {"$ref": "#/definitions/SchemaField"}}}),
        "columnLineage": _facet(
            {
                "fields": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["inputFields"],
                        "properties": {"inputFields": {"type": "array", "items": _INPUT_FIELD}},
                    },
                },
                "dataset": {"type": "array", "items": _INPUT_FIELD},
            },
            ["fields"],
        ),
        "ownership": _facet(
            {
                "owners": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": _NAME, "type": {"type": "string"}},
                    },
                }
            }
        ),
        "documentation": _facet({"description": {"type": "string"}, "contentType": {"type": "string"}},
                                ["description"]),
        "dataSource": _facet({"name": {"type": "string"}, "uri": {"type": "string"}}),
        # The dataset-facet variants of the quality facets (DatasetEvents carry these).
        "dataQualityMetrics": _METRICS,
        "dataQualityAssertions": _ASSERTIONS,
    },
}
_DATASET = {
    "type": "object",
    "required": ["namespace", "name"],
    "properties": {"namespace": _NAME, "name": _NAME, "facets": _DATASET_FACETS},
}
_INPUT = {
    "allOf": [_DATASET],
    "properties": {
        "inputFacets": {
            "type": "object",
            "additionalProperties": _FACET,
            "properties": {"dataQualityMetrics": _METRICS, "dataQualityAssertions": _ASSERTIONS},
        }
    },
}
_OUTPUT = {
    "allOf": [_DATASET],
    "properties": {"outputFacets": {"type": "object", "additionalProperties": _FACET}},
}
_FACETS = {"type": "object", "additionalProperties": _FACET}
_JOB = {
    "type": "object",
    "required": ["namespace", "name"],
    "properties": {"namespace": _NAME, "name": _NAME, "facets": _FACETS},
}
_BASE = {
    "eventTime": {"type": "string", "format": "date-time"},
    "producer": {"type": "string", "minLength": 1},
    "schemaURL": {"type": "string"},
}
_DEFS = {"SchemaField": _SCHEMA_FIELD}

RUN_EVENT = {
    "definitions": _DEFS,
    "type": "object",
    "required": ["eventTime", "producer", "run", "job"],
    "properties": {
        **_BASE,
        "eventType": {"enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]},
        "run": {
            "type": "object",
            "required": ["runId"],
            "properties": {"runId": {"type": "string", "format": "uuid"}, "facets": _FACETS},
        },
        "job": _JOB,
        "inputs": {"type": "array", "items": _INPUT},
        "outputs": {"type": "array", "items": _OUTPUT},
    },
}
JOB_EVENT = {
    "definitions": _DEFS,
    "type": "object",
    "required": ["eventTime", "producer", "job"],
    "properties": {
        **_BASE,
        "job": _JOB,
        "inputs": {"type": "array", "items": _INPUT},
        "outputs": {"type": "array", "items": _OUTPUT},
    },
}
DATASET_EVENT = {
    "definitions": _DEFS,
    "type": "object",
    "required": ["eventTime", "producer", "dataset"],
    "properties": {**_BASE, "dataset": _DATASET},
}

_formats = FormatChecker(formats=())


def _fast(check):
    """A format check as jsonschema-rs wants it: a callable answering True or False."""

    def run(value) -> bool:
        try:
            return check(value)
        except ValueError:
            return False

    return run


@_formats.checks("date-time", raises=ValueError)
def _is_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a time zone offset or Z")
    try:  # stored in UTC: 9999-12-31T23:59:59-14:00 is past the last datetime once converted
        parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("a date-time must stay between years 1 and 9999 in UTC") from exc
    return True


@_formats.checks("uuid", raises=ValueError)
def _is_uuid(value) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


SCHEMAS = {"run": RUN_EVENT, "job": JOB_EVENT, "dataset": DATASET_EVENT}
# Draft 7 so that both validators read the same document: jsonschema-rs (compiled) answers
# "valid?" for every event, and jsonschema explains the rare invalid ones with every path.
VALIDATORS = {kind: Draft7Validator(schema, format_checker=_formats) for kind, schema in SCHEMAS.items()}
FAST = {
    kind: jsonschema_rs.validator_for(
        {"$schema": "http://json-schema.org/draft-07/schema#", **schema}, validate_formats=True, offline=True,
        formats={"date-time": _fast(_is_datetime), "uuid": _fast(_is_uuid)},
    )
    for kind, schema in SCHEMAS.items()
}
