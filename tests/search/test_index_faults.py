"""An index write cut short never clears a product's dirty flag (found by bench/load.py).

Before, ``index_products`` cleared the flag first and set it again when the write failed; a worker
killed between the two, or the database restarting before the flag could be set again, left a
product neither dirty nor indexed, which only the nightly full reconciliation would find. Now the
flag is cleared after the write, and only for the version written.
"""
from __future__ import annotations

from unittest import mock

from django.db import transaction

from catalog.changes import Kind, product_changes_announce
from catalog.models import DataProduct
from search.indexing import index_products, reconcile
from search.types import SearchRequest


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (no ``except Exception`` handler)."""


def found(backend, text) -> list[str]:
    backend.refresh()
    return [h.identifier for h in backend.query(SearchRequest(text=text)).hits]


def test_a_worker_killed_during_the_write_leaves_the_product_to_the_reconciler(search_backend, mesh_builder):
    product = mesh_builder.product("sales.refunds", "Refunds ledger", columns=("refund_id",))
    with mock.patch.object(type(search_backend), "upsert", side_effect=WorkerKilled):
        try:
            index_products([product.pk], backend=search_backend)
        except WorkerKilled:
            pass
    product.refresh_from_db()
    assert product.search_dirty is True
    assert found(search_backend, "refunds ledger") == []

    assert reconcile(backend=search_backend) == 1
    assert found(search_backend, "refunds ledger") == ["sales.refunds"]
    product.refresh_from_db()
    assert product.search_dirty is False


def test_an_edit_landing_during_the_write_keeps_the_product_dirty(search_backend, mesh_builder):
    product = mesh_builder.product("sales.refunds", "Refunds ledger")
    real_upsert = type(search_backend).upsert

    def edited_meanwhile(self, docs):
        with transaction.atomic():  # another process renames it after our copy was read
            DataProduct.objects.filter(pk=product.pk).update(name="Chargebacks archive")
            product_changes_announce([product.pk], Kind.UPDATED, fields={"name"})
        return real_upsert(self, docs)

    with mock.patch.object(type(search_backend), "upsert", edited_meanwhile):
        assert index_products([product.pk], backend=search_backend) is True
    product.refresh_from_db()
    assert product.search_dirty is True  # the copy written is the old name's
    assert found(search_backend, "chargebacks") == []

    reconcile(backend=search_backend)
    assert found(search_backend, "chargebacks") == ["sales.refunds"]
    product.refresh_from_db()
    assert product.search_dirty is False
