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
    # True: spoiled when the port's file is written (``demo.data.spoil``), after downstream products
    # were computed from the clean data; False: the product's generator writes it in (and passes it on).
    on_write: bool = False

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


# The rest of the mesh is not spotless either: a score means something only if scores differ. Each
# domain has products whose data was let go (stale exports nobody refreshes), replayed loads
# (duplicate keys), free-text typed into coded fields and gaps, so scores spread from about 50 to
# 100 and no domain is perfect on average.
def _nulls(product, column, rate, port=""):
    return Defect("nulls", product, port or product.split(".")[1], column, rate=rate, on_write=True)


def _dupes(product, column, rate, port=""):
    return Defect("duplicates", product, port or product.split(".")[1], column, rate=rate, on_write=True)


def _invalid(product, column, rate, values, port=""):
    return Defect("invalid_values", product, port or product.split(".")[1], column, rate=rate,
                  invalid_values=values, on_write=True)


def _stale(product, age_days, slo_hours, port=""):
    return Defect("stale", product, port or product.split(".")[1], age_days=age_days, slo_hours=slo_hours,
                  on_write=True)


LET_GO: tuple[Defect, ...] = (
    # sales: the deprecated v1 export is no longer fed, and nobody fixed what it had
    _stale("sales.orders_v1_export", 30, 7 * 24),
    _nulls("sales.orders_v1_export", "customer_email", 0.12),
    _dupes("sales.orders_v1_export", "order_id", 0.04),
    _invalid("sales.orders_v1_export", "currency", 0.06, ("eur", "€", "EURO")),
    _invalid("sales.opportunities", "stage", 0.05, ("Won", "lost?", "tbd")),
    # marketing
    _dupes("marketing.email_engagement", "event_id", 0.03),
    _stale("marketing.email_engagement", 4, 24),
    _invalid("marketing.campaigns", "objective", 0.05, ("Awareness", "leads", "???")),
    _nulls("marketing.attribution", "session_id", 0.02),
    # finance
    _stale("finance.payments", 3, 24),
    _invalid("finance.payments", "method", 0.04, ("CARD", "wire", "cash?")),
    _dupes("finance.cost_centers", "code", 0.1),
    _stale("finance.cost_centers", 21, 7 * 24),
    _nulls("finance.revenue_recognition", "recognized_eur", 0.01),
    _invalid("finance.invoices", "status", 0.03, ("Paid", "cancelled", "n/a")),
    # product
    _stale("product.experiments", 6, 24),
    _invalid("product.experiments", "variant", 0.05, ("B ", "ctrl", "variant-3")),
    _dupes("product.pricing_history", "price_change_id", 0.05),
    _nulls("product.pricing_history", "item_id", 0.03),
    _dupes("product.app_events_legacy", "event_id", 0.08),
    _nulls("product.app_events_legacy", "user_ref", 0.15),
    # customer support
    _invalid("customer-support.csat", "score", 0.06, (0, 6, 10)),
    _stale("customer-support.csat", 5, 24),
    _stale("customer-support.knowledge_base_articles", 45, 24),
    _nulls("customer-support.knowledge_base_articles", "title", 0.04),
    _dupes("customer-support.chat_transcripts", "message_id", 0.02),
    _stale("customer-support.agent_performance", 12, 7 * 24),
    # logistics
    _invalid("logistics.returns", "reason", 0.05, ("Damaged", "other?", "unknown")),
    _dupes("logistics.returns", "return_id", 0.02),
    _stale("logistics.warehouses", 20, 7 * 24),
)

DEFECTS: tuple[Defect, ...] = (
    NULL_EMAILS, DUPLICATE_ORDER_IDS, INVALID_PLATFORMS, INVALID_PHONES, STALE_SNAPSHOTS,
    DRIFTED_DELIVERY_EVENTS, *LET_GO,
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
