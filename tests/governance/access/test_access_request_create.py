"""Asking for access: open products are granted at once (and still recorded), restricted ones wait;
a second open request or a request for what is already held is 409; renewals are new requests."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.access import services
from governance.access.models import AccessGrant, AccessRequest
from governance.access.signals import grant_activated, grant_ended

pytestmark = pytest.mark.django_db

PURPOSE = "Monthly churn analysis for marketing"


@pytest.fixture
def heard():
    """Grant ids each signal announced."""
    seen = {"activated": [], "ended": []}

    def on_activated(sender, grant_id, **kwargs):
        seen["activated"].append(grant_id)

    def on_ended(sender, grant_id, **kwargs):
        seen["ended"].append(grant_id)

    grant_activated.connect(on_activated)
    grant_ended.connect(on_ended)
    yield seen
    grant_activated.disconnect(on_activated)
    grant_ended.disconnect(on_ended)


def test_a_public_product_is_granted_at_once_and_recorded_with_its_purpose(
        access_mesh, as_user, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(access_mesh.carol).post("/api/products/finance.rates/access-requests/",
                                                   {"purpose": PURPOSE, "duration_days": 30}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "approved"
    assert body["purpose"] == PURPOSE
    assert body["decided_by"] is None  # Meshport granted it: the product is open to her
    assert [e["kind"] for e in body["history"]] == ["requested", "approved", "granted"]
    grant = body["grants"][0]
    assert grant["state"] == "active"
    assert grant["grantee"] == "carol"
    assert grant["port"] is None
    assert heard["activated"] == [grant["id"]]


def test_a_restricted_product_waits_and_nothing_is_granted_or_announced(
        access_mesh, as_user, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(access_mesh.carol).post("/api/products/finance.payments/access-requests/",
                                                   {"purpose": PURPOSE, "port": "ledger"}, format="json")
    assert response.status_code == 201
    assert response.json()["state"] == "pending"
    assert response.json()["duration_days"] == 90  # MESHPORT_ACCESS_DEFAULT_DAYS
    assert response.json()["grants"] == []
    assert heard["activated"] == []
    to_decide = as_user(access_mesh.olga).get("/api/access-requests/", {"to_decide": "true"}).json()
    assert [r["id"] for r in to_decide["results"]] == [response.json()["id"]]
    assert as_user(access_mesh.otto).get("/api/access-requests/", {"to_decide": "true"}).json()["results"] == []


def test_a_second_open_request_for_the_same_thing_is_409(access_mesh, as_user):
    client = as_user(access_mesh.carol)
    url = "/api/products/finance.payments/access-requests/"
    assert client.post(url, {"purpose": PURPOSE, "port": "ledger"}, format="json").status_code == 201
    second = client.post(url, {"purpose": PURPOSE + " again", "port": "ledger"}, format="json")
    assert second.status_code == 409
    assert "open request" in second.json()["detail"]
    # Other things are other requests: all ports (one port's contract has roles: one is chosen), or
    # for her team's product.
    assert client.post(url, {"purpose": PURPOSE, "role": "analyst"}, format="json").status_code == 201
    assert client.post(url, {"purpose": PURPOSE, "port": "ledger", "consumer_product": "marketing.spend"},
                       format="json").status_code == 201
    assert AccessRequest.objects.filter(state="pending").count() == 3


def test_what_is_already_granted_is_409_until_its_last_days(access_mesh, as_user):
    url = "/api/products/finance.payments/access-requests/"
    request = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                             purpose=PURPOSE, role="analyst")
    services.access_request_approve(request=request, actor=access_mesh.olga,
                                    valid_until=timezone.now() + timedelta(days=30))
    # The grant covers every port, so asking for one port again is asking for what she holds.
    again = as_user(access_mesh.carol).post(url, {"purpose": PURPOSE, "port": "ledger"}, format="json")
    assert again.status_code == 409
    assert "already granted" in again.json()["detail"]
    # Six days before its end it may be renewed: a new request, the old grant left as it is.
    soon = timezone.now() + timedelta(days=24, hours=1)
    renewal = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                             purpose=PURPOSE, role="analyst", now=soon)
    assert renewal.pk != request.pk
    assert renewal.state == "pending"
    assert AccessGrant.objects.get().state == "active"


def test_a_grant_for_a_consumer_product_is_shared_by_its_team(access_mesh, as_user):
    request = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                             port=access_mesh.ledger, consumer_product=access_mesh.spend,
                                             purpose=PURPOSE)
    services.access_request_approve(request=request, actor=access_mesh.olga)
    assert as_user(access_mesh.otto).get("/api/products/finance.payments/").json()["details_hidden"] is True
    mia = as_user(access_mesh.mia)
    assert mia.get("/api/products/finance.payments/").json()["details_hidden"] is False
    # Mia asking for the same thing for the same product is asking for what her team holds.
    again = mia.post("/api/products/finance.payments/access-requests/",
                     {"purpose": PURPOSE, "port": "ledger", "consumer_product": "marketing.spend"}, format="json")
    assert again.status_code == 409
    grants = mia.get("/api/access-grants/", {"product": "finance.payments"}).json()["results"]
    assert [(g["grantee"], g["consumer_product"]) for g in grants] == [("carol", "marketing.spend")]


def test_lists_show_mine_and_the_consumers_only_to_the_team(access_mesh, as_user):
    mine = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                          port=access_mesh.ledger, purpose=PURPOSE)
    services.access_request_approve(request=mine, actor=access_mesh.olga)
    services.access_request_create(requester=access_mesh.otto, product=access_mesh.payments,
                                   port=access_mesh.ledger, purpose="Ad hoc fraud investigation")
    carol = as_user(access_mesh.carol).get("/api/access-requests/", {"mine": "true"}).json()
    assert [r["id"] for r in carol["results"]] == [mine.pk]
    assert carol["count"] == 1
    owner = as_user(access_mesh.olga).get("/api/access-requests/", {"state": "pending"}).json()["results"]
    assert [r["requester"] for r in owner] == ["otto"]
    consumers = as_user(access_mesh.max).get("/api/products/finance.payments/consumers/")
    assert consumers.status_code == 200
    assert [(g["grantee"], g["port"]) for g in consumers.json()["results"]] == [("carol", "ledger@1.0.0")]
    assert as_user(access_mesh.carol).get("/api/products/finance.payments/consumers/").status_code == 403
    assert as_user(access_mesh.steward).get("/api/products/finance.payments/consumers/").status_code == 200
