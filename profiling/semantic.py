"""Infer what a column means (identifier, category, e-mail …) from its type, statistics and a sample."""
from __future__ import annotations

import re

from profiling.profiler import BOOLEAN, NUMBER, STRING, TEMPORAL, ColumnResult

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
URL = re.compile(r"^https?://\S+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")
SHARE = 0.9


def _share(sample: list, pattern: re.Pattern) -> float:
    values = [str(v) for v in sample[:2000]]
    return sum(1 for v in values if pattern.match(v)) / len(values) if values else 0.0


def _string_type(col: ColumnResult, non_null: int) -> str:
    for name, pattern in (("uuid", UUID), ("url", URL), ("date_string", ISO_DATE)):
        if _share(col.sample, pattern) >= SHARE:
            return name
    length = col.stats.get("length") or {}
    if (length.get("avg") or 0) > 40 and sum(" " in str(v) for v in col.sample[:500]) > len(col.sample[:500]) / 2:
        return "text"
    if col.stats["distinct_count"] <= max(50, non_null * 0.01):
        return "category"
    return "string"


def semantic_type(col: ColumnResult, row_count: int, pii_kind: str | None = None) -> str:
    """A short label: a PII kind found in the values, or identifier, category, measure, text …"""
    if pii_kind:
        return pii_kind
    non_null = row_count - col.stats["null_count"]
    distinct = col.stats["distinct_count"]
    if col.family == BOOLEAN:
        return "boolean"
    if col.family == TEMPORAL:
        return "date" if col.data_type == "DATE" else "timestamp"
    integral = col.family == NUMBER and not col.data_type.startswith(("FLOAT", "DOUBLE", "DECIMAL", "REAL"))
    if non_null > 1 and distinct >= 0.95 * non_null and (integral or col.family == STRING):
        return "identifier" if not (col.stats.get("length") or {}).get("avg", 0) > 40 else "text"
    if col.family == STRING:
        return _string_type(col, non_null)
    if col.family == NUMBER:
        return "category" if integral and distinct <= 20 else "measure"
    return "other"
