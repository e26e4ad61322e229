"""Bad input is refused with a 4xx that names the field and the reason, and nothing is written."""
from __future__ import annotations

import pytest

from governance.access.models import AccessEvent, AccessGrant, AccessRequest
from governance.access.services import access_request_create

pytestmark = pytest.mark.django_db

PURPOSE = "Monthly churn analysis for marketing"


def rows() -> tuple[int, int, int]:
    return AccessRequest.objects.count(), AccessEvent.objects.count(), AccessGrant.objects.count()


def error_paths(response) -> dict[str, str]:
    return {e["path"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"port": "cards@1.0.0", "role": "analyst"}, "purpose", "at least 10 characters"),
    ({"port": "cards", "role": "analyst", "purpose": "   "}, "purpose", "at least 10 characters"),
    ({"port": "cards", "role": "analyst", "purpose": "data pls"}, "purpose", "at least 10 characters"),
    ({"port": "nope", "purpose": PURPOSE}, "port", "no output port 'nope'"),
    ({"port": "cards@9.9.9", "purpose": PURPOSE, "role": "analyst"}, "port", "no output port"),
    ({"port": "cards", "role": "analyst", "purpose": PURPOSE, "duration_days": 3650}, "duration_days", "1 to 365"),
    ({"port": "cards", "role": "analyst", "purpose": PURPOSE, "duration_days": 0}, "duration_days", "1 to 365"),
    ({"port": "cards", "role": "analyst", "purpose": PURPOSE, "duration_days": "ten"}, "duration_days", "integer"),
    ({"port": "cards", "purpose": PURPOSE}, "role", "analyst, auditor"),
    ({"port": "cards", "purpose": PURPOSE, "role": "admin"}, "role", "analyst, auditor"),
    ({"port": "ledger", "purpose": PURPOSE, "role": "analyst"}, "role", "declares no roles"),
    ({"port": "ledger", "purpose": PURPOSE, "consumer_product": "finance.rates"}, "consumer_product",
     "domain whose team you are on"),
    ({"port": "ledger", "purpose": PURPOSE, "consumer_product": "marketing.nothing"}, "consumer_product",
     "No data product"),
])
def test_bad_request_names_the_field_and_writes_nothing(access_mesh, as_user, body, field, words):
    before = rows()
    response = as_user(access_mesh.carol).post("/api/products/finance.payments/access-requests/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in error_paths(response)
    assert words in error_paths(response)[field]
    assert rows() == before


def test_anonymous_gets_401_and_nothing_is_written(access_mesh, as_user):
    before = rows()
    response = as_user(None).post("/api/products/finance.payments/access-requests/",
                                  {"port": "ledger", "purpose": PURPOSE}, format="json")
    assert response.status_code == 401
    assert as_user(None).get("/api/access-requests/").status_code == 401
    assert rows() == before


def test_an_unknown_product_is_404(access_mesh, as_user):
    response = as_user(access_mesh.carol).post("/api/products/finance.nothing/access-requests/",
                                               {"purpose": PURPOSE}, format="json")
    assert response.status_code == 404
    assert rows() == (0, 0, 0)


def test_another_users_request_is_hidden_and_cannot_be_cancelled(access_mesh, as_user):
    request = access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                    port=access_mesh.ledger, purpose=PURPOSE)
    before = rows()
    otto = as_user(access_mesh.otto)
    assert otto.get(f"/api/access-requests/{request.pk}/").status_code == 404
    assert request.pk not in [r["id"] for r in otto.get("/api/access-requests/").json()["results"]]
    response = otto.post(f"/api/access-requests/{request.pk}/cancel/", {}, format="json")
    assert response.status_code == 403
    assert "requester" in response.json()["detail"]
    assert as_user(access_mesh.carol).get("/api/access-requests/999999/").status_code == 404
    assert rows() == before


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"valid_until": "2000-01-01T00:00:00Z"}, "valid_until", "in the future"),
    ({"valid_until": "2999-01-01T00:00:00Z"}, "valid_until", "at most 365 days"),
    ({"valid_until": "next tuesday"}, "valid_until", "Datetime has wrong format"),
])
def test_an_approval_with_a_bad_end_date_is_400(access_mesh, as_user, body, field, words):
    request = access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                    port=access_mesh.ledger, purpose=PURPOSE)
    before = rows()
    response = as_user(access_mesh.olga).post(f"/api/access-requests/{request.pk}/approve/", body, format="json")
    assert response.status_code == 400
    assert words in error_paths(response)[field]
    assert rows() == before
    request.refresh_from_db()
    assert request.state == "pending"


def test_deny_without_a_note_and_revoke_without_a_note_are_400(access_mesh, as_user):
    request = access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                    port=access_mesh.ledger, purpose=PURPOSE)
    before = rows()
    response = as_user(access_mesh.olga).post(f"/api/access-requests/{request.pk}/deny/", {"note": "  "}, format="json")
    assert response.status_code == 400
    assert "why" in error_paths(response)["note"]
    assert rows() == before
    as_user(access_mesh.olga).post(f"/api/access-requests/{request.pk}/approve/", {}, format="json")
    grant = AccessGrant.objects.get()
    before = rows()
    response = as_user(access_mesh.steward).post(f"/api/access-grants/{grant.pk}/revoke/", {}, format="json")
    assert response.status_code == 400
    assert "why" in error_paths(response)["note"]
    grant.refresh_from_db()
    assert grant.state == "active"
    assert rows() == before


@pytest.mark.parametrize(("params", "field"), [({"state": "bogus"}, "state"), ({"mine": "perhaps"}, "mine")])
def test_bad_list_filters_are_400(access_mesh, as_user, params, field):
    response = as_user(access_mesh.carol).get("/api/access-requests/", params)
    assert response.status_code == 400
    assert field in error_paths(response)
