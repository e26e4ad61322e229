"""GET /api/lineage/ and GET /api/products/<id>/impact/: bounded, cycle-safe walks at every level."""
from __future__ import annotations

import uuid

import pytest

from catalog.models import InputPort
from lineage.models import Dataset, DatasetEdge, ProductEdge
from lineage.services.products import lineage_products_sync
from tests.lineage.conftest import KPIS, PG, REVENUE, ds, kpi_events, revenue_events, run_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(mesh, pusher):
    for event in revenue_events(str(uuid.uuid4())) + kpi_events(str(uuid.uuid4())):
        assert pusher.post("/api/v1/lineage", event, format="json").status_code == 201
    return mesh


def ids(response, kind=None) -> set[str]:
    return {n["id"] for n in response.json()["nodes"] if kind is None or n["kind"] == kind}


def test_product_level_downstream_upstream_and_both(fed, api):
    down = api.get("/api/lineage/", {"node": "sales.orders", "direction": "downstream", "depth": 5})
    assert ids(down) == {"sales.orders", "finance.revenue", "exec.kpis"}
    assert {(e["source"], e["target"]) for e in down.json()["edges"]} == {
        ("sales.orders", "finance.revenue"), ("finance.revenue", "exec.kpis")}
    up = api.get("/api/lineage/", {"node": "exec.kpis", "direction": "upstream", "depth": 1})
    assert ids(up) == {"exec.kpis", "finance.revenue"}
    both = api.get("/api/lineage/", {"node": "finance.revenue", "direction": "both", "depth": 1}).json()
    assert {n["id"]: n["depth"] for n in both["nodes"]} == {"finance.revenue": 0, "sales.orders": -1, "exec.kpis": 1}
    assert both["truncated"] is False


def test_whole_product_graph_without_a_node_lists_every_product_with_its_domain(fed, api):
    body = api.get("/api/lineage/").json()
    assert {n["id"]: n["datasets"] for n in body["nodes"]}["finance.revenue"] == 1
    assert {n["id"]: n["domain"] for n in body["nodes"]} == {
        "sales.orders": "sales", "sales.customers": "sales", "finance.revenue": "finance", "exec.kpis": "exec"}
    assert len(body["edges"]) == 2


def test_dataset_and_column_levels(fed, api, walker):
    datasets = api.get("/api/lineage/", {"node": "exec.kpis", "level": "dataset", "direction": "upstream",
                                         "depth": 5})
    assert ids(datasets) == {f"file:{KPIS}", f"file:{REVENUE}", f"{PG}:shop.public.orders"}
    columns = api.get("/api/lineage/", {"node": f"{PG}:shop.public.orders", "level": "column",
                                        "column": "amount", "direction": "downstream", "depth": 5})
    assert ids(columns) == {f"{PG}:shop.public.orders#amount", f"file:{REVENUE}#revenue", f"file:{KPIS}#revenue_7d"}
    assert len(columns.json()["edges"]) == 2


def test_cycles_end_and_depth_and_node_caps_truncate(mesh, api, walker):
    names = [f"t{i}" for i in range(6)]
    datasets = [Dataset.objects.create(namespace="postgres://x:1", name=f"db.s.{n}") for n in names]
    for a, b in zip(datasets, datasets[1:] + datasets[:1], strict=True):  # a ring: t0 → … → t5 → t0
        DatasetEdge.objects.create(source=a, target=b)
    node = "postgres://x:1:db.s.t0"
    ring = api.get("/api/lineage/", {"node": node, "level": "dataset", "direction": "downstream", "depth": 50})
    assert len(ids(ring)) == 6
    assert len(ring.json()["edges"]) == 6
    shallow = api.get("/api/lineage/", {"node": node, "level": "dataset", "direction": "downstream", "depth": 2})
    assert ids(shallow) == {"postgres://x:1:db.s.t0", "postgres://x:1:db.s.t1", "postgres://x:1:db.s.t2"}
    capped = api.get("/api/lineage/", {"node": node, "level": "dataset", "direction": "downstream", "depth": 50,
                                       "max_nodes": 3}).json()
    assert len(capped["nodes"]) == 3
    assert capped["truncated"] is True


