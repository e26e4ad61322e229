"""The database backend's rebuild on PostgreSQL: new tables filled beside the live ones and swapped in.

Searches keep answering from the live tables while the new ones fill, every write made meanwhile
reaches both, a failed build leaves nothing behind, and the swapped-in tables carry the same index,
constraint and sequence names the migrations made (later migrations address them by name).

On SQLite the rebuild is one transaction over the live tables (there is no shadow to look at): the
same scenarios check what a user sees there too — every change made during it is in the index
after, a failed rebuild leaves the old index answering, and the next rebuild works.
"""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from search.backends.database import shadow, store
from search.documents import product_documents
from search.indexing import rebuild
from search.types import SearchRequest
from tests.search.conftest import index_all
from tests.search.test_rebuild_safety import delete, edit

pytestmark = [pytest.mark.django_db(transaction=True)]


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def found(backend, text="", **filters) -> list[str]:
    return [h.identifier for h in backend.query(SearchRequest(text=text, page_size=100, **filters)).hits]


def schema() -> dict:
    """Names of the search tables' indexes, constraints and identity sequences, and their definitions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                       [list(shadow.TABLES)])
        indexes = {(t, n, d.replace(" ONLY ", " ")) for t, n, d in cursor.fetchall()}
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid::regclass::text = ANY(%s)", [list(shadow.TABLES)])
        constraints = set(cursor.fetchall())
        cursor.execute("SELECT pg_get_serial_sequence('catalog_searchfacet', 'id')")
        return {"indexes": indexes, "constraints": constraints, "sequence": cursor.fetchone()[0]}


def shadow_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE %s OR tablename = %s",
                       [f"%{shadow.SUFFIX}", shadow.STAGING])
        return [row[0] for row in cursor.fetchall()]


def table_oid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'catalog_searchentry'::regclass::oid")
        return cursor.fetchone()[0]


def edits():
    edit("sales.orders", name="Customer orders per line")
    edit("marketing.campaigns", status="retired")
    delete("sales.customers")


def edits_in_a_connection_of_their_own():
    try:
        edits()
    finally:
        connection.close()


def test_searches_and_writes_go_on_while_the_new_tables_fill_and_nothing_is_lost(
        database_backend, small_mesh, monkeypatch, django_capture_on_commit_callbacks):
    index_all(database_backend)
    monkeypatch.setattr("search.backends.database.store.WRITE_CHUNK", 2)  # the new tables fill two at a time
    before, oid = (schema(), table_oid()) if on_postgres() else (None, None)
    seen = []

    def meanwhile(count):  # called after each chunk: the products edited below were read already
        if seen:
            return
        if not on_postgres():  # another writer waits for the rebuild's transaction, then lands
            writer = threading.Thread(target=edits_in_a_connection_of_their_own)
            writer.start()
            seen.append(writer)
            return
        seen.append(shadow_tables())
        seen.append(found(database_backend, "customer orders"))  # the live tables answer meanwhile
        with django_capture_on_commit_callbacks(execute=True):
            edits()

    rebuild(backend=database_backend, progress=meanwhile)
    assert seen
    if not on_postgres():
        seen[0].join(timeout=30)
        assert not seen[0].is_alive()
    else:
        assert set(seen[0]) == {f"{t}{shadow.SUFFIX}" for t in shadow.TABLES} | {shadow.STAGING}
        assert seen[1][0] == "sales.orders"
        assert table_oid() != oid  # new tables were swapped in ...
        assert shadow_tables() == []  # ... and nothing else is left
        assert schema() == before  # under the names and definitions the migrations made
    # every change made during the build is in the swapped-in tables
    assert found(database_backend, "customer orders per line")[0] == "sales.orders"
    shown = found(database_backend)
    assert "marketing.campaigns" not in shown  # retired: hidden
    assert "sales.customers" not in shown
    assert "sales.orders" in shown
    with connection.cursor() as cursor:
        cursor.execute("SELECT identifier, status FROM catalog_searchentry ORDER BY identifier")
        entries = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM catalog_searchfacet f LEFT JOIN catalog_searchentry e "
                       "ON e.product_id = f.entry_id WHERE e.product_id IS NULL")
        orphans = cursor.fetchone()[0]
        cursor.execute("SELECT entry_id, field, value FROM catalog_searchfacet")
        facets = sorted(cursor.fetchall())
        cursor.execute("SELECT term FROM catalog_searchterm WHERE term IN ('customer', 'campaign')")
        terms = {row[0] for row in cursor.fetchall()}
    assert entries["marketing.campaigns"] == "retired"
    assert "sales.customers" not in entries
    assert orphans == 0
    # one set of facet rows a product (not the build's and the edit's), as an incremental write makes them
    expected = sorted(row for doc in product_documents(None) for row in store._facet_rows(doc))
    assert facets == expected
    assert terms == {"customer", "campaign"}  # the typo vocabulary came along


def test_a_failed_rebuild_drops_its_new_tables_and_the_live_ones_still_answer(database_backend, small_mesh):
    index_all(database_backend)
    oid = table_oid() if on_postgres() else None

    def fail(count):
        if on_postgres():
            assert shadow_tables()  # they were being filled
        raise RuntimeError("worker killed mid-rebuild")

    with pytest.raises(RuntimeError, match="mid-rebuild"):
        rebuild(backend=database_backend, progress=fail)
    if on_postgres():
        assert shadow_tables() == []
        assert table_oid() == oid
    assert found(database_backend, "customer orders")[0] == "sales.orders"
    database_backend.upsert([])  # writes find no shadow to follow
    rebuild(backend=database_backend)  # the lease was given back
    assert found(database_backend, "customer orders")[0] == "sales.orders"


def test_a_crashed_rebuilds_leftovers_are_dropped_by_the_next(database_backend, small_mesh):
    index_all(database_backend)
    if on_postgres():
        shadow.drop_shadow()
        shadow._create()  # as a rebuild killed mid-way leaves them
    rebuild(backend=database_backend)
    if on_postgres():
        assert shadow_tables() == []
    assert found(database_backend, "customer orders")[0] == "sales.orders"
