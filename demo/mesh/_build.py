"""Shorthands the domain modules use to declare columns and to assemble Arrow tables."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from demo.spec import Col

ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
}


def key(name: str, description: str) -> Col:
    return Col(name, "integer", "BIGINT", description, required=True, unique=True, pk=True)


def ref(name: str, description: str, *, required: bool = True) -> Col:
    return Col(name, "integer", "BIGINT", description, required=required)


def count(name: str, description: str) -> Col:
    return Col(name, "integer", "BIGINT", description, required=True)


def amount(name: str, description: str, *, required: bool = True) -> Col:
    return Col(name, "number", "DOUBLE", description, required=required)


def text(name: str, description: str, *, required: bool = False, **kw) -> Col:
    return Col(name, "string", "VARCHAR", description, required=required, **kw)


def pii(name: str, description: str, *, required: bool = False, **kw) -> Col:
    return Col(name, "string", "VARCHAR", description, required=required, pii=True, **kw)


def cat(name: str, description: str, values, *, required: bool = True) -> Col:
    return Col(name, "string", "VARCHAR", description, required=required, valid_values=tuple(values))


def ts(name: str, description: str, *, required: bool = True) -> Col:
    return Col(name, "timestamp", "TIMESTAMP", f"{description} (UTC).", required=required)


def day(name: str, description: str, *, required: bool = True, pk: bool = False) -> Col:
    return Col(name, "date", "DATE", description, required=required, pk=pk)


def flag(name: str, description: str) -> Col:
    return Col(name, "boolean", "BOOLEAN", description, required=True)


def table(columns: tuple[Col, ...], **data) -> pa.Table:
    """An Arrow table with exactly the contract's columns, in order, with the contract's types."""
    missing = {c.name for c in columns} ^ set(data)
    if missing:
        raise ValueError(f"generator and contract disagree on columns: {sorted(missing)}")
    arrays = [_array(data[c.name], ARROW_TYPES[c.physical]) for c in columns]
    return pa.Table.from_arrays(arrays, names=[c.name for c in columns])


def _array(values, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.cast(arrow_type)
    if pa.types.is_date32(arrow_type):
        return pa.array(np.asarray(values).astype("datetime64[D]"), type=arrow_type)
    if pa.types.is_timestamp(arrow_type):
        return pa.array(np.asarray(values).astype("datetime64[us]"), type=arrow_type)
    return pa.array(values, type=arrow_type)


def days_before(anchor: np.datetime64, n: int) -> np.ndarray:
    """The ``n`` calendar days before the anchor's day, oldest first."""
    last = anchor.astype("datetime64[D]") - 1
    return np.arange(last - (n - 1), last + 1)


def weeks_before(anchor: np.datetime64, n: int) -> np.ndarray:
    """Mondays of the ``n`` full weeks before the anchor, oldest first."""
    today = anchor.astype("datetime64[D]")
    monday = today - ((today.astype(int) - 4) % 7)  # 1970-01-05 was a Monday
    return monday - 7 * np.arange(n, 0, -1)


def conform(columns: tuple[Col, ...], result: pa.Table) -> pa.Table:
    """A query result cast to the contract's columns and types."""
    return table(columns, **{name: result.column(name) for name in result.column_names})
