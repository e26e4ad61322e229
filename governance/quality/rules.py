"""Quality rules read from an ODCS contract: object- and property-level ``quality`` lists."""
from __future__ import annotations

from dataclasses import dataclass, field

from catalog.descriptors.mapping import schema_object

LIBRARY_METRICS = ("nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount")
# ODCS names validity "conformity"; the score speaks of validity, as the profiling tools do.
DIMENSION_ALIASES = {"conformity": "validity"}
DEFAULT_DIMENSIONS = {
    "nullValues": "completeness",
    "missingValues": "completeness",
    "rowCount": "completeness",
    "invalidValues": "validity",
    "duplicateValues": "uniqueness",
}
SEVERITIES = ("error", "warning", "info")
TIMESTAMP_TYPES = ("timestamp", "date")


@dataclass
class Rule:
    """One quality rule, normalised: where it applies, what it measures and what it expects."""

    name: str
    kind: str  # library | sql | text | custom
    dimension: str
    severity: str
    column: str = ""
    metric: str = ""
    unit: str = "rows"
    query: str = ""
    raw: dict = field(default_factory=dict)

    @property
    def arguments(self) -> dict:
        """``arguments`` (ODCS 3.1) merged over keys written on the rule itself (3.0 style)."""
        legacy = {k: self.raw[k] for k in ("validValues", "pattern", "missingValues", "properties") if k in self.raw}
        return {**legacy, **(self.raw.get("arguments") or {})}


def contract_rules(document: dict, object_name: str = "") -> list[Rule]:
    """Every quality rule of the port's schema object, object-level first, then per property."""
    obj = schema_object(document, object_name)
    rules = [_rule(raw, obj, column="") for raw in obj.get("quality") or [] if isinstance(raw, dict)]
    for prop in obj.get("properties") or []:
        if not isinstance(prop, dict) or not prop.get("name"):
            continue
        rules += [_rule(raw, obj, column=prop["name"]) for raw in prop.get("quality") or [] if isinstance(raw, dict)]
    return rules


def _rule(raw: dict, obj: dict, *, column: str) -> Rule:
    metric = raw.get("metric") or raw.get("rule") or ""
    kind = raw.get("type") or ("library" if metric else "text")
    target = column or obj.get("name") or "data"
    dimension = raw.get("dimension") or DEFAULT_DIMENSIONS.get(metric, "validity")
    severity = str(raw.get("severity") or "warning").lower()
    unit = "percent" if str(raw.get("unit", "")).lower() in ("percent", "%") else "rows"
    return Rule(
        name=raw.get("name") or f"{metric or kind} on {target}",
        kind=kind,
        dimension=DIMENSION_ALIASES.get(dimension, dimension),
        severity=severity if severity in SEVERITIES else "warning",
        column=column,
        metric=metric,
        unit=unit,
        query=raw.get("query") or "",
        raw=raw,
    )


def timestamp_columns(document: dict, object_name: str = "") -> list[str]:
    """Properties whose logical type is a timestamp or a date, in contract order."""
    obj = schema_object(document, object_name)
    return [
        p["name"]
        for p in obj.get("properties") or []
        if isinstance(p, dict) and p.get("name") and str(p.get("logicalType", "")).lower() in TIMESTAMP_TYPES
    ]


def freshness_element(document: dict, object_name: str = "") -> str:
    """The column a latency/freshness SLA points at (``element: object.column``), if any."""
    obj = schema_object(document, object_name)
    names = {obj.get("name"), obj.get("physicalName")} - {None, ""}
    for sla in document.get("slaProperties") or []:
        if not isinstance(sla, dict) or str(sla.get("property", "")).lower() not in ("latency", "freshness"):
            continue
        for element in str(sla.get("element") or "").split(","):
            table, _, column = element.strip().rpartition(".")
            if column and (not table or table in names or not names):
                return column
    return ""
