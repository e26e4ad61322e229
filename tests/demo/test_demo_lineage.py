"""The demo's OpenLineage events, posted by ``load_demo`` through the real endpoint, match its known lineage."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from catalog.models import DataProduct
from demo import truth
from demo.lineage import demo_events_post
from lineage.models import ColumnEdge, LineageEvent, ProductEdge

pytestmark = pytest.mark.django_db


def downstream(identifier: str) -> set[str]:
    """Every product that depends on ``identifier``, directly or not, per the demo's declared inputs."""
    found, frontier = set(), {identifier}
    while frontier:
        frontier = {dst for src, dst in truth.lineage_edges() if src in frontier} - found
        found |= frontier
    return found


@pytest.fixture
def demo(demo_mesh):
    return demo_mesh.output


@pytest.fixture
def steward_api(api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user__username='steward').key}")
    return api


def test_load_demo_posts_events_whose_lineage_matches_the_declared_inputs(demo):
    assert "OpenLineage events posted" in demo
    observed = set(ProductEdge.objects.filter(kind="lineage").values_list("source__identifier", "target__identifier"))
    assert observed == truth.lineage_edges()
    declared = set(ProductEdge.objects.filter(kind="input_port").values_list("source__identifier", "target__identifier"))
    assert declared == truth.lineage_edges()
    edges = set(ColumnEdge.objects.values_list("source__name", "source_field", "target__port__product__identifier",
                                               "target_field"))
    assert ("staging.public.orders_clean", "total_amount", "finance.invoices", "net_amount") in edges
    # Identity: invoices carry the order id from the staged orders, shipments straight from sales.orders.
    assert ("staging.public.orders_clean", "order_id", "finance.invoices", "order_id") in edges
    assert any(t == "logistics.shipments" and f == "order_id" == tf for _, f, t, tf in edges)


def test_impact_of_a_column_names_every_downstream_product_and_owner(demo, steward_api):
    body = steward_api.get("/api/products/sales.orders/impact/", {"column": "total_amount"}).json()
    products = {p["identifier"]: p for d in body["domains"] for p in d["products"]}
    assert set(products) == downstream("sales.orders")
    assert {d["domain"] for d in body["domains"]} == {i.split(".")[0] for i in downstream("sales.orders")}
    expected_owners = {f"{i.split('.')[0]}-owner" for i in downstream("sales.orders")}
    assert set(body["notify"]) == expected_owners
    for identifier, product in products.items():
        domain = identifier.split(".")[0]
        assert {o["name"] for o in product["owners"]} == {f"{domain}-owner", f"team:{domain}-data"}
    # Money flows from the order total; shipments and tickets only carry the order id.
    through_column = {i for i, p in products.items() if p["via"] == "column"}
    assert {"sales.daily_revenue", "finance.invoices", "finance.revenue_recognition", "finance.general_ledger",
            "marketing.attribution", "logistics.returns"} <= through_column
    assert {"logistics.shipments", "customer-support.tickets"}.isdisjoint(through_column)
    ledger = {c["column"] for c in products["finance.general_ledger"]["columns"]}
    assert "debit_eur" in ledger


def test_reported_schema_drift_and_rerun_changes_nothing(demo):
    drift = DataProduct.objects.get(identifier="logistics.delivery_events").flags["schema_drift_reported"]
    entry = next(iter(drift.values()))
    assert entry["missing"] == ["status"]
    assert entry["added"] == ["event_status", "scanner_id"]
    events = LineageEvent.objects.count()
    edges = ColumnEdge.objects.count()
    # The same day's runs: the demo may have been loaded before midnight and this test run after it.
    demo_events_post(day=LineageEvent.objects.earliest("event_time").event_time.date())
    assert LineageEvent.objects.count() == events
    assert ColumnEdge.objects.count() == edges


def test_reimporting_the_demo_descriptors_after_its_pipelines_reported_changes_nothing(demo):
    """Issue 2's check on the whole demo: the reported columns survive, no product is touched."""
    from catalog.models import Column

    data_dir = Path(DataProduct.objects.get(identifier="logistics.delivery_events").output_ports.get().location).parent
    descriptors = data_dir.parent / "descriptors"
    stamps = dict(DataProduct.objects.values_list("identifier", "updated"))
    columns = sorted(Column.objects.values_list("port_id", "name", "physical_type", "observed"))
    out = io.StringIO()
    call_command("import_descriptors", str(descriptors), stdout=out)
    assert f"0 created, 0 updated, {len(stamps)} unchanged." in out.getvalue()
    assert dict(DataProduct.objects.values_list("identifier", "updated")) == stamps
    assert sorted(Column.objects.values_list("port_id", "name", "physical_type", "observed")) == columns
    assert {"event_status", "scanner_id"} <= set(Column.objects.filter(observed=True).values_list("name", flat=True))


def test_the_staging_jobs_tests_count_in_the_orders_score(demo):
    """The staging job reports dbt-style tests on sales.orders and each report is scored: the day's build
    (its uniqueness test failed, the rest passed), then the later incident run (demo.notifications), where
    every test failed and the score fell."""
    from governance.models import QualityScore

    def reported(score):
        return {c["name"]: c for c in score.breakdown.get("checks", []) if c["rule_kind"] == "reported"}

    scores = list(QualityScore.objects.filter(product__identifier="sales.orders"))  # newest first
    latest = scores[0]
    assert reported(latest)["not_null on order_id"]["passed"] is False
    build = next(s for s in scores[1:] if reported(s).get("not_null on order_id", {}).get("passed"))
    assert reported(build)[f"unique on {truth.DUPLICATE_ORDER_IDS.column}"]["passed"] is False
    assert any(f"unique on {truth.DUPLICATE_ORDER_IDS.column} failed in the pipeline (job finance.stage_orders)"
               in e["text"]
               for e in build.breakdown["explanations"])
    assert latest.score < build.score
