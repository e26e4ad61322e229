"""Quality a pipeline reports (OpenLineage ``dataQualityAssertions``) becomes checks, a score and its history."""
from __future__ import annotations

import pytest

from governance.models import QualityRun, QualityScore
from lineage.models import QualityObservation
from tests.lineage.conftest import ORDERS, facet, run_event

pytestmark = pytest.mark.django_db
URL = "/api/v1/lineage"


def checks_event(time: str, *, order_id_not_null: bool) -> dict:
    assertions = facet(assertions=[
        {"assertion": "not_null", "success": order_id_not_null, "column": "order_id", "severity": "error"},
        {"assertion": "unique", "success": True, "column": "order_id"},
        {"assertion": "accepted_values", "success": True, "column": "status"},
    ])
    return run_event("COMPLETE", job="dbt.test_orders", time=time,
                     inputs=[{**ORDERS, "inputFacets": {"dataQualityAssertions": assertions}}])


@pytest.fixture
def post(pusher, django_capture_on_commit_callbacks):
    """Post an event as a pipeline does, and run what its commit sets off (governance's tasks)."""
    def send(event: dict) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return pusher.post(URL, event, format="json").status_code
    return send


def test_reported_assertions_are_scored_and_drawn_in_the_history(mesh, post, api):
    assert post(checks_event("2026-11-20T06:00:00Z", order_id_not_null=False)) == 201
    run = QualityRun.objects.get(port__product=mesh["orders"], reason="reported")
    failed = run.checks.get(passed=False)
    assert (failed.name, failed.dimension, failed.severity, failed.column) == (
        "not_null on order_id", "completeness", "error", "order_id")
    assert failed.message == "not_null on order_id failed in the pipeline (job dbt.test_orders)"
    assert set(run.checks.values_list("dimension", flat=True)) == {"completeness", "uniqueness", "validity"}

    body = api.get("/api/products/sales.orders/quality/").json()
    assert body["dimensions"]["completeness"] == 0
    assert {"name": "not_null on order_id", "passed": False} .items() <= next(
        c for c in body["checks"] if c["name"] == "not_null on order_id").items()
    first = body["score"]

    # the same report again changes nothing; the next night's passing report lifts the score
    assert post(checks_event("2026-11-20T06:00:00Z", order_id_not_null=False)) == 201
    assert QualityScore.objects.filter(product=mesh["orders"]).count() == 1
    assert post(checks_event("2026-11-21T06:00:00Z", order_id_not_null=True)) == 201
    history = api.get("/api/products/sales.orders/quality/").json()["history"]
    assert [h["score"] for h in history][0] == first
    assert history[-1]["score"] > first
    assert QualityRun.objects.filter(port__product=mesh["orders"], reason="reported").count() == 2


def test_assertions_on_a_dataset_no_port_publishes_are_kept_but_score_nothing(mesh, post):
    event = run_event("COMPLETE", job="dbt.test_tmp", inputs=[{"namespace": "file", "name": "/tmp/scratch.csv",
                      "inputFacets": {"dataQualityAssertions": facet(assertions=[
                          {"assertion": "not_null", "success": False}])}}])
    assert post(event) == 201
    assert QualityObservation.objects.filter(dataset__name="/tmp/scratch.csv").exists()
    assert not QualityRun.objects.filter(reason="reported").exists()


def test_stewards_read_the_reports_in_admin(mesh, post, admin_client):
    post(checks_event("2026-11-20T06:00:00Z", order_id_not_null=False))
    page = admin_client.get("/admin/lineage/qualityobservation/")
    assert page.status_code == 200
    assert "shop.public.orders" in page.content.decode()


def test_reported_counts_judge_the_contracts_row_and_null_rules(mesh, post):
    from catalog.models import Contract

    contract = Contract.objects.get(external_id="orders-contract")
    obj = contract.document["schema"][0]
    obj["quality"] = [{"metric": "rowCount", "mustBeGreaterThan": 100}]
    obj["properties"][2]["quality"] = [{"metric": "nullValues", "mustBeLessThan": 1, "unit": "percent"}]
    contract.save()
    metrics = facet(rowCount=1000, columnMetrics={"customer_id": {"nullCount": 50}, "amount": {"nullCount": 0}})
    event = run_event("COMPLETE", job="spark.orders_stats", inputs=[
        {**ORDERS, "inputFacets": {"dataQualityMetrics": metrics}}])
    assert post(event) == 201
    run = QualityRun.objects.get(port__product=mesh["orders"], reason="reported")
    checks = {c.name: c for c in run.checks.all()}
    assert set(checks) == {"rowCount on orders (reported)", "nullValues on customer_id (reported)"}
    nulls = checks["nullValues on customer_id (reported)"]
    assert (nulls.passed, nulls.rows_failed, nulls.rows_checked, nulls.dimension) == (False, 50, 1000, "completeness")
    assert nulls.message == ("5% nulls in customer_id (50 of 1000 rows), rule allows less than 1%; "
                             "counted by the pipeline (job spark.orders_stats)")
    assert checks["rowCount on orders (reported)"].passed is True
