"""Schema drift: the profiled columns and types against the columns the contract declares."""
from __future__ import annotations

from types import SimpleNamespace

from catalog.descriptors.mapping import column_rows, schema_object
from profiling.profiler import BOOLEAN, NUMBER, OTHER, STRING, TEMPORAL, ColumnResult

# ODCS logicalType → the type families a profiled column may have without drifting.
ACCEPTED = {
    "string": {STRING},
    "integer": {NUMBER},
    "number": {NUMBER},
    "date": {TEMPORAL},
    "timestamp": {TEMPORAL},
    "time": {OTHER, TEMPORAL},
    "boolean": {BOOLEAN},
    "object": {OTHER},
    "array": {OTHER},
}
FLOATING = ("FLOAT", "DOUBLE", "REAL")
# The key of ``DataProduct.flags`` where the profiler keeps each port's drift, by ``port_key``.
FLAG = "schema_drift"


def port_key(port) -> str:
    """How a port is named in the drift flag: ``name@version``."""
    return f"{port.name}@{port.version}"


def schema_drift(product) -> dict[str, dict]:
    """The profiler's drift of each port of ``product`` (``port_key`` → added / missing / changed);
    {} when the data of every port matches its contract, or the product was never profiled."""
    flagged = (product.flags or {}).get(FLAG)
    if not isinstance(flagged, dict):
        return {}
    return {key: drift for key, drift in flagged.items() if isinstance(drift, dict)}


def _type_changed(logical: str, col: ColumnResult) -> bool:
    accepted = ACCEPTED.get(logical)
    if accepted is None:
        return False  # an unknown or empty logical type promises nothing we can check
    if col.family not in accepted:
        return True
    return logical == "integer" and col.data_type.startswith(FLOATING)


def compare(declared: list, profiled: list[ColumnResult]) -> dict:
    """Added, missing and changed columns; ``declared`` holds catalog ``Column`` rows."""
    if not declared:
        return {}
    found = {c.name: c for c in profiled}
    expected = {c.name: c for c in declared}
    changed = [
        {"column": name, "expected": col.logical_type, "found": found[name].data_type}
        for name, col in expected.items()
        if name in found and _type_changed((col.logical_type or "").lower(), found[name])
    ]
    drift = {
        "added": [name for name in found if name not in expected],
        "missing": [name for name in expected if name not in found],
        "changed": changed,
    }
    return drift if any(drift.values()) else {}


def declared_columns(port) -> list:
    """The columns the port's contract promises; the port's own columns when it has no contract.

    The port's columns may also hold what pipelines reported (OpenLineage ``schema`` facets add
    the columns they observed), so drift is measured against the contract document itself.
    """
    if port.contract is not None:
        obj = schema_object(port.contract.document, port.schema_object or port.name)
        if obj:
            return [SimpleNamespace(**row) for row in column_rows(obj)]
    return list(port.columns.all())
