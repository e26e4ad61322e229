"""The notifications API: one's own subscriptions, webhooks, inbox and delivery log; bad input named; documented."""
import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from notifications.models import Notification, Subscription
from tests.catalog.descriptors.conftest import product_doc
from tests.notifications.conftest import SECRET, publish, without_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_subscriptions_crud_and_the_inbox(mesh, make_user, client_for, django_capture_on_commit_callbacks):
    kim = make_user("kim")
    api = client_for(kim)
    created = api.post("/api/notifications/subscriptions/", {
        "target": "product", "product": "sales.orders", "kinds": ["breaking_change", "quality_drop"],
        "channel": "inbox", "quality_drop_points": 10}, format="json")
    assert created.status_code == 201, created.json()
    sub = created.json()
    assert (sub["product"], sub["kinds"], sub["quality_drop_points"]) == ("sales.orders", ["breaking_change", "quality_drop"], 10)
    assert AuditEvent.objects.filter(action="subscription.created", actor=f"user:{kim.pk}").count() == 1

    changed = api.patch(f"/api/notifications/subscriptions/{sub['id']}/", {"kinds": ["breaking_change"]}, format="json")
    assert changed.json()["kinds"] == ["breaking_change"]
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())

    inbox = api.get("/api/notifications/").json()
    assert [n["title"] for n in inbox["results"]] == ["Breaking change to sales.orders: contract c-orders"]
    assert inbox["results"][0]["read"] is False
    marked = api.post("/api/notifications/read/", {"ids": [inbox["results"][0]["id"]]}, format="json").json()
    assert marked == {"changed": 1, "unread": 0}
    assert api.get("/api/notifications/?unread=true").json()["results"] == []

    assert api.delete(f"/api/notifications/subscriptions/{sub['id']}/").status_code == 204
    assert not Subscription.objects.filter(user=kim).exists()


def test_bad_input_is_refused_naming_the_field(mesh, make_user, client_for):
    api = client_for(make_user("bo"))
    cases = [
        ({"target": "product", "product": "sales.nope", "kinds": ["breaking_change"]}, "product"),
        ({"target": "product", "product": "sales.orders", "kinds": ["gossip"]}, "kinds"),
        ({"target": "product", "product": "sales.orders", "kinds": ["any_change"], "channel": "webhook"}, "webhook"),
        ({"target": "domain", "kinds": ["any_change"]}, "domain"),
        ({"target": "mine", "kinds": ["quality_drop"], "quality_below": 250}, "quality_below"),
        ({"target": "product", "product": "finance.ledger", "kinds": ["any_change"]}, "product"),  # a draft bo may not see
    ]
    for body, field in cases:
        response = api.post("/api/notifications/subscriptions/", body, format="json")
        assert response.status_code == 400, (body, response.json())
        assert field in str(response.json()), (body, response.json())
    bad_hook = api.post("/api/notifications/webhooks/", {"name": "x", "url": "ftp://example.org/"}, format="json")
    assert bad_hook.status_code == 400
    assert "url" in str(bad_hook.json())
    assert Subscription.objects.count() == 0


def test_webhooks_crud_test_event_and_delivery_log(make_user, client_for, receiver, django_capture_on_commit_callbacks):
    owner, other = make_user("owen"), make_user("otto")
    api = client_for(owner)
    platform = receiver(503)
    made = api.post("/api/notifications/webhooks/", {"name": "ops", "url": platform.url, "secret": SECRET}, format="json")
    assert made.status_code == 201, made.json()
    hook = made.json()
    assert hook["signing_secret"] == SECRET
    assert "secret" not in api.get(f"/api/notifications/webhooks/{hook['id']}/").json()
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/api/notifications/webhooks/{hook['id']}/test/")
    assert sent.status_code == 202
    log = api.get(f"/api/notifications/webhooks/{hook['id']}/deliveries/").json()["results"]
    assert [(d["attempt"], d["status_code"], d["accepted"]) for d in log] == [(2, 200, True), (1, 503, False)]
    assert all(platform.valid(p) for p in platform.posts)
    assert api.get("/api/notifications/deliveries/").json()["count"] == 2
    # somebody else's webhook does not exist for you
    assert client_for(other).get(f"/api/notifications/webhooks/{hook['id']}/").status_code == 404
    assert client_for(other).get("/api/notifications/deliveries/").json()["count"] == 0
    off = api.patch(f"/api/notifications/webhooks/{hook['id']}/", {"active": False}, format="json")
    assert off.json()["active"] is False
    assert api.post(f"/api/notifications/webhooks/{hook['id']}/test/").status_code == 400
    assert api.delete(f"/api/notifications/webhooks/{hook['id']}/").status_code == 204
    assert Notification.objects.filter(recipient=owner, channel="webhook").count() == 1


def test_the_api_needs_a_signed_in_user_and_is_documented(api):
    assert api.get("/api/notifications/").status_code in (401, 403)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/notifications/", "/api/notifications/read/", "/api/notifications/subscriptions/",
                 "/api/notifications/webhooks/{id}/test/", "/api/notifications/deliveries/"):
        assert path in schema["paths"], path
