"""OpenLineage ingestion through POST /api/v1/lineage: the graph it builds, and what it refuses."""
from __future__ import annotations

import copy
import uuid

import pytest

from lineage.models import (
    ColumnEdge,
    Dataset,
    DatasetEdge,
    LineageEvent,
    ProductEdge,
    QualityObservation,
    Run,
)
from tests.lineage.conftest import ORDERS, PG, REVENUE, ds, facet, kpi_events, revenue_events, run_event

pytestmark = pytest.mark.django_db

URL = "/api/v1/lineage"


def graph_snapshot() -> dict:
    """Everything the graph consists of, keyed by addresses (not ids), to compare two histories."""
    address = dict(Dataset.objects.values_list("pk", "namespace"))
    names = {pk: f"{address[pk]}:{n}" for pk, n in Dataset.objects.values_list("pk", "name")}
    return {
        "datasets": sorted((d.address, d.port_id, sorted(d.facets)) for d in Dataset.objects.all()),
        "facets": sorted((d.address, str(d.facets)) for d in Dataset.objects.all()),
        "edges": sorted((names[s], names[t], j or "") for s, t, j in DatasetEdge.objects.values_list(
            "source_id", "target_id", "job__name")),
        "columns": sorted((names[s], sf, names[t], tf) for s, sf, t, tf in ColumnEdge.objects.values_list(
            "source_id", "source_field", "target_id", "target_field")),
        "products": sorted(ProductEdge.objects.values_list("source__identifier", "target__identifier", "kind")),
        "runs": sorted(map(str, Run.objects.values_list("run_id", "state", "started_at", "ended_at"))),
        "quality": QualityObservation.objects.count(),
    }


def test_run_events_build_dataset_column_and_product_edges(mesh, pusher):
    for event in revenue_events(str(uuid.uuid4())) + kpi_events(str(uuid.uuid4())):
        assert pusher.post(URL, event, format="json").status_code == 201

    assert set(ProductEdge.objects.values_list("source__identifier", "target__identifier")) == {
        ("sales.orders", "finance.revenue"), ("finance.revenue", "exec.kpis")}
    revenue = Dataset.objects.get(namespace="file", name=REVENUE)
    assert revenue.port.product == mesh["revenue"]
    assert set(ColumnEdge.objects.filter(target=revenue).values_list("source_field", "target_field")) == {
        ("created_at", "day"), ("amount", "revenue")}
    assert list(Run.objects.values_list("state", flat=True)) == ["COMPLETE", "COMPLETE"]


def test_token_auth_accepts_token_and_bearer_and_refuses_anonymous(mesh, api, make_user):
    from rest_framework.authtoken.models import Token

    from tests.lineage.conftest import producer

    key = Token.objects.create(user=producer(make_user("etl"))).key
    event = revenue_events(str(uuid.uuid4()))[0]
    assert api.post(URL, event, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post(URL, event, format="json").status_code == 201
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.post(URL, {**event, "eventType": "RUNNING"}, format="json").status_code == 201


def test_resending_changes_nothing(mesh, pusher):
    events = revenue_events(str(uuid.uuid4()))
    for event in events:
        pusher.post(URL, event, format="json")
    before = graph_snapshot()
    for event in events:
        assert pusher.post(URL, event, format="json").status_code == 201
    assert graph_snapshot() == before
    assert LineageEvent.objects.count() == 2


def test_out_of_order_events_end_in_the_same_graph(mesh, pusher, django_db_blocker):
    run_id = str(uuid.uuid4())
    events = revenue_events(run_id) + kpi_events(str(uuid.uuid4()))
    for event in events:
        pusher.post(URL, event, format="json")
    in_order = graph_snapshot()
    for model in (LineageEvent, Run, ColumnEdge, DatasetEdge, QualityObservation, ProductEdge):
        model.objects.all().delete()
    Dataset.objects.filter(port__isnull=True).delete()
    Dataset.objects.update(facets={}, facet_stamps={})
    for event in reversed(events):
        assert pusher.post(URL, event, format="json").status_code == 201
    assert graph_snapshot() == in_order
    run = Run.objects.get(run_id=run_id)
    assert run.state == "COMPLETE"
    assert run.started_at < run.ended_at


def test_a_facet_sent_again_replaces_the_earlier_one(mesh, pusher):
    run_id = str(uuid.uuid4())
    first = run_event("RUNNING", job="j", run_id=run_id, outputs=[ds("file", REVENUE, documentation=facet(
        description="old"), ownership=facet(owners=[{"name": "team:finance"}]))], time="2026-11-20T06:00:00Z")
    second = run_event("COMPLETE", job="j", run_id=run_id, outputs=[ds("file", REVENUE, documentation=facet(
        description="new"))], time="2026-11-20T06:01:00Z")
    pusher.post(URL, second, format="json")
    pusher.post(URL, first, format="json")  # older, arrives late: loses
    facets = Dataset.objects.get(name=REVENUE).facets
    assert facets["documentation"]["description"] == "new"
    assert facets["ownership"]["owners"] == [{"name": "team:finance"}]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda e: e["run"].update(runId="not-a-uuid"), "run.runId"),
        (lambda e: e["job"].pop("name"), "job.name"),
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e.pop("producer"), "producer"),
        (lambda e: e["inputs"][0].pop("namespace"), "inputs[0].namespace"),
        (lambda e: e["outputs"][0]["facets"]["schema"]["fields"][1].pop("name"), "outputs[0].facets.schema.fields[1].name"),
        (lambda e: e["outputs"][0]["facets"]["columnLineage"]["fields"]["day"]["inputFields"][0].pop("field"),
         "outputs[0].facets.columnLineage.fields.day.inputFields[0].field"),
        (lambda e: e.update(eventType="DONE"), "eventType"),
    ],
)
def test_malformed_events_are_refused_with_the_field_path_and_store_nothing(mesh, pusher, mutate, path):
    event = copy.deepcopy(revenue_events(str(uuid.uuid4()))[1])
    mutate(event)
    before = graph_snapshot()
    response = pusher.post(URL, event, format="json")
    assert response.status_code == 400
    assert path in [e["path"] for e in response.json()["errors"]]
    assert graph_snapshot() == before
    assert LineageEvent.objects.count() == 0


