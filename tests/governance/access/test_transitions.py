"""Every (state, action, actor) of a request and of a grant: legal moves succeed, illegal ones are 409,
moves that are not the actor's are 403, and nobody decides their own request.

Deciders of carol's ``analyst`` request on ``finance.payments:cards`` are the finance owner
(olga) and member (max), the contract's approver of that role (ann) and stewards.
"""
from __future__ import annotations

import itertools

import pytest

from governance.access import services
from governance.access.models import AccessEvent, AccessGrant, AccessRequest

pytestmark = pytest.mark.django_db

ACTORS = ("carol", "olga", "max", "ann", "steward", "otto")
DECIDERS = {"olga", "max", "ann", "steward"}
REQUEST_STATES = ("pending", "approved", "denied", "cancelled")
ACTIONS = ("approve", "deny", "cancel")
REVOKERS = {"olga", "steward"}  # domain owners and stewards; a member or a role's approver may not


def expected_request_status(state: str, action: str, actor: str) -> int:
    if action == "cancel":
        allowed = actor == "carol"
    else:
        allowed = actor in DECIDERS  # carol would be deciding her own request
    if not allowed:
        return 403
    return 200 if state == "pending" else 409


def request_in(mesh, state: str) -> AccessRequest:
    request = services.access_request_create(requester=mesh.carol, product=mesh.payments, port=mesh.cards,
                                             purpose="Monthly churn analysis for marketing", role="analyst")
    if state == "approved":
        services.access_request_approve(request=request, actor=mesh.olga)
    elif state == "denied":
        services.access_request_deny(request=request, actor=mesh.olga, note="Not for churn work.")
    elif state == "cancelled":
        services.access_request_cancel(request=request, actor=mesh.carol)
    request.refresh_from_db()
    assert request.state == state
    return request


@pytest.mark.parametrize(("state", "action", "actor"), list(itertools.product(REQUEST_STATES, ACTIONS, ACTORS)))
def test_request_transitions(access_mesh, as_user, state, action, actor):
    request = request_in(access_mesh, state)
    events_before = AccessEvent.objects.filter(request=request).count()
    grants_before = AccessGrant.objects.count()

    response = as_user(access_mesh.users[actor]).post(
        f"/api/access-requests/{request.pk}/{action}/", {"note": "Decided in the table test."}, format="json")

    expected = expected_request_status(state, action, actor)
    assert response.status_code == expected, response.json()
    request.refresh_from_db()
    if expected != 200:
        assert request.state == state
        assert AccessEvent.objects.filter(request=request).count() == events_before
        assert AccessGrant.objects.count() == grants_before
        if actor == "carol" and action != "cancel":
            assert "own request" in response.json()["detail"]
        return
    after = {"approve": "approved", "deny": "denied", "cancel": "cancelled"}[action]
    assert request.state == after
    assert response.json()["state"] == after
    kinds = [e["kind"] for e in response.json()["history"]]
    assert kinds == ["requested", after] + (["granted"] if action == "approve" else [])
    assert response.json()["history"][1]["actor"] == access_mesh.users[actor].username
    assert AccessGrant.objects.filter(request=request).count() == (1 if action == "approve" else 0)


def grant_in(mesh, state: str) -> AccessGrant:
    request = request_in(mesh, "approved")
    grant = request.grants.get()
    if state == "revoked":
        services.access_grant_revoke(grant=grant, actor=mesh.steward, note="Audit finding.")
    elif state == "expired":
        services.access_grants_expire(now=grant.valid_until)
    grant.refresh_from_db()
    assert grant.state == state
    return grant


@pytest.mark.parametrize(("state", "actor"), list(itertools.product(("active", "expired", "revoked"), ACTORS)))
def test_grant_revoke_transitions(access_mesh, as_user, state, actor):
    grant = grant_in(access_mesh, state)
    events_before = AccessEvent.objects.count()

    response = as_user(access_mesh.users[actor]).post(
        f"/api/access-grants/{grant.pk}/revoke/", {"note": "No longer needed."}, format="json")

    expected = 403 if actor not in REVOKERS else (200 if state == "active" else 409)
    assert response.status_code == expected, response.json()
    grant.refresh_from_db()
    if expected == 200:
        assert grant.state == "revoked"
        assert grant.revoked_by == access_mesh.users[actor]
        assert response.json()["revoke_note"] == "No longer needed."
        assert AccessEvent.objects.filter(grant=grant, kind="revoked").count() == 1
    else:
        assert grant.state == state
        assert AccessEvent.objects.count() == events_before


def test_a_roles_approver_decides_only_that_role(access_mesh, as_user):
    request = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                             port=access_mesh.cards, purpose="Yearly audit of card payments",
                                             role="auditor")
    response = as_user(access_mesh.ann).post(f"/api/access-requests/{request.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert as_user(access_mesh.ann).get(f"/api/access-requests/{request.pk}/").status_code == 404
    request.refresh_from_db()
    assert request.state == "pending"


def test_a_domain_member_may_not_approve_their_own_request(access_mesh, as_user):
    request = services.access_request_create(requester=access_mesh.max, product=access_mesh.payments,
                                             port=access_mesh.ledger, purpose="Reconcile the ledger by hand")
    assert request.state == "pending"  # restricted: asked even by its own team, decided by another
    response = as_user(access_mesh.max).post(f"/api/access-requests/{request.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert as_user(access_mesh.olga).post(f"/api/access-requests/{request.pk}/approve/", {},
                                          format="json").status_code == 200