def test_a_node_with_more_edges_than_the_fanout_is_collapsed_not_expanded(mesh, api, walker):
    """hub feeds four tables, one of which (t0) feeds one more; t0 also reaches hub's neighbour t1."""
    hub, *tables, tail = [Dataset.objects.create(namespace="x", name=n) for n in ("hub", "t0", "t1", "t2", "t3", "tail")]
    seed = Dataset.objects.create(namespace="x", name="seed")
    DatasetEdge.objects.create(source=seed, target=hub)
    DatasetEdge.objects.create(source=seed, target=tables[0])
    for table in tables:
        DatasetEdge.objects.create(source=hub, target=table)
    DatasetEdge.objects.create(source=tables[0], target=tail)
    query = {"node": "x:seed", "level": "dataset", "direction": "downstream", "depth": 5}

    wide = api.get("/api/lineage/", {**query, "fanout": 4}).json()
    assert len(wide["nodes"]) == 7
    assert wide["truncated"] is False
    assert not any(n.get("collapsed") for n in wide["nodes"])

    narrow = api.get("/api/lineage/", {**query, "fanout": 3}).json()
    assert {n["label"]: n["depth"] for n in narrow["nodes"]} == {"seed": 0, "hub": 1, "t0": 1, "tail": 2}
    assert [n["label"] for n in narrow["nodes"] if n.get("collapsed")] == ["hub"]
    assert narrow["truncated"] is True
    # The hub's edge to t0 stays: both ends are shown.
    assert {(e["source"], e["target"]) for e in narrow["edges"]} == {
        ("x:seed", "x:hub"), ("x:seed", "x:t0"), ("x:hub", "x:t0"), ("x:t0", "x:tail")}

    # Upstream the fan-out is the number of inputs: t0 has two (seed, hub), tail one.
    both = api.get("/api/lineage/", {"node": "x:t0", "level": "dataset", "direction": "both", "depth": 5,
                                     "fanout": 1}).json()
    assert {n["label"]: (n["depth"], n.get("collapsed", False)) for n in both["nodes"]} == {
        "t0": (0, True), "tail": (1, False)}
    assert api.get("/api/lineage/", {**query, "fanout": 0}).json()["errors"][0]["path"] == "fanout"


def test_bad_queries_name_the_parameter(mesh, api):
    missing = api.get("/api/lineage/", {"node": "nope.nothing"})
    assert missing.status_code == 404  # as for a node the viewer may not know of
    assert missing.json()["errors"][0]["path"] == "node"
    assert api.get("/api/lineage/", {"node": "sales.orders", "depth": 99}).json()["errors"][0]["path"] == "depth"
    assert api.get("/api/lineage/", {"level": "column"}).json()["errors"][0]["path"] == "node"
    assert api.get("/api/lineage/", {"direction": "sideways"}).status_code == 400
    Dataset.objects.create(namespace="file", name="/tmp/unowned.csv")
    unowned = api.get("/api/lineage/", {"node": "file:/tmp/unowned.csv", "level": "product"})
    assert (unowned.status_code, unowned.json()["errors"][0]["path"]) == (400, "node")


def test_input_ports_add_product_edges(mesh):
    port = mesh["customers"].output_ports.get()
    InputPort.objects.create(product=mesh["revenue"], name="customers", version="1", contract_ref="c",
                             source_port=port)
    lineage_products_sync(product_ids=[mesh["revenue"].pk])
    assert ProductEdge.objects.filter(source=mesh["customers"], target=mesh["revenue"], kind="input_port").exists()


