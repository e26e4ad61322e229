"""Schema drift: columns seen in the data against the columns the contract declares — in one place.

Two sources see columns: the profiler (types DuckDB read) and pipelines (OpenLineage ``schema``
facets, types as the source system names them). Both are compared here, by the same rule, into the
same shape (``added`` / ``missing`` / ``changed``), and kept under two keys of ``DataProduct.flags``
so neither overwrites the other: ``schema_drift`` (profiled) and ``schema_drift_reported``.
"""
from __future__ import annotations

from types import SimpleNamespace

from catalog.descriptors.mapping import column_rows, schema_object
from profiling.profiler import BOOLEAN, NUMBER, OTHER, STRING, TEMPORAL, ColumnResult, family_of

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
# The keys of ``DataProduct.flags`` holding each port's drift (by ``port_key``): profiled, reported.
FLAG = "schema_drift"
REPORTED_FLAG = "schema_drift_reported"


def port_key(port) -> str:
    """How a port is named in the drift flag: ``name@version``."""
    return f"{port.name}@{port.version}"


def schema_drift(product, flag: str = FLAG) -> dict[str, dict]:
    """The drift of each port of ``product`` (``port_key`` → added / missing / changed) that the
    profiler found (or, with ``REPORTED_FLAG``, pipelines reported); {} when none was found."""
    flagged = (product.flags or {}).get(flag)
    if not isinstance(flagged, dict):
        return {}
    return {key: drift for key, drift in flagged.items() if isinstance(drift, dict)}


def _type_changed(declared, col: ColumnResult) -> bool:
    """Whether a column's type breaks the contract's: by ``logicalType``, else by ``physicalType``'s family."""
    if not col.data_type:
        return False  # a pipeline may name a column without its type
    logical = (declared.logical_type or "").lower()
    accepted = ACCEPTED.get(logical)
    if accepted is None and declared.physical_type and family_of(declared.physical_type) != OTHER:
        accepted = {family_of(declared.physical_type)}
    if accepted is None:
        return False  # an unknown or empty type promises nothing we can check
    if col.family not in accepted:
        return True
    return logical == "integer" and col.data_type.upper().startswith(FLOATING)


def reported_columns(fields: list[dict]) -> list[ColumnResult]:
    """Columns a pipeline reported (``{"name", "type"}``), typed like profiled ones for ``compare``."""
    return [
        ColumnResult(name=f["name"], position=i, data_type=f.get("type") or "", family=family_of(f.get("type") or ""))
        for i, f in enumerate(fields, start=1)
    ]


def compare(declared: list, profiled: list[ColumnResult]) -> dict:
    """Added, missing and changed columns; ``declared`` from ``declared_columns``."""
    if not declared:
        return {}
    found = {c.name: c for c in profiled}
    expected = {c.name: c for c in declared}
    changed = [
        {"column": name, "expected": col.logical_type or col.physical_type, "found": found[name].data_type}
        for name, col in expected.items()
        if name in found and _type_changed(col, found[name])
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
