"""Events emitted by the real ``openlineage-python`` client, over HTTP, build the expected graph."""
from __future__ import annotations

import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    ownership_dataset,
    schema_dataset,
)
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid
from rest_framework.authtoken.models import Token

from lineage.models import ColumnEdge, Dataset, ProductEdge, QualityObservation
from lineage.models import Run as RunModel
from tests.lineage.conftest import KPIS, PG, REVENUE, producer

PRODUCER = "https://github.com/meshport/tests/openlineage-client"


@pytest.fixture
def client(live_server, mesh, make_user):
    key = Token.objects.create(user=producer(make_user("airflow"))).key
    config = HttpConfig(url=live_server.url, auth=ApiKeyTokenProvider({"apiKey": key}), timeout=10)
    return OpenLineageClient(transport=HttpTransport(config))


def _event(state, run_id, job, inputs, outputs, time):
    return RunEvent(eventType=state, eventTime=time, run=Run(runId=run_id), job=Job(namespace="airflow", name=job),
                    inputs=inputs, outputs=outputs, producer=PRODUCER)


def _from(namespace, name, field):
    return column_lineage_dataset.InputField(namespace=namespace, name=name, field=field, transformations=[
        column_lineage_dataset.Transformation(type="DIRECT", subtype="AGGREGATION")])


@pytest.mark.django_db(transaction=True)
def test_client_events_over_http_build_the_graph(client, mesh):
    orders = InputDataset(namespace=PG, name="shop.public.orders", inputFacets={
        "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(assertions=[
            data_quality_assertions_dataset.Assertion(assertion="not_null", success=True, column="amount")])})
    revenue = OutputDataset(namespace="file", name=REVENUE, facets={
        "schema": schema_dataset.SchemaDatasetFacet(fields=[
            schema_dataset.SchemaDatasetFacetFields(name="day", type="DATE"),
            schema_dataset.SchemaDatasetFacetFields(name="revenue", type="NUMERIC")]),
        "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields={
            "revenue": column_lineage_dataset.Fields(inputFields=[_from(PG, "shop.public.orders", "amount")])}),
        "ownership": ownership_dataset.OwnershipDatasetFacet(owners=[ownership_dataset.Owner(name="team:finance")]),
    })
    kpis = OutputDataset(namespace="file", name=KPIS, facets={
        "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields={
            "revenue_7d": column_lineage_dataset.Fields(inputFields=[_from("file", REVENUE, "revenue")])})})
    first, second = str(generate_new_uuid()), str(generate_new_uuid())
    client.emit(_event(RunState.START, first, "build_revenue", [orders], [revenue], "2026-11-20T06:00:00Z"))
    client.emit(_event(RunState.COMPLETE, first, "build_revenue", [orders], [revenue], "2026-11-20T06:04:00Z"))
    client.emit(_event(RunState.COMPLETE, second, "build_kpis", [InputDataset(namespace="file", name=REVENUE)],
                       [kpis], "2026-11-20T07:00:00Z"))

    assert set(ProductEdge.objects.values_list("source__identifier", "target__identifier")) == {
        ("sales.orders", "finance.revenue"), ("finance.revenue", "exec.kpis")}
    assert set(ColumnEdge.objects.values_list("source_field", "target_field")) == {
        ("amount", "revenue"), ("revenue", "revenue_7d")}
    assert RunModel.objects.get(run_id=first).state == "COMPLETE"
    assert Dataset.objects.get(name=REVENUE).facets["ownership"]["owners"] == [{"name": "team:finance"}]
    assert QualityObservation.objects.filter(port__product=mesh["orders"], kind="dataQualityAssertions").exists()
    revenue_port = mesh["revenue"].output_ports.get()
    assert set(revenue_port.columns.values_list("name", flat=True)) == {"day", "revenue"}
