"""Must show 3: removing a column from sales.orders' contract in the demo mesh tells the owners and followers of
every product downstream of it (the demo's lineage), once each, in the inbox and through a signed webhook."""
import copy
from collections import Counter

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from catalog.models import DataProduct, DomainMembership, ProductTeamMember
from demo import truth
from lineage.selectors.impact import OWNER_ROLES, product_impact
from notifications.models import Notification
from tests.notifications.conftest import SECRET

pytestmark = pytest.mark.django_db


def closure(edges: set[tuple[str, str]], start: str) -> set[str]:
    found, frontier = set(), {start}
    while frontier:
        frontier = {b for a, b in edges if a in frontier} - found
        found |= frontier
    return found


def owners(product: DataProduct) -> set[int]:
    domain = set(DomainMembership.objects.filter(domain=product.domain_id, role="owner").values_list("user_id", flat=True))
    team = {u for u, role in ProductTeamMember.objects.filter(product=product, user__isnull=False)
            .values_list("user_id", "role") if role.lower() in OWNER_ROLES}
    return domain | team


def test_a_removed_column_of_sales_orders_reaches_everyone_downstream_once(demo_mesh, make_user, receiver,
                                                                          django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    orders = DataProduct.objects.get(identifier="sales.orders")
    steward = users.get(username="steward")
    impact = product_impact(product=orders, viewer=steward)
    downstream = {p["identifier"] for d in impact["domains"] for p in d["products"]}
    assert closure(truth.lineage_edges(), "sales.orders") <= downstream  # the demo's declared lineage, at least
    assert len(downstream) >= 2

    # followers: the demo's consumer follows one downstream product twice over (it and its domain), by inbox
    # and by webhook; a new user follows sales.orders itself
    consumer, fan = users.get(username="consumer"), make_user("fan")
    target = DataProduct.objects.filter(identifier__in=downstream, status="published",
                                        visibility="public").order_by("identifier").first()
    api = APIClient()
    api.force_authenticate(consumer)
    platform = receiver()
    hook = api.post("/api/notifications/webhooks/", {"name": "dash", "url": platform.url, "secret": SECRET}, format="json").json()
    for body in ({"target": "product", "product": target.identifier, "kinds": ["upstream_incident"]},
                 {"target": "domain", "domain": target.domain.slug, "kinds": ["upstream_incident"]},
                 {"target": "product", "product": target.identifier, "kinds": ["upstream_incident"],
                  "channel": "webhook", "webhook": hook["id"]}):
        assert api.post("/api/notifications/subscriptions/", body, format="json").status_code == 201
    api.force_authenticate(fan)
    api.post("/api/notifications/subscriptions/", {"target": "product", "product": "sales.orders",
                                                   "kinds": ["breaking_change"]}, format="json")

    # the sales owner removes a column from the contract, as a user would: one import through the API
    port = orders.output_ports.exclude(contract=None).select_related("contract").order_by("name").first()
    document = copy.deepcopy(port.contract.document)
    schema = next(o for o in document["schema"] if o.get("properties"))
    removed = schema["properties"].pop()["name"]
    api.force_authenticate(users.get(username="sales-owner"))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/products/", {"documents": [orders.descriptor, document]}, format="json")
    assert response.status_code in (200, 201), response.json()
    change = AuditEvent.objects.filter(action="contract.changed", subject_label=port.contract.external_id).latest("id")
    assert change.data["breaking"] is True
    assert f"column {schema['name']}.{removed} removed or renamed" in change.data["reasons"]

    told = list(Notification.objects.filter(event_id=change.pk).select_related("affected", "recipient"))
    inbox = [n for n in told if n.channel == "inbox"]
    per_person = Counter(n.recipient_id for n in inbox)
    assert set(per_person.values()) == {1}  # once each, however many reasons a person had
    expected = {u for identifier in downstream for u in owners(DataProduct.objects.get(identifier=identifier))}
    expected |= {consumer.pk}
    upstream = {n.recipient_id for n in inbox if n.kind == "upstream_incident"}
    direct = {n.recipient_id for n in inbox if n.kind == "breaking_change"}
    assert fan.pk in direct
    actor = users.get(username="sales-owner")
    assert actor.pk not in per_person  # who made the change is not told of it
    assert owners(orders) - {actor.pk} <= direct  # the product's other owners hear of it directly
    expected -= {actor.pk}
    assert expected - direct <= upstream  # every downstream owner and follower, unless told directly already
    assert upstream | direct == expected | direct
    for n in inbox:
        if n.kind == "upstream_incident":
            assert n.path[0] == "sales.orders"
            assert n.path[-1] == n.affected.identifier
            assert n.affected.identifier in downstream

    [hooked] = [n for n in told if n.channel == "webhook"]
    assert hooked.state == "delivered"
    [post] = platform.posts
    assert platform.valid(post)
    event = platform.events()[0]
    assert (event["type"], event["data"]["product"]) == ("io.meshport.notification.upstream_incident", "sales.orders")
    assert event["data"]["path"][-1] == target.identifier
