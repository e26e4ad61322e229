"""Turn a profile result into stored rows: JSON-safe, masked where values are personal."""
from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid

from catalog.models import Column
from profiling import pii
from profiling.drift import compare, declared_columns
from profiling.models import ColumnProfile, PiiSuggestion, ProfileRun
from profiling.profiler import TableResult
from profiling.semantic import semantic_type

MASK = "•••"
VALUE_KEYS = ("min", "max", "mean", "stddev", "quartiles")
SENSITIVE_CLASSES = {"pii", "restricted", "confidential"}


def json_safe(value):
    """Dates as ISO text, decimals and non-finite floats made JSON-friendly, containers walked."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID | bytes):
        return str(value) if isinstance(value, uuid.UUID) else value.hex()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def masked(stats: dict) -> dict:
    """The statistics with every raw value removed; counts, ratios and lengths stay."""
    out = {k: (None if k in VALUE_KEYS else v) for k, v in stats.items()}
    out["top_values"] = [{"value": MASK, "count": t["count"]} for t in stats.get("top_values", [])]
    if stats.get("histogram"):
        out["histogram"] = {"edges": None, "counts": stats["histogram"]["counts"]}
    return out


def sensitive_columns(port) -> set[str]:
    """Columns whose values must never be stored: classified so, or suggested/confirmed as PII."""
    return sensitive_columns_by_port([port.pk])[port.pk]


def sensitive_columns_by_port(port_ids) -> dict[int, set[str]]:
    """``sensitive_columns`` of many ports in two queries, whatever their number."""
    found: dict[int, set[str]] = {pk: set() for pk in port_ids}
    declared = Column.objects.filter(port_id__in=found, classification__in=SENSITIVE_CLASSES)
    suggested = PiiSuggestion.objects.filter(port_id__in=found).exclude(status=PiiSuggestion.Status.REJECTED)
    for port_id, name in [*declared.values_list("port_id", "name"), *suggested.values_list("port_id", "column_name")]:
        found[port_id].add(name)
    return found


def findings_for(result: TableResult) -> dict[str, pii.Finding]:
    out = {}
    for col in result.columns:
        sample = col.sample if col.family == "string" else []
        found = pii.detect(col.name, sample[:2000])
        if found:
            out[col.name] = found
    return out


def record_suggestions(run: ProfileRun, findings: dict[str, pii.Finding]) -> None:
    """Upsert suggestions; an owner's decision (confirmed or rejected) is never overwritten."""
    for found in findings.values():
        suggestion, created = PiiSuggestion.objects.get_or_create(
            port=run.port, column_name=found.column, kind=found.kind,
            defaults={"confidence": found.confidence, "evidence_count": found.evidence_count,
                      "sample_size": found.sample_size, "by_name": found.by_name, "run": run},
        )
        if not created:
            suggestion.confidence, suggestion.evidence_count = found.confidence, found.evidence_count
            suggestion.sample_size, suggestion.by_name, suggestion.run = found.sample_size, found.by_name, run
            suggestion.save(update_fields=["confidence", "evidence_count", "sample_size", "by_name", "run", "updated"])


def column_rows(run: ProfileRun, result: TableResult, findings: dict, hidden: set[str]) -> list[ColumnProfile]:
    rows = []
    for col in result.columns:
        found = findings.get(col.name)
        kind = found.kind if found and found.evidence_count else None  # a name alone doesn't set the type
        is_masked = col.name in hidden or col.name in findings
        stats = json_safe(col.stats)
        rows.append(ColumnProfile(
            run=run, name=col.name, position=col.position, data_type=col.data_type,
            semantic_type=semantic_type(col, result.row_count, kind), is_approximate=col.is_approximate,
            masked=is_masked, stats=masked(stats) if is_masked else stats,
        ))
    return rows


def store_result(run: ProfileRun, result: TableResult) -> dict:
    """Write columns and suggestions of a finished run; return its schema drift against the contract."""
    findings = findings_for(result)
    record_suggestions(run, findings)
    rejected = set(
        PiiSuggestion.objects.filter(port=run.port, status=PiiSuggestion.Status.REJECTED)
        .values_list("column_name", "kind")
    )
    findings = {name: f for name, f in findings.items() if (name, f.kind) not in rejected}
    hidden = sensitive_columns(run.port)
    ColumnProfile.objects.bulk_create(column_rows(run, result, findings, hidden))
    return compare(declared_columns(run.port), result.columns)