def test_events_marquez_accepts_are_accepted(mesh, pusher):
    event = revenue_events(str(uuid.uuid4()))[1]
    del event["schemaURL"]
    del event["eventType"]
    for output in event["outputs"]:
        for f in output["facets"].values():
            f.pop("_producer"), f.pop("_schemaURL")
    assert pusher.post(URL, event, format="json").status_code == 201


def test_batch_is_all_or_nothing(mesh, pusher):
    good = revenue_events(str(uuid.uuid4()))
    bad = copy.deepcopy(good[1])
    bad["run"]["runId"] = "nope"
    response = pusher.post(URL + "/batch", [*good, bad], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "[2].run.runId"
    assert LineageEvent.objects.count() == 0
    assert DatasetEdge.objects.count() == 0
    response = pusher.post(URL + "/batch", good, format="json")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("received", "created", "ignored", "graph")} == {
        "received": 2, "created": 2, "ignored": [], "graph": "applied"}
    assert len(body["status"]) == 2
    assert ProductEdge.objects.filter(source=mesh["orders"], target=mesh["revenue"]).exists()


def test_job_and_dataset_events(mesh, pusher):
    job_event = {"eventTime": "2026-11-20T05:00:00Z", "producer": "x", "job": {"namespace": "dbt", "name": "m"},
                 "inputs": [ORDERS], "outputs": [ds("file", REVENUE)]}
    assert pusher.post(URL, job_event, format="json").status_code == 201
    assert ProductEdge.objects.filter(source=mesh["orders"], target=mesh["revenue"], kind="lineage").exists()
    dataset_event = {"eventTime": "2026-11-20T05:00:00Z", "producer": "x", "dataset": ds(PG, "shop.public.orders",
                     dataQualityMetrics=facet(rowCount=10, columnMetrics={"amount": {"nullCount": 1}}))}
    assert pusher.post(URL, dataset_event, format="json").status_code == 201
    observation = QualityObservation.objects.get()
    assert observation.port.product == mesh["orders"]
    assert observation.payload["rowCount"] == 10


def test_quality_facets_feed_the_quality_history(mesh, pusher):
    event = run_event("COMPLETE", job="checks", inputs=[{**ORDERS, "inputFacets": {
        "dataQualityMetrics": facet(rowCount=5, columnMetrics={"order_id": {"nullCount": 0}}),
        "dataQualityAssertions": facet(assertions=[{"assertion": "not_null", "success": False,
                                                    "column": "order_id"}]),
    }}])
    assert pusher.post(URL, event, format="json").status_code == 201
    kinds = set(QualityObservation.objects.filter(port__product=mesh["orders"]).values_list("kind", flat=True))
    assert kinds == {"dataQualityMetrics", "dataQualityAssertions"}


def test_schema_facet_updates_port_columns_and_flags_drift(mesh, pusher):
    schema = facet(fields=[{"name": "order_id", "type": "BIGINT"}, {"name": "amount", "type": "TEXT"},
                           {"name": "coupon", "type": "TEXT"}])
    event = run_event("COMPLETE", job="extract", outputs=[ds(PG, "shop.public.orders", schema=schema)])
    assert pusher.post(URL, event, format="json").status_code == 201
    orders = mesh["orders"]
    orders.refresh_from_db()
    port = orders.output_ports.get()
    assert set(port.columns.values_list("name", flat=True)) == {"order_id", "amount", "coupon"}
    drift = orders.flags["schema_drift_reported"]["orders@1.0.0"]
    assert drift["missing"] == ["customer_id"]
    assert drift["added"] == ["coupon"]
    assert drift["changed"] == [{"column": "amount", "expected": "numeric", "found": "TEXT"}]


def test_deleted_facets_are_removed_and_a_body_that_is_not_json_is_refused(mesh, pusher):
    run_id = str(uuid.uuid4())
    pusher.post(URL, run_event("START", job="j", run_id=run_id, outputs=[ds("file", REVENUE, documentation=facet(
        description="d"))], time="2026-11-20T06:00:00Z"), format="json")
    pusher.post(URL, run_event("COMPLETE", job="j", run_id=run_id, outputs=[ds("file", REVENUE, documentation={
        "_deleted": True})], time="2026-11-20T06:01:00Z"), format="json")
    assert "documentation" not in Dataset.objects.get(name=REVENUE).facets
    response = pusher.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "$"
    batch = pusher.post(URL + "/batch", {"eventTime": "x"}, format="json")
    assert batch.status_code == 400
    assert batch.json()["errors"][0]["path"] == "$"
