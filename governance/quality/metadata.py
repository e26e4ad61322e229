"""The metadata dimension: is the product documented and owned well enough to be trusted?"""
from __future__ import annotations

from catalog.models import Column, DataProduct
from governance.quality.rules import schema_object


def metadata_items(product: DataProduct) -> list[dict]:
    """One scored item per piece of documentation or ownership, with what is missing."""
    owners = product.team_members.filter(role__icontains="owner").exists()
    columns = _columns(product)
    described = sum(1 for _, text in columns if text.strip())
    items = [
        _item("description", bool(product.description.strip()), "no description"),
        _item("purpose", bool(product.purpose.strip()), "no purpose stated"),
        _item("owners", owners, "no team member with the owner role"),
        _item("support", bool(product.support), "no support channel"),
        _item("tags", product.tags.exists(), "no tags"),
    ]
    if columns:
        undocumented = [name for name, text in columns if not text.strip()]
        shown = ", ".join(undocumented[:5]) + (" …" if len(undocumented) > 5 else "")
        items.append(
            {
                **_item("column descriptions", not undocumented, f"{len(undocumented)} of {len(columns)} columns "
                        f"have no description ({shown})"),
                "conformance": described / len(columns),
            }
        )
    return items


def _columns(product: DataProduct) -> list[tuple[str, str]]:
    """(name, description) of every column: the catalog's rows, else the contracts' properties."""
    rows = list(Column.objects.filter(port__product=product).values_list("name", "description"))
    if rows:
        return rows
    columns = []
    for port in product.output_ports.select_related("contract"):
        document = port.contract.document if port.contract_id else {}
        obj = schema_object(document, port.schema_object)
        columns += [(p["name"], str(p.get("description") or "")) for p in obj.get("properties") or []
                    if isinstance(p, dict) and p.get("name")]
    return columns


def _item(name: str, present: bool, missing: str) -> dict:
    return {
        "name": f"metadata: {name}",
        "rule_kind": "metadata",
        "dimension": "metadata",
        "severity": "warning",
        "passed": present,
        "error": "",
        "column": "",
        "measured": 1.0 if present else 0.0,
        "expected": {"mustBe": 1},
        "message": f"{name} present" if present else missing,
        "conformance": 1.0 if present else 0.0,
    }
