"""Who decides shows in the lists: a contract role's first-level approvers see the requests for that
role (on its port, or on all ports), and nothing else; the history is written once."""
from __future__ import annotations

import pytest

from governance.access import services
from governance.access.models import AccessEvent

pytestmark = pytest.mark.django_db

PURPOSE = "Monthly churn analysis for marketing"


def ids(response) -> list[int]:
    return [r["id"] for r in response.json()["results"]]


def test_a_roles_approver_sees_and_decides_requests_for_that_role(access_mesh, as_user):
    mesh = access_mesh
    analyst = services.access_request_create(requester=mesh.carol, product=mesh.payments, port=mesh.cards,
                                             purpose=PURPOSE, role="analyst")
    all_ports = services.access_request_create(requester=mesh.otto, product=mesh.payments, purpose=PURPOSE,
                                               role="analyst")
    services.access_request_create(requester=mesh.mia, product=mesh.payments, port=mesh.cards, purpose=PURPOSE,
                                   role="auditor")
    services.access_request_create(requester=mesh.mia, product=mesh.payments, port=mesh.ledger, purpose=PURPOSE)

    ann = as_user(mesh.ann)
    assert sorted(ids(ann.get("/api/access-requests/", {"to_decide": "true"}))) == sorted([analyst.pk, all_ports.pk])
    assert ann.get(f"/api/access-requests/{analyst.pk}/").json()["purpose"] == PURPOSE
    assert as_user(mesh.ann).post(f"/api/access-requests/{all_ports.pk}/approve/", {}, format="json").status_code == 200
    assert ids(as_user(mesh.ann).get("/api/access-requests/", {"to_decide": "true"})) == [analyst.pk]
    # The finance team decides all four; the steward too; someone else none.
    assert len(ids(as_user(mesh.max).get("/api/access-requests/", {"to_decide": "true"}))) == 3
    assert len(ids(as_user(mesh.steward).get("/api/access-requests/", {"state": "pending"}))) == 3
    assert ids(as_user(mesh.otto).get("/api/access-requests/", {"to_decide": "true"})) == []


def test_history_rows_are_never_changed(access_mesh):
    request = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                             port=access_mesh.ledger, purpose=PURPOSE)
    event = AccessEvent.objects.get(request=request)
    event.note = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        event.save()
    assert AccessEvent.objects.get(request=request).note == ""
