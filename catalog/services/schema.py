"""Observed schemas: columns reported for a port (OpenLineage ``schema`` facets), compared with its contract.

The drift found this way is kept apart from the profiler's (``flags["schema_drift"]``, measured on
the data itself): ``flags["schema_drift_reported"]`` holds what pipelines say they wrote, so the two
sources never overwrite each other.
"""
from __future__ import annotations

from django.db import transaction

from catalog.changes import Kind, product_changes_announce
from catalog.descriptors.mapping import schema_object
from catalog.models import Column, DataProduct, OutputPort

FLAG = "schema_drift_reported"
# The change these writes announce: lineage, which observed it, does not hear it again.
OBSERVED = "observed_columns"


def _contract_properties(port: OutputPort) -> dict[str, dict] | None:
    """The contract's properties for the port's schema object, by name; None without a contract."""
    if port.contract is None:
        return None
    chosen = schema_object(port.contract.document, port.schema_object)
    if not chosen:
        return None
    return {p["name"]: p for p in chosen.get("properties") or [] if isinstance(p, dict) and "name" in p}


def schema_drift(port: OutputPort, fields: list[dict]) -> dict:
    """What differs between the observed ``fields`` and the contract: empty when they agree."""
    expected = _contract_properties(port)
    if expected is None:
        return {}
    observed = {f["name"]: f for f in fields}
    changed = [
        {"column": name, "contract": expected[name].get("physicalType"), "observed": f.get("type")}
        for name, f in observed.items()
        if name in expected and f.get("type") and expected[name].get("physicalType")
        and f["type"].lower() != expected[name]["physicalType"].lower()
    ]
    drift = {
        "missing": sorted(set(expected) - set(observed)),
        "unexpected": sorted(set(observed) - set(expected)),
        "type_changed": changed,
    }
    return drift if any(drift.values()) else {}


@transaction.atomic
def output_port_schema_observe(*, port: OutputPort, fields: list[dict], source: str) -> bool:
    """Record the columns observed on a port (e.g. an OpenLineage ``schema`` facet) and its drift.

    Columns the contract declares are kept (the contract stays the promise); observed columns fill
    in a missing physical type and unknown ones are added. Returns whether anything changed.
    """
    changed = _columns_upsert(port, fields)
    product = DataProduct.objects.select_for_update().get(pk=port.product_id)
    drift = schema_drift(port, fields)
    flags = dict(product.flags or {})
    by_port = dict(flags.get(FLAG) or {})
    key = f"{port.name}@{port.version}"
    before = by_port.get(key)
    if drift:
        by_port[key] = {**drift, "source": source}
    else:
        by_port.pop(key, None)
    if by_port.get(key) != before:
        flags[FLAG] = by_port
        if not by_port:
            flags.pop(FLAG)
        DataProduct.objects.filter(pk=product.pk).update(flags=flags)
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
