"""Lineage knows the use: access given for a consumer product is an edge to it, counted by impact and usage."""
from __future__ import annotations

import pytest

from governance.access import services
from lineage.models import ProductEdge

pytestmark = pytest.mark.django_db


def granted_edges():
    return set(ProductEdge.objects.filter(kind="access_grant").values_list("source__identifier", "target__identifier"))


def test_a_grant_for_a_consumer_product_shows_in_impact_until_it_ends(access_mesh, api,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.access_request_create(
            requester=access_mesh.carol, product=access_mesh.payments, port=access_mesh.ledger,
            consumer_product=access_mesh.spend, purpose="Attribute payments to campaigns")
        services.access_request_approve(request=request, actor=access_mesh.olga)
    assert granted_edges() == {("finance.payments", "marketing.spend")}
    access_mesh.payments.refresh_from_db()
    assert access_mesh.payments.usage_count == 1

    api.force_authenticate(access_mesh.olga)
    impact = api.get("/api/products/finance.payments/impact/").json()
    assert "marketing.spend" in str(impact)  # the owner sees who depends on the product

    with django_capture_on_commit_callbacks(execute=True):
        services.access_grant_revoke(grant=request.grants.get(), actor=access_mesh.olga, note="Campaign over")
    assert granted_edges() == set()
    access_mesh.payments.refresh_from_db()
    assert access_mesh.payments.usage_count == 0


def test_a_grant_for_oneself_draws_no_edge(access_mesh, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                                 port=access_mesh.ledger, purpose="A one-off reconciliation")
        services.access_request_approve(request=request, actor=access_mesh.olga)
    assert granted_edges() == set()
