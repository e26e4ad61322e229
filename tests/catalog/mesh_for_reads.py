"""A small mesh built in code for the read API, page and admin tests.

sales (owner alice, member bob): orders (published, public, PII email), customers (published,
restricted), orders_draft (draft). finance (owner carol): revenue (published, internal, reads
sales.orders), legacy (retired), plan (draft).
"""
from types import SimpleNamespace

from catalog.models import (
    Column,
    Contract,
    DataProduct,
    Domain,
    DomainMembership,
    InputPort,
    OutputPort,
    ProductTeamMember,
    Tag,
)

ORDERS_CONTRACT = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "urn:contract:sales-orders",
    "version": "1.2.0",
    "status": "active",
    "servers": [{"server": "local", "type": "local", "path": "/data/sales/orders.parquet", "format": "parquet"}],
    "slaProperties": [{"property": "latency", "value": 24, "unit": "h"}],
    "schema": [
        {
            "name": "orders",
            "properties": [{"name": "order_id", "quality": [{"metric": "nullValues", "mustBe": 0}]}],
            "quality": [{"metric": "rowCount", "mustBeGreaterThan": 0, "description": "never empty"}],
        }
    ],
}


def product(domain, slug, **fields):
    fields.setdefault("name", slug.replace("_", " ").title())
    fields.setdefault("status", DataProduct.Status.PUBLISHED)
    return DataProduct.objects.create(domain=domain, slug=slug, external_id=f"urn:dp:{domain.slug}:{slug}", **fields)


def port(prod, name, *, columns=(), **fields):
    fields.setdefault("version", "1.0.0")
    out = OutputPort.objects.create(product=prod, name=name, **fields)
    for position, (col, classification) in enumerate(columns):
        Column.objects.create(
            port=out, name=col, position=position, logical_type="string", physical_type="VARCHAR",
            classification=classification, description=f"The {col}.", required=position == 0,
            primary_key=position == 0,
        )
    return out


def build_mesh(make_user):
    users = SimpleNamespace(
        alice=make_user("alice"), bob=make_user("bob"), carol=make_user("carol"),
        consumer=make_user("dora"), steward=make_user("stew", steward=True),
    )
    sales = Domain.objects.create(slug="sales", name="Sales", description="Orders and *customers*.")
    finance = Domain.objects.create(slug="finance", name="Finance", description="Money.")
    DomainMembership.objects.create(domain=sales, user=users.alice, role="owner")
    DomainMembership.objects.create(domain=sales, user=users.bob, role="member")
    DomainMembership.objects.create(domain=finance, user=users.carol, role="owner")
    contract = Contract.objects.create(
        external_id="urn:contract:sales-orders", name="Sales orders", version="1.2.0", status="active",
        domain=sales, document=ORDERS_CONTRACT,
    )
    orders = product(
        sales, "orders", name="Sales Orders", version="1.2.0", description="All **orders**, daily.",
        purpose="Revenue reporting.", freshness_slo_hours=24, availability_slo=99.5,
        support=[{"channel": "#sales-data", "url": "https://chat.example.com/sales-data"}],
    )
    orders.tags.add(Tag.objects.create(name="orders"), Tag.objects.create(name="core"))
    ProductTeamMember.objects.create(product=orders, username="alice", role="owner", user=users.alice)
    orders_port = port(
        orders, "orders", kind="file", format="parquet", location="/data/sales/orders.parquet",
        server_type="local", server={"type": "local", "format": "parquet"}, contract=contract,
        contract_ref=contract.external_id, schema_object="orders",
        columns=[("order_id", ""), ("customer_email", "pii"), ("amount", "internal")],
    )
    customers = product(sales, "customers", name="Customers", visibility="restricted", description="Who buys.")
    port(customers, "customers", format="parquet", location="/data/sales/secret_customers.parquet",
         server_type="local", columns=[("customer_id", ""), ("email_address", "confidential")])
    draft = product(sales, "orders_draft", name="Orders Draft", status="draft")
    revenue = product(finance, "revenue", name="Revenue", visibility="internal", description="Revenue by day.")
    revenue.tags.add(Tag.objects.create(name="finance"))
    InputPort.objects.create(
        product=revenue, name="orders", version="1.0.0", contract_ref=contract.external_id, source_port=orders_port
    )
    legacy = product(finance, "legacy", name="Legacy Ledger", status="retired")
    plan = product(finance, "plan", name="Finance Plan", status="draft")
    return SimpleNamespace(
        users=users, sales=sales, finance=finance, contract=contract, orders=orders, customers=customers,
        draft=draft, revenue=revenue, legacy=legacy, plan=plan, orders_port=orders_port,
    )
