"""Lineage fixtures: a small mesh in code whose ports carry the servers lineage matches on."""
from __future__ import annotations

import uuid

import pytest
from rest_framework.authtoken.models import Token

from catalog.models import Contract, DataProduct, Domain, DomainMembership, OutputPort, ProductTeamMember

PRODUCER = "https://github.com/meshport/tests/tree/v1"


def make_product(domain: Domain, slug: str, *, ports=(), owners=(), **extra) -> DataProduct:
    product = DataProduct.objects.create(
        domain=domain, slug=slug, external_id=f"{domain.slug}-{slug}", name=slug.replace("_", " ").title(),
        status=DataProduct.Status.PUBLISHED, **extra,
    )
    for port in ports:
        OutputPort.objects.create(product=product, version="1.0.0", **port)
    for username in owners:
        ProductTeamMember.objects.create(product=product, username=username, role="owner")
    return product


def file_port(name: str, path: str) -> dict:
    return {"name": name, "kind": "file", "format": "parquet", "location": path,
            "server_type": "local", "server": {"type": "local", "path": path, "format": "parquet"}}


def pg_port(name: str, table: str, *, contract: Contract | None = None) -> dict:
    return {"name": name, "kind": "table", "format": "table", "location": f"public.{table}",
            "server_type": "postgres", "contract": contract, "schema_object": table,
            "server": {"type": "postgres", "host": "db.internal", "port": 5432, "database": "shop",
                       "schema": "public"}}


@pytest.fixture
def mesh(db, make_user):
    """sales.orders (postgres) → finance.revenue (file) → exec.kpis (file); sales.customers alone."""
    sales = Domain.objects.create(slug="sales", name="Sales")
    finance = Domain.objects.create(slug="finance", name="Finance")
    execs = Domain.objects.create(slug="exec", name="Executive")
    contract = Contract.objects.create(
        external_id="orders-contract", name="orders", version="1.0.0",
        document={"schema": [{"name": "orders", "properties": [
            {"name": "order_id", "physicalType": "bigint"}, {"name": "amount", "physicalType": "numeric"},
            {"name": "customer_id", "physicalType": "bigint"}]}]},
    )
    DomainMembership.objects.create(domain=finance, user=make_user("fin-lead"), role="owner")
    products = {
        "orders": make_product(sales, "orders", ports=[pg_port("orders", "orders", contract=contract)],
                               owners=["ana"]),
        "customers": make_product(sales, "customers", ports=[pg_port("customers", "customers")]),
        "revenue": make_product(finance, "revenue", ports=[file_port("revenue", "/data/finance/revenue.parquet")],
                                owners=["bo"]),
        "kpis": make_product(execs, "kpis", ports=[file_port("kpis", "/data/exec/kpis.parquet")], owners=["cy"]),
    }
    from lineage.services.products import lineage_products_sync

    lineage_products_sync(product_ids=[p.pk for p in products.values()])
    return products


def producer(user, domain: Domain | None = None):
    """Make ``user`` a lineage producer for ``domain`` (None: platform-wide), as a steward does in admin."""
    from lineage.services.producers import lineage_producer_grant

    lineage_producer_grant(user=user, domain=domain)
    return user


@pytest.fixture
def pusher(make_user, api):
    """An API client authenticated like a pipeline: a platform-wide producer's token sent as Bearer."""
    token = Token.objects.create(user=producer(make_user("pipeline")))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    return api


def facet(**fields) -> dict:
    return {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json", **fields}


def ds(namespace: str, name: str, **facets) -> dict:
    return {"namespace": namespace, "name": name, "facets": facets}


PG = "postgres://db.internal:5432"
ORDERS = ds(PG, "shop.public.orders")
REVENUE = "/data/finance/revenue.parquet"
KPIS = "/data/exec/kpis.parquet"


def run_event(event_type: str, *, job: str, inputs=(), outputs=(), run_id: str | None = None,
              time: str = "2026-11-20T06:00:00Z", **extra) -> dict:
    return {
        "eventType": event_type, "eventTime": time, "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id or str(uuid.uuid4())}, "job": {"namespace": "airflow", "name": job},
        "inputs": list(inputs), "outputs": list(outputs), **extra,
    }


def revenue_events(run_id: str) -> list[dict]:
    """START then COMPLETE of the job building finance.revenue from sales.orders, with column lineage."""
    lineage = facet(fields={
        "day": {"inputFields": [{"namespace": PG, "name": "shop.public.orders", "field": "created_at"}]},
        "revenue": {"inputFields": [{"namespace": PG, "name": "shop.public.orders", "field": "amount",
                                     "transformations": [{"type": "DIRECT", "subtype": "AGGREGATION"}]}]},
    })
    output = ds("file", REVENUE, columnLineage=lineage,
                schema=facet(fields=[{"name": "day", "type": "DATE"}, {"name": "revenue", "type": "NUMERIC"}]))
    return [
        run_event("START", job="finance.build_revenue", run_id=run_id, inputs=[ORDERS],
                  outputs=[ds("file", REVENUE)], time="2026-11-20T06:00:00Z"),
        run_event("COMPLETE", job="finance.build_revenue", run_id=run_id, inputs=[ORDERS], outputs=[output],
                  time="2026-11-20T06:05:00Z"),
    ]


def kpi_events(run_id: str) -> list[dict]:
    lineage = facet(fields={"revenue_7d": {"inputFields": [{"namespace": "file", "name": REVENUE,
                                                             "field": "revenue"}]}})
    return [run_event("COMPLETE", job="exec.kpis", run_id=run_id, inputs=[ds("file", REVENUE)],
                      outputs=[ds("file", KPIS, columnLineage=lineage)], time="2026-11-20T07:00:00Z")]


@pytest.fixture(params=["sql", "memory"])
def walker(request, settings):
    """Dataset-level walks both ways: in SQL, and on the in-memory copy (``lineage.selectors.memory``),
    read privately inside the test's transaction (the shared copy only ever holds committed rows)."""
    settings.LINEAGE_MEMORY_GRAPH = "always" if request.param == "memory" else False
    return request.param
