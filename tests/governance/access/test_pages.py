"""The access pages: ask on the product, see it under "My access", decide under "To decide", revoke."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from governance.access.models import AccessEvent, AccessGrant, AccessRequest

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_restricted_product_offers_the_request_form_and_the_request_reaches_the_owner(access_mesh):
    carol = signed_in(access_mesh.carol)
    product_page = carol.get("/products/finance.payments/?tab=access").content.decode()
    assert 'id="request-access" href="/access/request/finance.payments/"' in product_page
    assert "Request access to this port" in product_page  # per port, with its name

    form = carol.get("/access/request/finance.payments/?port=cards").content.decode()
    assert '<option value="cards" selected>' in form
    assert "Marketing" not in form or "spend" in form  # her domain's products are offered as consumers
    response = carol.post("/access/request/finance.payments/", {
        "port": "cards", "purpose": "Reconcile card payments with campaign spend", "duration_days": 30,
        "consumer_product": "marketing.spend", "role": "analyst"})
    assert response.status_code == 302
    assert response["Location"].startswith("/access/")
    request = AccessRequest.objects.get()
    assert (request.state, request.port, request.consumer_product, request.role) == (
        "pending", access_mesh.cards, access_mesh.spend, "analyst")

    mine = carol.get("/access/").content.decode()
    assert f'id="request-{request.pk}"' in mine
    assert "Reconcile card payments" in mine
    assert "Pending" in mine

    olga = signed_in(access_mesh.olga)
    header = olga.get("/").content.decode()
    assert 'aria-label="1 waiting"' in header
    decide = olga.get("/access/decide/").content.decode()
    assert "carol" in decide
    assert "Reconcile card payments" in decide
    assert "Spend" in decide


def test_bad_input_on_the_form_names_the_field_and_writes_nothing(access_mesh):
    carol = signed_in(access_mesh.carol)
    html = carol.post("/access/request/finance.payments/", {"port": "cards", "purpose": "x", "duration_days": 30}
                      ).content.decode()
    assert 'id="purpose-error"' in html
    html = carol.post("/access/request/finance.payments/", {"port": "cards", "purpose": "A real purpose here",
                                                            "duration_days": 3650}).content.decode()
    assert 'id="duration_days-error"' in html
    assert AccessRequest.objects.count() == 0


def test_the_owner_approves_until_a_date_then_revokes_and_the_history_says_so(access_mesh):
    carol, olga = signed_in(access_mesh.carol), signed_in(access_mesh.olga)
    carol.post("/access/request/finance.payments/", {"port": "cards", "purpose": "Monthly card reconciliation",
                                                     "duration_days": 30, "role": "analyst"})
    request = AccessRequest.objects.get()
    until = dt.date.today() + dt.timedelta(days=10)
    olga.post(f"/access/requests/{request.pk}/approve/", {"valid_until": until.isoformat(), "note": "ok for Q4"})
    grant = AccessGrant.objects.get()
    assert grant.valid_until.date() == until
    assert grant.state == "active"

    product_page = carol.get("/products/finance.payments/?tab=access").content.decode()
    assert 'id="my-grants"' in product_page
    assert until.isoformat() in product_page
    consumers = olga.get("/products/finance.payments/?tab=access").content.decode()
    assert 'id="consumers"' in consumers
    assert "Monthly card reconciliation" in consumers

    olga.post(f"/access/grants/{grant.pk}/revoke/", {"note": "project ended"})
    grant.refresh_from_db()
    assert (grant.state, grant.revoke_note) == ("revoked", "project ended")
    mine = carol.get("/access/").content.decode()
    assert "project ended" in mine
    assert "Renew" in mine
    kinds = list(AccessEvent.objects.filter(request=request).values_list("kind", flat=True))
    assert kinds[:3] == ["requested", "approved", "granted"]
    assert "revoked" in kinds


def test_deny_needs_a_note_and_nobody_decides_their_own_request(access_mesh):
    olga = signed_in(access_mesh.olga)
    carol = signed_in(access_mesh.carol)
    carol.post("/access/request/finance.payments/", {"port": "ledger", "purpose": "Ledger for the audit",
                                                     "duration_days": 5})
    pending = AccessRequest.objects.get(state="pending")
    response = olga.post(f"/access/requests/{pending.pk}/deny/", {"note": ""}, follow=True)
    assert "Say why" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == "pending"
    response = carol.post(f"/access/requests/{pending.pk}/approve/", {}, follow=True)
    assert "Nothing was changed" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == "pending"
    olga.post(f"/access/requests/{pending.pk}/deny/", {"note": "Use the aggregated product instead"})
    pending.refresh_from_db()
    assert (pending.state, pending.decision_note) == ("denied", "Use the aggregated product instead")
    assert "Use the aggregated product instead" in carol.get("/access/").content.decode()


def test_anonymous_visitors_are_asked_to_log_in(access_mesh):
    client = Client()
    assert "Log in to request access" in client.get("/products/finance.rates/?tab=access").content.decode()
    response = client.get("/access/request/finance.rates/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
