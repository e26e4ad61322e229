"""Every lineage surface applies ``catalog.visibility``: what each kind of viewer sees, at every level.

The mesh: sales.orders → (an unowned staging table) → finance.payments (restricted: card numbers)
→ exec.audit (internal); sales.customers → sales.opportunities (a draft); and the public chain
sales.orders → finance.revenue → exec.kpis. Products a viewer may not list are left out; datasets
of products it lists but may not read are one opaque node each, "restricted dataset of <domain>".
"""
from __future__ import annotations

import uuid

import pytest

from catalog.models import DataProduct, Domain, DomainMembership
from lineage.services.products import lineage_products_sync
from tests.lineage.conftest import (
    KPIS,
    ORDERS,
    PG,
    REVENUE,
    ds,
    facet,
    file_port,
    kpi_events,
    make_product,
    revenue_events,
    run_event,
)

pytestmark = pytest.mark.django_db

PAYMENTS = "/data/finance/payments.parquet"
AUDIT = "/data/exec/audit.parquet"
OPPORTUNITIES = "/data/sales/opportunities.parquet"
STAGE = ("postgres://etl.internal:5432", "staging.public.payments_raw")
STAGED = f"{STAGE[0]}:{STAGE[1]}"
CUSTOMERS = ds(PG, "shop.public.customers")

# What each product's details give away: its columns, its location, its dataset's name.
SECRETS = {
    "payments": ("card_number", "iban", "cardholder_name", "payments.parquet"),
    "audit": ("exec.audit", "audit.parquet", "card_hash"),
    "draft": ("sales.opportunities", "opportunities.parquet", "lead_source"),
}
# Which secrets each viewer may see (None: anonymous).
MAY_SEE = {
    "anonymous": set(),
    "consumer": {"audit"},
    "marketing member": {"audit"},
    "finance member": {"audit", "payments"},
    "steward": {"audit", "payments", "draft"},
}
VIEWERS = list(MAY_SEE)


def lineage_from(field_map: dict[str, tuple[str, str, str]]) -> dict:
    return facet(fields={out: {"inputFields": [{"namespace": ns, "name": name, "field": field}]}
                         for out, (ns, name, field) in field_map.items()})


def schema(*names: str) -> dict:
    return facet(fields=[{"name": n, "type": "VARCHAR"} for n in names])


def guarded_events() -> list[dict]:
    orders, payments = (PG, "shop.public.orders"), ("file", PAYMENTS)
    stage_out = ds(*STAGE, columnLineage=lineage_from({"amount": (*orders, "amount"),
                                                       "customer_id": (*orders, "customer_id")}))
    payments_out = ds("file", PAYMENTS, schema=schema("amount", "cardholder_name", "card_number", "iban"),
                      columnLineage=lineage_from({"amount": (*STAGE, "amount"),
                                                  "cardholder_name": (*STAGE, "customer_id")}))
    audit_out = ds("file", AUDIT, schema=schema("card_hash", "revenue_check"),
                   columnLineage=lineage_from({"card_hash": (*payments, "card_number"),
                                               "revenue_check": ("file", REVENUE, "revenue")}))
    draft_out = ds("file", OPPORTUNITIES, schema=schema("customer_id", "lead_source"),
                   columnLineage=lineage_from({"customer_id": (PG, "shop.public.customers", "customer_id")}))
    return [
        *revenue_events(str(uuid.uuid4())), *kpi_events(str(uuid.uuid4())),
        run_event("COMPLETE", job="finance.stage_payments", inputs=[ORDERS], outputs=[stage_out]),
        run_event("COMPLETE", job="finance.build_payments", inputs=[ds(*STAGE)], outputs=[payments_out]),
        run_event("COMPLETE", job="exec.build_audit", inputs=[ds("file", PAYMENTS), ds("file", REVENUE)],
                  outputs=[audit_out]),
        run_event("COMPLETE", job="sales.build_opportunities", inputs=[CUSTOMERS], outputs=[draft_out]),
    ]


@pytest.fixture
def guarded(mesh, make_user, steward, consumer, api):
    """The mesh above, fed by a steward's pipeline; one user per kind of viewer."""
    finance, execs, sales = (Domain.objects.get(slug=s) for s in ("finance", "exec", "sales"))
    marketing = Domain.objects.create(slug="marketing", name="Marketing")
    made = [
        make_product(finance, "payments", ports=[file_port("payments", PAYMENTS)], owners=["pay-owner"],
                     visibility=DataProduct.Visibility.RESTRICTED),
        make_product(execs, "audit", ports=[file_port("audit", AUDIT)], visibility=DataProduct.Visibility.INTERNAL),
        make_product(sales, "opportunities", ports=[file_port("opportunities", OPPORTUNITIES)]),
    ]
    DataProduct.objects.filter(pk=made[2].pk).update(status=DataProduct.Status.DRAFT)
    lineage_products_sync(product_ids=[p.pk for p in made])
    DomainMembership.objects.create(domain=marketing, user=make_user("mia"), role="member")
    from rest_framework.authtoken.models import Token

    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=steward).key}")
    for event in guarded_events():
        assert api.post("/api/v1/lineage", event, format="json").status_code == 201
    api.credentials()
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return {"anonymous": None, "consumer": consumer, "marketing member": users.get(username="mia"),
            "finance member": users.get(username="fin-lead"), "steward": steward}


