"""The demo's notifications: a consumer following products, and an upstream quality incident told downstream.

The consumer follows two products that read sales.orders and the marketing domain, as the Follow
buttons do. Then the staging job's next run finds sales.orders broken (ids missing and repeated,
customers and amounts empty) and reports it over OpenLineage, like the demo's other pipeline
events: the pipeline's report re-scores sales.orders, its quality falls a band, governance records
the drop, and notifications tell the owners of every product downstream, and the consumer (once,
though three of its subscriptions reach it), with the lineage path. Run again, it adds nothing.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from catalog.models import DataProduct, Domain
from demo import lineage as demo_lineage
from demo.spec import stable_id
from notifications.models import Notification, Subscription
from notifications.services import follow_toggle

FOLLOWED = ("marketing.attribution", "finance.invoices")
FOLLOWED_DOMAIN = "marketing"
BROKEN = "sales.orders"


def demo_notifications(*, stdout=None) -> None:
    consumer = get_user_model().objects.get(username="consumer")
    if Subscription.objects.filter(user=consumer).exists():
        return
    for identifier in FOLLOWED:
        follow_toggle(user=consumer, product=DataProduct.objects.get(identifier=identifier))
    follow_toggle(user=consumer, domain=Domain.objects.get(slug=FOLLOWED_DOMAIN))
    _incident_report()
    if stdout is not None:
        told = Notification.objects.filter(kind="upstream_incident", product__identifier=BROKEN)
        stdout.write(f"Notifications: consumer follows {', '.join(FOLLOWED)} and the {FOLLOWED_DOMAIN} domain; a "
                     f"quality incident on {BROKEN} was told to {told.values('recipient').distinct().count()} "
                     f"people downstream; consumer has "
                     f"{Notification.objects.filter(recipient=consumer, read_at=None, channel='inbox').count()} unread.\n")


def _incident_report() -> None:
    """The staging job's next run: every test it runs on sales.orders fails."""
    from django.urls import reverse
    from rest_framework.test import APIClient

    day = dt.datetime.now(dt.UTC).date()
    started = dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC)  # after the day's build (02:00)
    mesh = demo_lineage._Mesh()
    address, _port = mesh.first(BROKEN)
    tests = demo_lineage._facet("1-0-1/DataQualityAssertionsDatasetFacet.json", assertions=[
        {"assertion": name, "success": False, "column": column} for name, column in (
            ("not_null", "order_id"), ("unique", "order_id"), ("not_null", "customer_id"),
            ("relationships", "customer_id"), ("not_null", "total_amount"), ("positive", "total_amount"),
            ("not_null", "currency"), ("accepted_values", "currency"), ("not_null", "status"),
            ("accepted_values", "status"), ("not_null", "order_ts"), ("recent", "order_ts"))])
    source = {"namespace": address[0], "name": address[1], "inputFacets": {"dataQualityAssertions": tests}}
    base = {"producer": demo_lineage.PRODUCER, "run": {"runId": stable_id("lineage-run", "incident", day.isoformat())},
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "job": {"namespace": demo_lineage.JOB_NAMESPACE, "name": "finance.stage_orders"}}
    events = [{**base, "eventType": "COMPLETE", "eventTime": (started + dt.timedelta(minutes=4)).isoformat(),
               "inputs": [source], "outputs": []}]
    client = APIClient(SERVER_NAME=demo_lineage._host())
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {demo_lineage._pipeline_token()}")
    response = client.post(reverse("openlineage-batch"), events, format="json", secure=True)
    if response.status_code != 201:
        raise RuntimeError(f"the lineage endpoint refused the incident report: {response.status_code} {response.content!r}")
