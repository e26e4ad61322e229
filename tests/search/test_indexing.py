"""Indexing never loses a write: on-commit reindex, outage tolerance, reconciliation, drift, rebuild."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from catalog.changes import Kind, product_changes_announce
from catalog.models import DataProduct
from search.backends.elasticsearch import ElasticsearchBackend
from search.documents import product_documents
from search.indexing import drift, index_products, reconcile
from search.types import SearchRequest
from tests.search.conftest import index_all
from tests.search.emulator import EmulatedElasticsearch, free_port


def found(backend, text) -> list[str]:
    backend.refresh()
    return [h.identifier for h in backend.query(SearchRequest(text=text)).hits]


def rename(product_ids, prefix):
    with transaction.atomic():
        for product in DataProduct.objects.filter(pk__in=product_ids):
            product.name = f"{prefix} {product.slug}"
            product.save()
        product_changes_announce(product_ids, Kind.UPDATED, fields={"name"})


def test_a_publish_is_searchable_after_commit(search_backend, mesh_builder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = mesh_builder.product("sales.refunds", "Refunds ledger", columns=("refund_id",))
    assert found(search_backend, "refunds ledger") == ["sales.refunds"]
    product.refresh_from_db()
    assert product.search_dirty is False


def test_a_deleted_product_leaves_the_index(search_backend, small_mesh, django_capture_on_commit_callbacks):
    index_all(search_backend)
    product = DataProduct.objects.get(identifier="marketing.campaigns")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        pk = product.pk
        product.delete()
        product_changes_announce([pk], Kind.DELETED)
    assert "marketing.campaigns" not in found(search_backend, "campaign")


def test_an_elasticsearch_outage_never_fails_the_write(db, mesh_builder, settings, django_capture_on_commit_callbacks):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
                                            "URL": f"http://127.0.0.1:{free_port()}", "TIMEOUT": 2}}
    with django_capture_on_commit_callbacks(execute=True):
        product = mesh_builder.product("sales.orders", "Customer orders")
    product.refresh_from_db()
    assert DataProduct.objects.filter(identifier="sales.orders").exists()
    assert product.search_dirty is True  # left for the reconciler


def test_database_backend_errors_propagate(database_backend, mesh_builder, monkeypatch):
    product = mesh_builder.product("sales.orders", "Customer orders")

    def broken(self, docs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(type(database_backend), "upsert", broken)
    with pytest.raises(DatabaseError):
        index_products([product.pk], backend=database_backend)
    product.refresh_from_db()
    assert product.search_dirty is True


def test_drift_finds_missing_stale_and_orphaned_and_reconcile_fixes_it(search_backend, small_mesh):
    index_all(search_backend)
    assert drift(backend=search_backend).total == 0
    revenue = DataProduct.objects.get(identifier="finance.revenue")
    DataProduct.objects.filter(pk=revenue.pk).update(name="Revenue by month")  # a write that skipped the hook
    campaigns = DataProduct.objects.get(identifier="marketing.campaigns")
    search_backend.remove([campaigns.pk])
    ghost = next(iter(product_documents([revenue.pk])))
    ghost.id, ghost.identifier = 999_999, "ghost.product"
    search_backend.upsert([ghost])
    search_backend.refresh()
    found_drift = drift(backend=search_backend)
    assert (found_drift.missing, found_drift.stale, found_drift.orphaned) == ([campaigns.pk], [revenue.pk], [999_999])
    assert reconcile(full=True, backend=search_backend) == 3
    search_backend.refresh()
    assert drift(backend=search_backend).total == 0
    assert found(search_backend, "revenue by month")[0] == "finance.revenue"


def test_search_index_command_checks_and_rebuilds(search_backend, small_mesh, capsys):
    DataProduct.objects.update(search_dirty=True)
    with pytest.raises(CommandError, match="differ from the database"):
        call_command("search_index", "--check")
    call_command("search_index", "--rebuild", "--chunk-size", "3", "--no-progress")
    search_backend.refresh()
    call_command("search_index", "--check")
    assert "0 missing, 0 stale, 0 orphaned" in capsys.readouterr().out
    assert found(search_backend, "sales.orders")[0] == "sales.orders"
    assert not DataProduct.objects.filter(search_dirty=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_on_its_own_leaves_no_dead_copy_of_the_index(database_backend, small_mesh):
    """Outside a transaction, PostgreSQL's rebuild fills new tables and swaps them in (search.backends.
    database.shadow): the replaced ones are dropped, so searches never wade through a dead copy of every row."""
    from django.db import connection

    def entries_table() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'catalog_searchentry'::regclass::oid" if connection.vendor == "postgresql"
                           else "SELECT 0")
            return cursor.fetchone()[0]

    before = entries_table()
    call_command("search_index", "--rebuild", "--no-progress")
    assert found(database_backend, "customer orders")[0] == "sales.orders"
    if connection.vendor == "postgresql":
        assert entries_table() != before
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('catalog_searchentry_building')")
            assert cursor.fetchone()[0] is None


def test_elasticsearch_rebuild_swaps_the_alias_without_downtime(elasticsearch_url, small_mesh):
    backend = ElasticsearchBackend(url=elasticsearch_url, index="test-rebuild-alias")
    backend.drop()
    try:
        from search.indexing import rebuild

        rebuild(backend=backend)
        backend.refresh()
        first = backend._aliased()
        seen_during = []
        rebuild(backend=backend, progress=lambda n: seen_during.append(len(found(backend, "orders"))))
        backend.refresh()
        second = backend._aliased()
        assert len(first) == len(second) == 1
        assert first != second
        assert min(seen_during) > 0  # the old index kept answering while the new one filled
        assert not backend.client.indices.exists(index=first[0])
        assert found(backend, "sales.orders")[0] == "sales.orders"
    finally:
        backend.drop()


def test_reconcile_is_scheduled_by_beat():
    from meshport.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "search.tasks.search_reconcile_task" in tasks
    app.loader.import_default_modules()
    assert "search.tasks.search_reconcile_task" in app.tasks


@pytest.mark.django_db
def test_killing_elasticsearch_while_100_products_change_loses_no_edit(
    tmp_path, mesh_builder, settings, django_capture_on_commit_callbacks
):
    server = EmulatedElasticsearch(tmp_path / "es")
    server.start()
    try:
        settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
                                                "URL": server.url, "INDEX": "outage-products", "TIMEOUT": 3}}
        from search.backends import get_backend

        backend = get_backend()
        with django_capture_on_commit_callbacks(execute=True):
            ids = [mesh_builder.product(f"sales.p{i:03d}", f"Product {i}").pk for i in range(100)]
        backend.refresh()
        assert drift(backend=backend).total == 0

        server.kill()
        with django_capture_on_commit_callbacks(execute=True):
            for start in range(0, 100, 10):  # ten user edits of ten products each
                rename(ids[start : start + 10], "Edited")
        assert DataProduct.objects.filter(search_dirty=True).count() == 100

        server.start()
        reconcile(backend=backend)  # one pass of the beat task
        backend.refresh()
        assert drift(backend=backend).total == 0
        assert not DataProduct.objects.filter(search_dirty=True).exists()
        assert backend.query(SearchRequest(text="edited", page_size=100)).count == 100
        call_command("search_index", "--check")
    finally:
        server.stop()


def test_a_worker_retries_a_failed_index_write(db, mesh_builder, monkeypatch):
    from celery.exceptions import Retry

    from search import tasks

    product = mesh_builder.product("sales.orders", "Customer orders")
    monkeypatch.setattr("search.indexing.index_products", lambda ids: False)
    monkeypatch.setattr(tasks.search_index_products_task.request, "is_eager", False, raising=False)
    with pytest.raises(Retry):
        tasks.search_index_products_task.run([product.pk])
