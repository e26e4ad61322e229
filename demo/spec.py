"""The shapes that describe the demo mesh: domains, products, their ports and columns."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

# Contract and product ids are UUIDs derived from names, so descriptors are byte-stable.
ID_NAMESPACE = uuid.UUID("6f1d3c2e-8a41-4f7b-9c55-0d2e7a6b1c90")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class Col:
    """One column of an output port, as its contract promises it."""

    name: str
    logical: str  # ODCS logicalType: string, integer, number, boolean, date, timestamp
    physical: str  # DuckDB type name, which is also what the file is read as
    description: str
    required: bool = False
    unique: bool = False
    pk: bool = False
    pii: bool = False
    valid_values: tuple = ()
    pattern: str = ""
    # A completeness rule in percent of rows (None: "no nulls" when required, none otherwise).
    max_null_percent: float | None = None
    max_invalid_percent: float = 0.0  # tolerance of the validValues/pattern rule
    examples: tuple = ()


@dataclass(frozen=True)
class Port:
    """An output port and the ODCS contract that describes it."""

    name: str
    kind: str  # csv | parquet | duckdb | api
    description: str
    columns: tuple[Col, ...]
    table: str = ""  # duckdb: schema.table
    url: str = ""  # api: where the API lives
    latency: tuple[float, str] | None = (1, "d")  # freshness SLO: value and unit (h or d); None: frozen
    latency_element: str = ""  # the column whose newest value the latency is measured on
    availability: float = 99.5
    sql_rules: tuple[tuple[str, str, str, float], ...] = ()  # (name, query, operator, value)
    version: str = "1.0.0"

    @property
    def is_file(self) -> bool:
        return self.kind in ("csv", "parquet")


@dataclass(frozen=True)
class Product:
    """A data product: descriptor facts plus the function that generates its data."""

    domain: str
    slug: str
    name: str
    summary: str  # one line: the purpose
    details: str  # Markdown: lists and links
    usage: str
    tags: tuple[str, ...]
    ports: tuple[Port, ...]
    rows: int  # rows of the (first) file port in a full load
    quick_rows: int  # rows in --quick mode
    generate: Callable | None = None  # (ctx) -> pyarrow.Table, or {port name: Table}
    inputs: tuple[str, ...] = ()  # identifiers of upstream products (their first port)
    status: str = "active"  # ODPS: active | draft | deprecated | retired
    successor: str = ""  # deprecated: the identifier of the product that replaces it (customProperties.successor)
    visibility: str = "public"  # public | internal | restricted
    limitations: str = ""
    version: str = "1.0.0"
    extra_tags: tuple[str, ...] = field(default=())

    @property
    def identifier(self) -> str:
        return f"{self.domain}.{self.slug}"

    @property
    def has_pii(self) -> bool:
        return any(c.pii for p in self.ports for c in p.columns)

    def rows_for(self, quick: bool) -> int:
        return self.quick_rows if quick else self.rows

    def contract_id(self, port: Port) -> str:
        return stable_id("contract", self.identifier, port.name, port.version)


@dataclass(frozen=True)
class DomainSpec:
    slug: str
    name: str
    description: str
    channel: str  # the team's support chat channel
    members: tuple[str, ...] = ("analyst",)  # member usernames are "<slug>-<suffix>"

    @property
    def owner(self) -> str:
        return f"{self.slug}-owner"

    @property
    def member_usernames(self) -> tuple[str, ...]:
        return tuple(f"{self.slug}-{m}" for m in self.members)
