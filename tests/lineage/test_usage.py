"""Usage: how many other products read a product, kept on the product from lineage, and ranked by search."""
from __future__ import annotations

import uuid

import pytest

from catalog.models import DataProduct, InputPort
from lineage.services.products import lineage_products_sync, lineage_rebuild
from tests.lineage.conftest import kpi_events, revenue_events

pytestmark = pytest.mark.django_db


def usage() -> dict[str, int]:
    return dict(DataProduct.objects.values_list("identifier", "usage_count"))


def test_observed_and_declared_readers_count_once_each(mesh, pusher):
    for event in revenue_events(str(uuid.uuid4())) + kpi_events(str(uuid.uuid4())):
        assert pusher.post("/api/v1/lineage", event, format="json").status_code == 201
    assert usage() == {"sales.orders": 1, "finance.revenue": 1, "exec.kpis": 0, "sales.customers": 0}

    # revenue also declares an input port on orders (same pair: still one reader) and one on customers
    for source in ("orders", "customers"):
        InputPort.objects.create(product=mesh["revenue"], name=source, version="1", contract_ref=source,
                                 source_port=mesh[source].output_ports.get())
    lineage_products_sync(product_ids=[mesh["revenue"].pk])
    assert usage() == {"sales.orders": 1, "finance.revenue": 1, "exec.kpis": 0, "sales.customers": 1}
    assert DataProduct.objects.get(identifier="sales.customers").search_dirty  # re-indexed with its new standing

    InputPort.objects.filter(name="customers").delete()
    lineage_products_sync(product_ids=[mesh["revenue"].pk])
    assert usage()["sales.customers"] == 0


def test_rebuild_recomputes_usage(mesh, pusher):
    for event in revenue_events(str(uuid.uuid4())):
        pusher.post("/api/v1/lineage", event, format="json")
    DataProduct.objects.update(usage_count=7)
    lineage_rebuild()
    assert usage()["sales.orders"] == 1
    assert usage()["sales.customers"] == 0
