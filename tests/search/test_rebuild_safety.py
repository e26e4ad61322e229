"""A rebuild loses nothing, writes land in order, deletes heal: what the index keeps under concurrency.

The rebuild is slowed by its progress hook, which edits, retires and deletes products (through the
services, their after-commit indexing run) while the new index is half filled: every change must be
in the index that is swapped in.
"""
from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from catalog.changes import ChangeSet, Kind, changes_announce
from catalog.models import DataProduct
from catalog.services.edits import product_edit
from search import locks
from search.backends.elasticsearch import ElasticsearchBackend
from search.documents import product_document
from search.indexing import rebuild, reconcile
from search.models import SearchTombstone
from search.types import SearchRequest
from tests.search.conftest import index_all
from tests.search.emulator import free_port


def identifiers(backend, text="", **filters) -> list[str]:
    backend.refresh()
    return [h.identifier for h in backend.query(SearchRequest(text=text, page_size=100, **filters)).hits]


def edit(identifier: str, **values) -> DataProduct:
    product = DataProduct.objects.get(identifier=identifier)
    for name, value in values.items():
        setattr(product, name, value)
    product_edit(product=product, changed=list(values), actor=None)
    return product


@transaction.atomic
def delete(identifier: str) -> int:
    product = DataProduct.objects.get(identifier=identifier)
    pk = product.pk
    changes = ChangeSet()
    changes.add(pk, Kind.DELETED)
    product.delete()
    changes_announce(changes)
    return pk


def indexed(backend: ElasticsearchBackend, identifier: str) -> dict:
    """The index's copy of a product (what a search would read), by identifier."""
    backend.refresh()
    pk = DataProduct.objects.get(identifier=identifier).pk
    return backend.client.get(index=backend.alias, id=pk)["_source"]


def es_indices(backend: ElasticsearchBackend) -> set[str]:
    return set(backend.admin.indices.get(index=f"{backend.alias}*", expand_wildcards="all").body)


@pytest.fixture
def es_options(elasticsearch_url, settings):
    options = {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend", "URL": elasticsearch_url,
               "INDEX": f"test-rebuild-{uuid.uuid4().hex[:10]}"}
    settings.SEARCH_BACKENDS = {"default": options}
    return options


@pytest.fixture
def es_backend(es_options, db):
    from search.backends import get_backend

    backend = get_backend()
    backend.setup()
    yield backend
    backend.drop()


def test_edits_retirements_and_deletes_during_a_rebuild_are_in_the_swapped_in_index(
    es_backend, small_mesh, monkeypatch, django_capture_on_commit_callbacks
):
    index_all(es_backend)
    monkeypatch.setattr("search.backends.elasticsearch.BULK_CHUNK", 2)  # the new index fills two at a time
    done = []

    def meanwhile(count):  # every product was read before this: the old hole lost all three changes
        if done:
            return
        done.append(es_indices(es_backend))
        with django_capture_on_commit_callbacks(execute=True):
            edit("finance.revenue", name="Revenue per month and region")
            edit("marketing.campaigns", status="retired")
            delete("sales.customers")

    before = es_backend._aliased()
    rebuild(backend=es_backend, progress=meanwhile)
    assert len(done[0]) == 2  # the edits were made while the old and the half-built index both existed
    assert es_backend._aliased() != before  # the new index was swapped in ...
    assert es_indices(es_backend) == set(es_backend._aliased())  # ... and nothing else is left
    # The swapped-in index itself holds every change (searches re-check the database, so look at the copies).
    assert indexed(es_backend, "finance.revenue")["name"] == "Revenue per month and region"
    assert indexed(es_backend, "marketing.campaigns")["status"] == "retired"
    assert es_backend.client.count(index=es_backend.alias)["count"] == 8  # the deleted one is gone
    assert es_backend.client.count(index=es_backend.alias, query={"term": {"identifier": "sales.customers"}})["count"] == 0
    assert identifiers(es_backend, "revenue per month and region")[0] == "finance.revenue"
    shown = identifiers(es_backend)
    assert "marketing.campaigns" not in shown  # retired: hidden from everyone
    assert "sales.orders" in shown
    assert not SearchTombstone.objects.filter(pending=True).exists()


