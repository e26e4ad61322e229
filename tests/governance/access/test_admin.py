"""Steward admin for access: requests with their history inline, grants, filters, bulk revoke through the service."""
from __future__ import annotations

import pytest
from django.test import Client

from governance.access import services
from governance.access.models import AccessEvent, AccessGrant

pytestmark = pytest.mark.django_db

PURPOSE = "Monthly churn analysis for marketing"


@pytest.fixture
def grants(access_mesh):
    made = []
    for requester, port in ((access_mesh.carol, access_mesh.ledger), (access_mesh.otto, access_mesh.ledger)):
        request = services.access_request_create(requester=requester, product=access_mesh.payments, port=port,
                                                 purpose=PURPOSE)
        services.access_request_approve(request=request, actor=access_mesh.olga)
        made.append(request.grants.get())
    return made


def signed_in(user) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_a_steward_sees_requests_with_their_history_and_filters_them(access_mesh, grants):
    client = signed_in(access_mesh.steward)
    request = grants[0].request
    page = client.get(f"/admin/governance/accessrequest/{request.pk}/change/").content.decode()
    assert PURPOSE in page
    assert "Requested" in page and "Granted" in page  # noqa: PT018  (two history rows shown)
    assert 'name="purpose"' not in page  # read-only: decided through the services only
    listed = client.get("/admin/governance/accessrequest/", {"state__exact": "approved",
                                                              "product__domain__id__exact": access_mesh.payments.domain_id})
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2
    assert client.get("/admin/governance/accessrequest/", {"state__exact": "denied"}).context["cl"].result_count == 0
    assert client.get("/admin/governance/accessgrant/add/").status_code == 403


def test_bulk_revoke_calls_the_service_and_needs_a_reason(access_mesh, grants):
    client = signed_in(access_mesh.steward)
    selected = {"action": "revoke_selected", "_selected_action": [g.pk for g in grants]}
    client.post("/admin/governance/accessgrant/", {**selected, "note": ""})
    assert set(AccessGrant.objects.values_list("state", flat=True)) == {"active"}

    response = client.post("/admin/governance/accessgrant/", {**selected, "note": "Audit: purpose lapsed."}, follow=True)
    assert "Revoked 2 grant(s)." in response.content.decode()
    assert set(AccessGrant.objects.values_list("state", flat=True)) == {"revoked"}
    assert AccessEvent.objects.filter(kind="revoked", note="Audit: purpose lapsed.", actor=access_mesh.steward).count() == 2

    again = client.post("/admin/governance/accessgrant/", {**selected, "note": "Twice."}, follow=True).content.decode()
    assert "Revoked 0 grant(s)." in again
    assert "already revoked" in again


def test_non_stewards_do_not_see_access_in_the_admin(access_mesh, grants):
    client = signed_in(access_mesh.olga)
    assert client.get("/admin/governance/accessgrant/").status_code == 403
    assert client.get(f"/admin/governance/accessrequest/{grants[0].request_id}/change/").status_code == 403
