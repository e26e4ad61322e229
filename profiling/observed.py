"""Columns pipelines report for a port (OpenLineage ``schema`` facets), and the drift they show.

What pipelines say they wrote is kept apart from what the profiler measured: the drift goes to
``flags["schema_drift_reported"]`` (``profiling.drift.REPORTED_FLAG``), computed by the same rule.
"""
from __future__ import annotations

from django.db import transaction

from catalog.changes import Kind, product_changes_announce
from catalog.models import Column, DataProduct, OutputPort
from profiling.drift import REPORTED_FLAG, compare, declared_columns, port_key, reported_columns, schema_drift

# The change these writes announce: lineage, which observed it, does not hear it again.
OBSERVED = "observed_columns"


@transaction.atomic
def output_port_schema_observe(*, port: OutputPort, fields: list[dict], source: str) -> bool:
    """Record the columns observed on a port and their drift from its contract.

    Columns the contract declares are kept (the contract stays the promise); observed columns fill
    in a missing physical type and unknown ones are added. Returns whether anything changed.
    Without a contract nothing is promised, so nothing drifts.
    """
    changed = _columns_upsert(port, fields)
    product = DataProduct.objects.select_for_update().get(pk=port.product_id)
    drift = compare(declared_columns(port), reported_columns(fields)) if port.contract_id else {}
    by_port = schema_drift(product, REPORTED_FLAG)
    key = port_key(port)
    before = by_port.get(key)
    if drift:
        by_port[key] = {**drift, "source": source}
    else:
        by_port.pop(key, None)
    if by_port.get(key) != before:
        flags = {k: v for k, v in (product.flags or {}).items() if k != REPORTED_FLAG}
        DataProduct.objects.filter(pk=product.pk).update(flags={**flags, REPORTED_FLAG: by_port} if by_port else flags)
        changed = True
    if changed:
        product_changes_announce([product.pk], Kind.UPDATED, fields={OBSERVED})
    return changed


def _columns_upsert(port: OutputPort, fields: list[dict]) -> bool:
    existing = {c.name: c for c in port.columns.all()}
    changed = False
    for position, field in enumerate(fields, start=1):
        column = existing.get(field["name"])
        kind = (field.get("type") or "")[:100]
        if column is None:
            Column.objects.create(
                port=port, name=field["name"][:200], physical_type=kind, observed=True,
                position=field.get("ordinal_position") or position, description=field.get("description") or "",
            )
            changed = True
        elif kind and not column.physical_type:
            Column.objects.filter(pk=column.pk).update(physical_type=kind)
            changed = True
    return changed
