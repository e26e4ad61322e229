"""OpenLineage events: validation against our JSON Schema, with errors that name the field."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message}


def event_kind(event) -> str | None:
    """RunEvent, JobEvent or DatasetEvent, told apart the way the spec's ``oneOf`` does."""
    if not isinstance(event, dict):
        return None
    if "run" in event:
        return "run"
    if "dataset" in event:
        return "dataset"
    if "job" in event:
        return "job"
    return "run"  # the common case: report what a RunEvent lacks


def format_path(parts, prefix: str = "") -> str:
    path = prefix
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def validate_event(event, prefix: str = "") -> list[FieldError]:
    """Every schema violation in ``event``, each with its field path, in document order."""
    from lineage.openlineage.schema import FAST, VALIDATORS

    kind = event_kind(event)
    if kind is None:
        return [FieldError(prefix or "$", "An OpenLineage event must be a JSON object.")]
    if FAST[kind].is_valid(event):
        return []
    errors = []  # the rare invalid event: explained with every failing path
    for error in VALIDATORS[kind].iter_errors(event):
        parts = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [p for p in error.validator_value if p not in error.instance]
            parts += missing[:1]
            message = "This field is required."
        else:
            message = error.message
        errors.append(FieldError(format_path(parts, prefix), message))
    return sorted(set(errors), key=lambda e: e.path)
