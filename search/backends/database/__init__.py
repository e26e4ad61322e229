"""The database backend: full-text search in the catalog's own database, picked by vendor.

SQLite uses an FTS5 table ranked with bm25; PostgreSQL a weighted ``tsvector`` ranked with
``ts_rank``. Both share the entry and facet tables, the filters, the facet counts, the typo
vocabulary and the ranking formula (text score × the product's ``rank_boost``, exact
identifier or name first), so the two behave alike and pass one contract suite.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from search.backends.base import SearchBackend
from search.backends.database import shadow, store
from search.backends.database.engines import engine_for
from search.backends.database.querying import DatabaseQuery, column_products, filter_sql, suggest, visible_sql
from search.documents import ProductDoc
from search.models import SearchEntry
from search.semantic import store as semantic_store
from search.types import Hit, Ranking, SearchPage, SearchRequest, Suggestion
from search.typos import known_terms


class DatabaseBackend(SearchBackend):
    name = "database"
    swallow_index_errors = False  # same database as the user's write: errors must surface

    def __init__(self, **options):
        self.options = options

    @property
    def engine(self):
        return engine_for(connection.vendor)

    def upsert(self, docs: Iterable[ProductDoc]) -> int:
        docs = list(docs)
        with transaction.atomic():
            for suffix in self._targets():  # a rebuild filling its new tables gets the write too
                written = store.write(self.engine, docs, replace=True, suffix=suffix)
            return written

    def remove(self, product_ids: Iterable[int], versions: dict[int, int] | None = None) -> None:
        ids = list(product_ids)
        with transaction.atomic():
            for suffix in self._targets():
                store.delete(self.engine, ids, suffix=suffix)

    def _targets(self) -> list[str]:
        """The live tables, and on PostgreSQL a rebuild's shadow while it fills (``shadow``)."""
        if connection.vendor != "postgresql":
            return [""]  # SQLite rebuilds in one transaction: writers wait for it
        building = shadow.write_through_suffix()
        return ["", building] if building else [""]

    def query(self, request: SearchRequest) -> SearchPage:
        return DatabaseQuery(self.engine, request).run()

    def suggest(self, text: str, request: SearchRequest, limit: int = 10) -> list[Suggestion]:
        return suggest(self.engine, text, request, limit)

    def known_words(self, words: list[str], request: SearchRequest) -> set[str]:
        return known_terms(words)

    def column_products(self, word: str, request: SearchRequest, limit: int) -> list[int]:
        return column_products(self.engine, word, request, limit)

    supports_semantic = True

    def ranking(self, request: SearchRequest) -> Ranking:
        return DatabaseQuery(self.engine, request).ranking()

    def nearest(self, request: SearchRequest, vector, k: int) -> list[tuple[int, float]]:
        found = semantic_store.matrix()
        return semantic_store.best_allowed(found, found.scores(vector), k, lambda ids: self._allowed(request, ids))

    def nearest_later(self, request: SearchRequest, vector_of, k: int):
        """The query's embedding and the vector scan run in a worker thread while the caller runs the
        words' search; the scope is then checked here, on this thread's connection."""
        found = semantic_store.matrix()
        scanning = semantic_store.scan_later(found, vector_of)
        return lambda: semantic_store.best_allowed(found, scanning.result(), k, lambda ids: self._allowed(request, ids))

    def _allowed(self, request: SearchRequest, ids: list[int] | None) -> set[int]:
        """Which of these products (None: all) the viewer's scope and the request's filters let through. A
        condition that is not true (false or NULL) leaves a product out."""
        where, params = visible_sql(request)
        more_where, more_params = filter_sql(request, per_row=ids is not None)
        conditions = [*where, *more_where]
        if ids is not None:
            conditions.append(f"e.product_id IN ({', '.join(['%s'] * len(ids))})")
            more_params = [*more_params, *ids]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.product_id FROM catalog_searchentry e WHERE {' AND '.join(f'({c})' for c in conditions)}",  # noqa: S608
                           [*params, *more_params])
            return {row[0] for row in cursor.fetchall()}

    def hits(self, request: SearchRequest, ranked: list[tuple[int, float]]) -> list[Hit]:
        return DatabaseQuery(self.engine, request)._hits(ranked)

    def indexed_hashes(self) -> dict[int, str]:
        return dict(SearchEntry.objects.values_list("product_id", "content_hash"))

    def rebuild(self, docs: Iterable[ProductDoc], *, total: int | None = None, progress=None, deleted=None) -> int:
        in_place = not self.options.get("shadow_rebuild", True)  # SHADOW_REBUILD: False for the old way (benchmarks)
        if connection.vendor == "postgresql" and not connection.in_atomic_block and not in_place:
            # New tables beside the live ones, swapped in: readers and writers go on meanwhile.
            return shadow.rebuild(self.engine, docs, progress=progress, deleted=deleted)
        # One transaction: readers keep seeing the old index until the new one commits.
        with transaction.atomic():
            store.delete_all(self.engine)
            written = store.write_chunks(self.engine, docs, progress=progress)
        if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (nor in a test's)
            self.engine.vacuum()
        return written