@pytest.fixture(params=VIEWERS)
def viewer(request, guarded, api):
    """``(name, client)``: an API/page client signed in as that kind of viewer."""
    user = guarded[request.param]
    if user is not None:
        api.force_login(user)
    return request.param, api


def get(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.content[:300])
    return response


def graph(client, **params) -> dict:
    return get(client, "/api/lineage/", **params).json()


def node_ids(body: dict) -> set[str]:
    return {n["id"] for n in body["nodes"]}


def opaque(body: dict) -> list[dict]:
    return [n for n in body["nodes"] if n.get("restricted")]


SURFACES = [
    ("/api/lineage/", {}),
    ("/api/lineage/", {"node": "sales.orders", "depth": 5}),
    ("/api/lineage/", {"node": "sales.customers", "depth": 5}),
    ("/api/lineage/", {"node": "finance.payments", "depth": 5}),
    ("/api/lineage/", {"node": "sales.orders", "level": "dataset", "depth": 5}),
    ("/api/lineage/", {"node": "sales.customers", "level": "dataset", "depth": 5}),
    ("/api/lineage/", {"node": "finance.payments", "level": "dataset", "depth": 5}),
    ("/api/lineage/", {"node": "finance.revenue", "level": "dataset", "depth": 5}),
    ("/api/lineage/", {"node": STAGED, "level": "dataset", "depth": 5}),
    ("/api/lineage/", {"node": f"file:{PAYMENTS}", "level": "dataset", "depth": 5}),
    ("/api/lineage/", {"node": f"file:{PAYMENTS}", "level": "product", "depth": 5}),
    ("/api/lineage/", {"node": f"{PG}:shop.public.orders", "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": f"{PG}:shop.public.orders", "level": "column", "column": "amount", "depth": 5}),
    ("/api/lineage/", {"node": f"{PG}:shop.public.customers", "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": STAGED, "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": f"file:{REVENUE}", "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": "finance.payments", "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": f"file:{PAYMENTS}", "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": f"file:{AUDIT}", "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": f"file:{OPPORTUNITIES}", "level": "column", "depth": 5}),
    ("/api/lineage/", {"node": "sales.opportunities", "level": "dataset", "depth": 5}),
    ("/api/products/sales.orders/impact/", {}),
    ("/api/products/sales.orders/impact/", {"column": "amount"}),
    ("/api/products/sales.orders/impact/", {"column": "customer_id"}),
    ("/api/products/sales.customers/impact/", {"column": "customer_id"}),
    ("/api/products/finance.revenue/impact/", {"column": "revenue"}),
    ("/lineage/", {"node": "sales.orders"}),
    ("/products/sales.orders/", {}),
    ("/products/sales.customers/", {}),
    ("/products/finance.payments/", {}),
]


def test_no_surface_shows_a_viewer_what_it_may_not_see(viewer, walker):
    name, client = viewer
    for url, params in SURFACES:
        response = client.get(url, params)
        assert response.status_code in (200, 404), (name, url, params)  # 404: a node it may not list
        text = response.content.decode()
        if response.status_code == 404:  # the answer repeats the node asked for, and nothing more
            text = text.replace(params.get("node", ""), "")
        for product, secrets in SECRETS.items():
            for secret in secrets:
                assert (secret in text) is False or product in MAY_SEE[name], (name, url, params, secret)


def test_those_allowed_see_the_details_somewhere(viewer, walker):
    """The sweep above is not vacuous: each secret shows on these surfaces to those who may see it."""
    name, client = viewer
    text = "".join(client.get(url, params).content.decode() for url, params in SURFACES)
    for product in MAY_SEE[name]:
        for secret in SECRETS[product]:
            assert secret in text, (name, product, secret)


EXPECTED_PRODUCTS = {
    "anonymous": {"sales.orders", "finance.revenue", "exec.kpis", "finance.payments"},
    "consumer": {"sales.orders", "finance.revenue", "exec.kpis", "finance.payments", "exec.audit"},
}


def test_product_level_lists_what_the_viewer_may_list(viewer):
    name, client = viewer
    body = graph(client, node="sales.orders", depth=5)
    assert node_ids(body) == EXPECTED_PRODUCTS.get(name, EXPECTED_PRODUCTS["consumer"])
    whole = node_ids(graph(client))
    assert ("sales.opportunities" in whole) is (name == "steward")
    assert ("exec.audit" in whole) is (name != "anonymous")
    assert "finance.payments" in whole  # restricted products are listed: whom to ask is no secret