def test_impact_of_a_column_names_downstream_products_columns_and_owners(fed, api):
    body = api.get("/api/products/sales.orders/impact/", {"column": "amount"}).json()
    by_domain = {d["domain"]: d for d in body["domains"]}
    assert set(by_domain) == {"finance", "exec"}
    revenue = by_domain["finance"]["products"][0]
    assert revenue["identifier"] == "finance.revenue"
    assert revenue["via"] == "column"
    assert [c["column"] for c in revenue["columns"]] == ["revenue"]
    assert [o["name"] for o in revenue["owners"]] == ["bo", "fin-lead"]
    assert [c["column"] for c in by_domain["exec"]["products"][0]["columns"]] == ["revenue_7d"]
    assert body["notify"] == ["bo", "cy", "fin-lead"]


def test_impact_of_an_unused_column_still_lists_product_level_dependants(fed, api):
    body = api.get("/api/products/sales.orders/impact/", {"column": "customer_id"}).json()
    products = [p for d in body["domains"] for p in d["products"]]
    assert {p["identifier"]: p["via"] for p in products} == {"finance.revenue": "product", "exec.kpis": "product"}
    assert all(p["columns"] == [] for p in products)
    assert api.get("/api/products/sales.customers/impact/").json()["domains"] == []


def test_ports_matched_after_the_events_arrive(db, pusher):
    """Events can precede the product: publishing the port later links the dataset and the edges."""
    from catalog.models import Domain
    from tests.lineage.conftest import file_port, make_product

    event = run_event("COMPLETE", job="j", inputs=[ds("file", "/a.csv")], outputs=[ds("file", "/b.csv")])
    assert pusher.post("/api/v1/lineage", event, format="json").status_code == 201
    domain = Domain.objects.create(slug="d", name="D")
    a = make_product(domain, "a", ports=[file_port("a", "/a.csv")])
    b = make_product(domain, "b", ports=[file_port("b", "/b.csv")])
    lineage_products_sync(product_ids=[a.pk, b.pk])
    assert ProductEdge.objects.filter(source=a, target=b, kind="lineage").exists()


def test_product_panel_and_explorer_page(fed, client):
    from lineage.views import product_lineage_panel

    html = product_lineage_panel(None, fed["revenue"])
    assert "sales.orders" in html
    assert "exec.kpis" in html
    assert 'data-node="finance.revenue"' in html
    assert "/lineage/?node=finance.revenue" in html
    page = client.get("/lineage/", {"node": "sales.orders"})
    assert page.status_code == 200
    assert b'data-node="sales.orders"' in page.content
    assert b"js/lineage.js" in page.content


def test_panel_is_registered_with_the_catalog(db):
    from catalog.panels import product_panels

    assert "lineage" in [p.key for p in product_panels()]


