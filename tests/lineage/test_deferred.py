"""Deferred ingestion (``LINEAGE_GRAPH_DEFERRED``, on where workers run): the request stores the event
and answers 202 with a status address; a task derives the graph after commit, with the poster's rights
as they were when the event was accepted, and records what it applied."""
from __future__ import annotations

import uuid

import pytest

from audit.models import AuditEvent
from catalog.models import Column, DataProduct
from lineage.models import ColumnEdge, DatasetEdge, LineageEvent, QualityObservation
from lineage.services.ingestion import lineage_events_apply
from tests.lineage.conftest import REVENUE, revenue_events
from tests.lineage.test_producers import CUSTOMERS, attack, grant, marketing  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
URL = "/api/v1/lineage"


@pytest.fixture(autouse=True)
def deferred(settings):
    settings.LINEAGE_GRAPH_DEFERRED = True


def test_one_event_is_stored_pending_and_in_the_graph_once_the_task_ran(mesh, pusher,
                                                                      django_capture_on_commit_callbacks):
    start, complete = revenue_events(str(uuid.uuid4()))
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = pusher.post(URL, complete, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["graph"], body["ignored"]) == ("pending", [])
    # stored as sent, nothing derived yet: the answer and the status address say so
    assert LineageEvent.objects.get().payload == complete
    assert not DatasetEdge.objects.exists()
    status = pusher.get(body["status"])
    assert (status.status_code, status.json()["graph"]) == (200, "pending")

    for callback in after_commit:  # the task the commit queued (run inline here)
        callback()
    assert pusher.get(body["status"]).json()["graph"] == "applied"
    assert DatasetEdge.objects.filter(source__name="shop.public.orders", target__name=REVENUE).exists()
    assert ColumnEdge.objects.filter(target__name=REVENUE, target_field="revenue", source_field="amount").exists()
    # the observed schema reached the port, as when the request derives the graph itself
    assert set(Column.objects.filter(port__product__identifier="finance.revenue", observed=True)
               .values_list("name", flat=True)) >= {"day", "revenue"}


def test_a_batch_answers_each_events_status_and_resending_changes_nothing(mesh, pusher,
                                                                          django_capture_on_commit_callbacks):
    events = revenue_events(str(uuid.uuid4()))
    with django_capture_on_commit_callbacks(execute=True):
        response = pusher.post(URL + "/batch", events, format="json")
    body = response.json()
    assert (response.status_code, body["received"], body["created"], body["graph"]) == (202, 2, 2, "pending")
    assert [pusher.get(url).json()["graph"] for url in body["status"]] == ["applied", "applied"]
    edges = DatasetEdge.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as again:
        body = pusher.post(URL + "/batch", events, format="json").json()
    assert (body["created"], again, DatasetEdge.objects.count()) == (0, [], edges)  # no task queued either
    assert lineage_events_apply() == 0


def test_the_posters_rights_apply_and_the_ignored_facets_are_on_the_status(marketing, make_user,  # noqa: F811
                                                                          admin_client, api):
    producer = make_user("marketing-airflow")
    grant(admin_client, producer, marketing)
    api.force_authenticate(producer)
    response = api.post(URL, attack(), format="json")
    assert (response.status_code, response.json()["ignored"]) == (202, [])

    assert lineage_events_apply() == 1
    ignored = {i["path"]: i for i in api.get(response.json()["status"]).json()["ignored"]}
    assert set(ignored) == {"outputs[0].facets.ownership", "outputs[0].facets.schema",
                            "inputs[1].inputFacets.dataQualityAssertions", "inputs[1].inputFacets.dataQualityMetrics"}
    assert ignored["outputs[0].facets.schema"]["product"] == "sales.customers"
    assert "marketing" in ignored["outputs[0].facets.schema"]["reason"]
    customers = DataProduct.objects.get(identifier="sales.customers")
    assert not Column.objects.filter(port__product=customers, name="exfil").exists()
    assert QualityObservation.objects.get(kind="dataQualityAssertions").port_id is None
    assert DatasetEdge.objects.filter(source__name=CUSTOMERS[1]).exists()  # lineage itself is kept


def test_both_steps_are_audited(mesh, pusher):
    events = revenue_events(str(uuid.uuid4()))
    assert pusher.post(URL + "/batch", events, format="json").status_code == 202
    accepted = AuditEvent.objects.get(action="lineage.ingested")
    assert (accepted.data["new"], accepted.data["graph"], accepted.data["jobs"]) == (
        2, "pending", ["airflow/finance.build_revenue"])
    assert lineage_events_apply() == 2
    applied = AuditEvent.objects.get(action="lineage.applied")
    assert applied.actor == "system"
    assert (applied.data["events"], applied.data["products"]) == (2, ["finance.revenue", "sales.orders"])


def test_invalid_and_unauthorised_posts_store_nothing(mesh, pusher, api, consumer):
    response = pusher.post(URL, {"eventType": "COMPLETE"}, format="json")
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} >= {"eventTime"}
    api.force_authenticate(consumer)
    assert api.post(URL, revenue_events(str(uuid.uuid4()))[0], format="json").status_code == 403
    assert not LineageEvent.objects.exists()


def test_the_status_address_is_for_lineage_producers_and_unknown_digests_are_404(mesh, pusher, api, consumer):
    body = pusher.post(URL, revenue_events(str(uuid.uuid4()))[0], format="json").json()
    assert pusher.get(f"{URL}/events/{'0' * 64}").status_code == 404
    api.force_authenticate(consumer)
    assert api.get(body["status"]).status_code == 403
