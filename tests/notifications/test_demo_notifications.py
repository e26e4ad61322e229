"""The demo's notifications are real: the consumer follows products and has unread notifications; a quality
incident on sales.orders, reported by a pipeline, reached the owners of the products downstream of it."""
import pytest
from django.contrib.auth import get_user_model

from audit.models import AuditEvent
from catalog.models import DataProduct, DomainMembership
from lineage.selectors.impact import product_impact
from notifications.models import Notification, Subscription

pytestmark = pytest.mark.django_db


def test_the_consumer_follows_products_and_has_unread_notifications(demo_mesh):
    consumer = get_user_model().objects.get(username="consumer")
    followed = {s.product.identifier for s in Subscription.objects.filter(user=consumer, target="product")}
    assert followed == {"marketing.attribution", "finance.invoices"}
    unread = Notification.objects.filter(recipient=consumer, channel="inbox", read_at=None)
    drop = AuditEvent.objects.filter(action="quality.band_changed", subject_label="sales.orders").latest("id")
    # three of its subscriptions lead to the drop (two products downstream, and marketing's domain): told once
    [incident] = unread.filter(event_id=drop.pk)
    assert incident.kind == "upstream_incident"
    assert incident.path[0] == "sales.orders"
    assert incident.path[-1] in ("marketing.attribution", "finance.invoices")
    assert unread.filter(kind="access_decision").exists()  # the demo's access decisions told the requester
    assert "Notifications: consumer follows" in demo_mesh.output


def test_a_quality_incident_on_sales_orders_reached_the_owners_downstream(demo_mesh):
    drop = AuditEvent.objects.filter(action="quality.band_changed", subject_label="sales.orders").latest("id")
    before, after = drop.data["score"]
    assert after < before
    orders = DataProduct.objects.get(identifier="sales.orders")
    steward = get_user_model().objects.get(username="steward")
    downstream = [p["identifier"] for d in product_impact(product=orders, viewer=steward)["domains"] for p in d["products"]]
    told = Notification.objects.filter(event_id=drop.pk, kind="upstream_incident", channel="inbox")
    reached = set(told.values_list("affected__identifier", flat=True))
    assert reached <= set(downstream)
    for domain in {identifier.split(".")[0] for identifier in reached}:
        owner = DomainMembership.objects.get(domain__slug=domain, role="owner").user
        assert told.filter(recipient=owner).count() == 1
    other_domains = {identifier.split(".")[0] for identifier in downstream} - {"sales"}
    assert other_domains <= {identifier.split(".")[0] for identifier in reached}  # every downstream domain's owner