def test_dataset_level_omits_unlisted_and_shows_restricted_datasets_opaque(viewer, walker):
    name, client = viewer
    body = graph(client, node="sales.orders", level="dataset", direction="downstream", depth=5)
    public = {f"{PG}:shop.public.orders", f"file:{REVENUE}", f"file:{KPIS}", STAGED}
    hidden = opaque(body)
    if name in ("finance member", "steward"):
        assert node_ids(body) == public | {f"file:{PAYMENTS}", f"file:{AUDIT}"}
        assert hidden == []
        return
    assert len(hidden) == 1
    shown = hidden[0]
    assert shown["label"] == "restricted dataset of finance"
    assert (shown["kind"], shown["product"], shown["domain"]) == ("dataset", "finance.payments", "finance")
    assert "namespace" not in shown
    assert PAYMENTS not in shown["id"]
    assert node_ids(body) == public | {shown["id"]} | ({f"file:{AUDIT}"} if name != "anonymous" else set())
    edges = {(e["source"], e["target"]) for e in body["edges"]}
    assert (STAGED, shown["id"]) in edges  # the staging table feeds "a restricted dataset of finance"
    if name == "anonymous":  # edges through the omitted internal dataset are dropped
        assert all(f"file:{AUDIT}" not in edge for edge in edges)
    else:
        assert (shown["id"], f"file:{AUDIT}") in edges


def test_column_level_never_returns_columns_of_datasets_the_viewer_may_not_read(viewer, walker):
    name, client = viewer
    body = graph(client, node=f"{PG}:shop.public.orders", level="column", direction="downstream", depth=5)
    columns = {n["id"] for n in body["nodes"] if n["kind"] == "column"}
    visible = {f"{PG}:shop.public.orders#{c}" for c in ("amount", "created_at", "customer_id")} | {
        f"file:{REVENUE}#day", f"file:{REVENUE}#revenue", f"file:{KPIS}#revenue_7d",
        f"{STAGED}#amount", f"{STAGED}#customer_id"}
    if name != "anonymous":
        visible.add(f"file:{AUDIT}#revenue_check")
    if name in ("finance member", "steward"):
        visible |= {f"file:{PAYMENTS}#amount", f"file:{PAYMENTS}#cardholder_name"}
        assert opaque(body) == []
    else:
        assert [n["label"] for n in opaque(body)] == ["restricted dataset of finance"]
    assert columns == visible


def test_asking_for_a_node_the_viewer_may_not_list_is_404_as_for_an_unknown_one(viewer, walker):
    name, client = viewer
    unknown = client.get("/api/lineage/", {"node": "sales.nothing"})
    assert unknown.status_code == 404
    hidden_nodes = {"sales.opportunities": {"steward"}, f"file:{OPPORTUNITIES}": {"steward"},
                    "exec.audit": set(VIEWERS) - {"anonymous"}, f"file:{AUDIT}": set(VIEWERS) - {"anonymous"}}
    for node, allowed in hidden_nodes.items():
        for level in ("product", "dataset", "column"):
            response = client.get("/api/lineage/", {"node": node, "level": level})
            if name in allowed:
                assert response.status_code == 200, (node, level)
            else:
                assert response.status_code == 404, (node, level)
                assert response.json()["errors"][0]["path"] == "node"
                assert response.json()["errors"][0]["message"] == unknown.json()["errors"][0]["message"].replace(
                    "sales.nothing", node)
    impact = client.get("/api/products/sales.opportunities/impact/")
    assert impact.status_code == (200 if name == "steward" else 404)


def test_a_node_the_viewer_may_list_but_not_read_is_the_opaque_node_only(viewer, walker):
    name, client = viewer
    for node in ("finance.payments", f"file:{PAYMENTS}"):
        for level in ("dataset", "column"):
            body = graph(client, node=node, level=level, depth=5)
            if name in ("finance member", "steward"):
                assert opaque(body) == []
                assert len(body["nodes"]) > 1
            else:
                assert [(n["label"], n["product"]) for n in body["nodes"]] == [
                    ("restricted dataset of finance", "finance.payments")]
                assert body["edges"] == []


def test_impact_lists_restricted_products_without_their_columns(viewer):
    name, client = viewer
    body = get(client, "/api/products/sales.orders/impact/", column="amount").json()
    products = {p["identifier"]: p for d in body["domains"] for p in d["products"]}
    expected = {"finance.revenue", "exec.kpis", "finance.payments"} | ({"exec.audit"} if name != "anonymous" else set())
    assert set(products) == expected
    payments = products["finance.payments"]
    if name in ("finance member", "steward"):
        assert [c["column"] for c in payments["columns"]] == ["amount"]
        assert payments["columns"][0]["dataset"] == f"file:{PAYMENTS}"
    else:
        assert payments["columns"] == []
        assert payments["restricted"] is True
    assert [c["column"] for c in products["finance.revenue"]["columns"]] == ["revenue"]


def test_the_explorer_and_the_product_page_panel_apply_it_too(viewer):
    name, client = viewer
    page = get(client, "/products/sales.customers/?tab=lineage").content.decode()
    assert ("sales.opportunities" in page) is (name == "steward")
    explorer = client.get("/lineage/", {"node": "finance.payments"})
    assert explorer.status_code == 200
    assert PAYMENTS not in explorer.content.decode()