def test_explicit_mapping_links_an_unmatched_dataset_and_rebuild_restores_derived_edges(fed, pusher):
    from django.core.management import call_command

    from lineage.services.products import dataset_port_mapping_set

    event = run_event("COMPLETE", job="export", inputs=[ds("file", KPIS)], outputs=[ds("s3://exports", "kpis/")])
    assert pusher.post("/api/v1/lineage", event, format="json").status_code == 201
    customers_port = fed["customers"].output_ports.get()
    dataset_port_mapping_set(port=customers_port, namespace="s3://exports", name="kpis/")
    assert ProductEdge.objects.filter(source=fed["kpis"], target=fed["customers"], kind="lineage").exists()
    before = set(ProductEdge.objects.values_list("source_id", "target_id", "kind"))
    ProductEdge.objects.all().delete()
    call_command("lineage_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(ProductEdge.objects.values_list("source_id", "target_id", "kind")) == before


def test_dataset_walk_is_nearest_first_ties_by_id_and_the_cap_keeps_the_nearest(mesh, api, walker):
    """seed feeds c, b, a (made in that order) and d through a; d feeds back to seed and to a (cycles)."""
    seed, c, b, a, d = [Dataset.objects.create(namespace="x", name=n) for n in ("seed", "c", "b", "a", "d")]
    for source, target in ((seed, a), (seed, b), (seed, c), (a, d), (d, seed), (d, a), (b, c)):
        DatasetEdge.objects.create(source=source, target=target)
    query = {"node": "x:seed", "level": "dataset", "direction": "downstream", "depth": 10}

    whole = api.get("/api/lineage/", query).json()
    assert [(n["label"], n["depth"]) for n in whole["nodes"]] == [("seed", 0), ("c", 1), ("b", 1), ("a", 1), ("d", 2)]
    assert whole["truncated"] is False
    assert len(whole["edges"]) == 7

    capped = api.get("/api/lineage/", {**query, "max_nodes": 3}).json()
    assert [n["label"] for n in capped["nodes"]] == ["seed", "c", "b"]  # a ties with them, but has a higher id
    assert capped["truncated"] is True
    assert {(e["source"], e["target"]) for e in capped["edges"]} == {("x:seed", "x:c"), ("x:seed", "x:b"), ("x:b", "x:c")}


def test_nodes_at_the_depth_limit_keep_their_edges_but_are_not_collapsed(mesh, api, walker):
    seed, a, b = [Dataset.objects.create(namespace="x", name=n) for n in ("seed", "a", "b")]
    for source, target in ((seed, a), (seed, b), (a, b), (b, seed)):
        DatasetEdge.objects.create(source=source, target=target)
    extra = [Dataset.objects.create(namespace="x", name=f"e{i}") for i in range(3)]
    for target in extra:  # a fans out more than the limit, but the walk ends there anyway
        DatasetEdge.objects.create(source=a, target=target)
    body = api.get("/api/lineage/", {"node": "x:seed", "level": "dataset", "direction": "downstream",
                                     "depth": 1, "fanout": 2}).json()
    assert [n["label"] for n in body["nodes"]] == ["seed", "a", "b"]
    assert not any(n.get("collapsed") for n in body["nodes"])
    assert body["truncated"] is False
    assert {(e["source"], e["target"]) for e in body["edges"]} == {
        ("x:seed", "x:a"), ("x:seed", "x:b"), ("x:a", "x:b"), ("x:b", "x:seed")}


def test_the_fanout_counts_neighbours_not_the_jobs_between_them(mesh, api, walker):
    """t is written from s1 and s2 by two jobs each: two inputs, one edge each in the answer, either way."""
    from lineage.models import Job

    t, s1, s2 = [Dataset.objects.create(namespace="x", name=n) for n in ("t", "s1", "s2")]
    for job in (Job.objects.create(namespace="j", name="one"), Job.objects.create(namespace="j", name="two")):
        for source in (s1, s2):
            DatasetEdge.objects.create(source=source, target=t, job=job)
    for direction in ("upstream", "both"):
        body = api.get("/api/lineage/", {"node": "x:t", "level": "dataset", "direction": direction, "depth": 2,
                                         "fanout": 2}).json()
        assert {n["label"]: n.get("collapsed", False) for n in body["nodes"]} == {"t": False, "s1": False, "s2": False}
        assert len(body["edges"]) == 2


def test_a_dataset_address_splits_at_the_colon_that_names_an_existing_dataset(mesh, api, walker):
    """Namespaces and names may both hold colons: the longest namespace that exists wins."""
    Dataset.objects.create(namespace="s3://lake:9000", name="raw/a.csv")
    Dataset.objects.create(namespace="s3://lake", name="9000:raw/a.csv")
    Dataset.objects.create(namespace="file", name="C:/exports/b.csv")

    def namespace(node: str) -> str:
        body = api.get("/api/lineage/", {"node": node, "level": "dataset", "depth": 0}).json()
        return body["nodes"][0]["namespace"]

    assert namespace("s3://lake:9000:raw/a.csv") == "s3://lake:9000"
    assert namespace("file:C:/exports/b.csv") == "file"
    unknown = api.get("/api/lineage/", {"node": "file:C:/nowhere.csv", "level": "dataset"})
    assert unknown.status_code == 404
    error = unknown.json()["errors"][0]
    assert error["path"] == "node"
    assert "file:C:/nowhere.csv" in error["message"]