def test_a_failed_rebuild_deletes_its_half_built_index(es_backend, small_mesh, monkeypatch):
    index_all(es_backend)
    monkeypatch.setattr("search.backends.elasticsearch.BULK_CHUNK", 2)
    before = es_indices(es_backend)

    def fail(count):
        assert len(es_indices(es_backend)) == 2  # the new one was being filled
        raise RuntimeError("worker killed mid-rebuild")

    with pytest.raises(RuntimeError, match="mid-rebuild"):
        rebuild(backend=es_backend, progress=fail)
    assert es_indices(es_backend) == before
    assert identifiers(es_backend, "customer orders")[0] == "sales.orders"  # the old index still answers
    assert es_backend._aliased(es_backend.building) == []
    rebuild(backend=es_backend)  # and the lease was given back
    assert identifiers(es_backend, "customer orders")[0] == "sales.orders"


def test_a_second_rebuild_is_refused_while_one_runs(search_backend, small_mesh):
    refusals = []

    def second(count):
        if not refusals:
            with pytest.raises(CommandError, match="already running") as refused:
                call_command("search_index", "--rebuild", "--no-progress")
            refusals.append(str(refused.value))

    rebuild(backend=search_backend, progress=second)
    assert len(refusals) == 1
    assert "a rebuild by" in refusals[0]
    call_command("search_index", "--rebuild", "--no-progress")  # free again once the first one finished


def test_reconciliation_runs_one_at_a_time(search_backend, small_mesh):
    DataProduct.objects.update(search_dirty=True)
    lease = locks.acquire(f"search-reconcile:{search_backend.name}:{getattr(search_backend, 'alias', '')}", 60)
    try:
        assert reconcile(backend=search_backend) == 0  # another one holds it: skipped, nothing touched
        assert DataProduct.objects.filter(search_dirty=False).count() == 0
    finally:
        lease.release()
    assert reconcile(backend=search_backend) == DataProduct.objects.count()


def test_a_delete_during_an_outage_heals_at_the_next_reconcile(
    es_backend, es_options, small_mesh, settings, django_capture_on_commit_callbacks
):
    index_all(es_backend)
    live = dict(settings.SEARCH_BACKENDS)
    settings.SEARCH_BACKENDS = {"default": {**es_options, "URL": f"http://127.0.0.1:{free_port()}", "TIMEOUT": 1}}
    with django_capture_on_commit_callbacks(execute=True):
        pk = delete("marketing.campaigns")  # the index cannot be told now
    tombstone = SearchTombstone.objects.get(product_id=pk)
    es_backend.refresh()
    assert es_backend.client.exists(index=es_backend.alias, id=pk)  # still in the index (searches re-check the database)
    settings.SEARCH_BACKENDS = live
    assert reconcile(backend=es_backend) == 1  # the beat's pass, every minute
    es_backend.refresh()
    assert not es_backend.client.exists(index=es_backend.alias, id=pk)
    assert not SearchTombstone.objects.filter(pk=tombstone.pk, pending=True).exists()  # processed


def test_two_workers_writing_out_of_order_leave_the_newer_copy(es_backend, small_mesh):
    """The emulator honours external versions (version_type=external_gte), so this runs against it."""
    index_all(es_backend)
    slow = product_document(DataProduct.objects.get(identifier="finance.revenue"))  # read by a slow worker
    edit("finance.revenue", name="Revenue by region")
    fast = product_document(DataProduct.objects.get(identifier="finance.revenue"))
    assert fast.version > slow.version
    assert es_backend.upsert([fast]) == 1
    assert es_backend.upsert([slow]) == 1  # refused by the cluster (409): counted as done, not an error
    stored = es_backend.client.get(index=es_backend.alias, id=fast.id)
    assert stored["_source"]["name"] == "Revenue by region"
    assert stored["_version"] == fast.version


def test_a_delete_carries_one_version_past_the_products_last(db, small_mesh):
    """A contract test of the delete request: the emulator forgets a deleted document's version at once,
    where Elasticsearch keeps it (index.gc_deletes, 60 s) and refuses older copies meanwhile."""
    product = DataProduct.objects.get(identifier="finance.revenue")
    version = product.search_version
    pk = delete("finance.revenue")
    tombstone = SearchTombstone.objects.get(product_id=pk)
    assert tombstone.version == version + 1
    action = ElasticsearchBackend._delete_action(pk, tombstone.version, "meshport-products")
    assert action == {"_op_type": "delete", "_index": "meshport-products", "_id": pk,
                      "_version": version + 1, "_version_type": "external_gte"}
