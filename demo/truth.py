"""What the demo mesh really contains: its deliberate defects, lineage, PII, statuses, sizes.

Other apps' tests assert against this module (a profiler must find the nulls, the lineage
graph must have these edges, search must hide the drafts …). The generator injects exactly the
defects listed here, so a defect's expected count is computable from the row count alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class Defect:
    """One deliberate flaw in a port's data, and what the contract says instead."""

    kind: str  # nulls | duplicates | invalid_values | stale | schema_drift
    product: str
    port: str
    column: str = ""
    rate: float = 0.0  # share of rows affected (nulls, duplicates, invalid values)
    allowed_percent: float = 0.0  # what the contract's rule tolerates, in percent of rows
    invalid_values: tuple[str, ...] = ()  # the bad values written (invalid_values)
    age_days: int = 0  # stale: how old the file and its newest timestamp are
    slo_hours: float = 0.0  # stale: the contract's latency (freshness) objective
    renamed: dict = field(default_factory=dict)  # schema_drift: contract name → file name
    extra: tuple[str, ...] = ()  # schema_drift: columns in the file the contract lacks
    retyped: dict = field(default_factory=dict)  # schema_drift: column → (contract type, file type)

    def affected_rows(self, rows: int) -> int:
        """Exact number of rows the generator spoils in a file of ``rows`` rows."""
        return max(1, round(self.rate * rows)) if self.rate else 0


NULL_EMAILS = Defect(
    "nulls", "sales.customers", "customers", "email", rate=0.08, allowed_percent=1.0,
)
DUPLICATE_ORDER_IDS = Defect(
    "duplicates", "sales.orders", "orders", "order_id", rate=0.005, allowed_percent=0.0,
)
INVALID_PLATFORMS = Defect(
    "invalid_values", "marketing.ad_spend", "ad_spend", "platform", rate=0.03, allowed_percent=0.0,
    invalid_values=("Facebook", "gooogle_ads", "n/a"),
)
INVALID_PHONES = Defect(
    "invalid_values", "sales.customers", "customers", "phone", rate=0.02, allowed_percent=0.5,
    invalid_values=("unknown", "0049-30-1234", "+49 (0)30 000"),
)
STALE_SNAPSHOTS = Defect(
    "stale", "logistics.inventory_snapshots", "inventory_snapshots", "snapshot_ts",
    age_days=9, slo_hours=24,
)
DRIFTED_DELIVERY_EVENTS = Defect(
    "schema_drift", "logistics.delivery_events", "delivery_events",
    renamed={"status": "event_status"},
    extra=("scanner_id",),
    retyped={"dwell_minutes": ("INTEGER", "VARCHAR")},
)

DEFECTS: tuple[Defect, ...] = (
    NULL_EMAILS, DUPLICATE_ORDER_IDS, INVALID_PLATFORMS, INVALID_PHONES, STALE_SNAPSHOTS,
    DRIFTED_DELIVERY_EVENTS,
)


# The ODCS library metric each data defect breaks.
BROKEN_METRIC = {"nulls": "nullValues", "duplicates": "duplicateValues", "invalid_values": "invalidValues"}


def failing_rules() -> set[tuple[str, str, str, str]]:
    """(product, port, column, metric) of every contract quality rule the demo data breaks.

    Every other rule of every contract passes (schema drift and staleness aside, which break
    the schema and the latency objective rather than a quality rule).
    """
    return {(d.product, d.port, d.column, BROKEN_METRIC[d.kind]) for d in DEFECTS if d.kind in BROKEN_METRIC}


def defects_for(product: str, kind: str | None = None) -> list[Defect]:
    return [d for d in DEFECTS if d.product == product and (kind is None or d.kind == kind)]


def defect(product: str, kind: str) -> Defect:
    (found,) = defects_for(product, kind)
    return found


# Facts read off the mesh definition, so they can never disagree with what is published.

@cache
def _products():
    from demo.mesh import PRODUCTS

    return PRODUCTS


def domains() -> list[str]:
    from demo.mesh import DOMAINS

    return [d.slug for d in DOMAINS]


def products() -> list[str]:
    return [p.identifier for p in _products()]


def lineage_edges() -> set[tuple[str, str]]:
    """(upstream, downstream) product pairs declared through input ports."""
    return {(src, p.identifier) for p in _products() for src in p.inputs}


def pii_products() -> set[str]:
    return {p.identifier for p in _products() if p.has_pii}


def pii_columns() -> set[tuple[str, str, str]]:
    """(product, port, column) triples classified ``pii`` in the contracts."""
    return {
        (p.identifier, port.name, c.name) for p in _products() for port in p.ports for c in port.columns if c.pii
    }


def with_status(status: str) -> set[str]:
    """Products by catalog status: draft, published, deprecated, retired."""
    odps = {"published": "active"}.get(status, status)
    return {p.identifier for p in _products() if p.status == odps}


def with_visibility(visibility: str) -> set[str]:
    return {p.identifier for p in _products() if p.visibility == visibility}


def row_counts(*, quick: bool) -> dict[str, int]:
    """Rows of every file or table port, keyed ``<product>:<port>``; API ports have none."""
    from demo.mesh import port_rows

    return {
        f"{p.identifier}:{port.name}": port_rows(p, port, quick=quick)
        for p in _products() for port in p.ports if port.kind != "api"
    }


def freshness_slos() -> dict[str, tuple[float, str]]:
    """Per data port (``<product>:<port>``): the latency objective in hours and the column it
    is measured on ("" when only the file's age tells). Ports without an objective are absent
    (the retired product is frozen). Every port here is fresh after a load, except the ports
    of the ``stale`` defects."""
    hours = {"h": 1.0, "d": 24.0}
    return {
        f"{p.identifier}:{port.name}": (port.latency[0] * hours[port.latency[1]], port.latency_element)
        for p in _products() for port in p.ports if port.kind != "api" and port.latency is not None
    }


def stale_ports() -> set[str]:
    return {f"{d.product}:{d.port}" for d in DEFECTS if d.kind == "stale"}


def lineage_depth() -> int:
    """Longest chain of products in the declared lineage (edges, not nodes)."""
    edges = lineage_edges()
    upstream: dict[str, set[str]] = {}
    for src, dst in edges:
        upstream.setdefault(dst, set()).add(src)

    @cache
    def depth(node: str) -> int:
        return max((depth(u) + 1 for u in upstream.get(node, ())), default=0)

    return max(depth(p) for p in products())
