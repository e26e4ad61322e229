"""The contract every search backend fulfils, and its failure policy."""
from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import replace

from search.documents import ProductDoc
from search.types import Hit, Ranking, SearchPage, SearchRequest, Suggestion


class SearchUnavailable(Exception):
    """The engine cannot answer (a remote cluster is down); the API answers 503, never 500."""


class IndexWriteFailed(Exception):
    """Some documents were not written; ``failures`` says which and why (the products stay dirty)."""

    def __init__(self, failures: list[dict]):
        self.failures = failures
        self.product_ids = sorted({f["id"] for f in failures})
        shown = "; ".join(f"{f['id']}: {f['status']} {f['error']}" for f in failures[:5])
        super().__init__(f"{len(failures)} document write(s) failed ({shown})")


class SearchBackend(abc.ABC):
    """Index product documents and answer searches, facets and suggestions.

    ``swallow_index_errors``: a remote engine may be down; its indexing errors are logged and
    the product stays ``search_dirty`` for the reconciler, so an outage never fails a user's
    write. A database backend shares the user's database, so its errors must propagate.
    """

    name = "base"
    swallow_index_errors = False

    @abc.abstractmethod
    def upsert(self, docs: Iterable[ProductDoc]) -> int:
        """Write these documents; returns how many."""

    @abc.abstractmethod
    def remove(self, product_ids: Iterable[int], versions: dict[int, int] | None = None) -> None:
        """Drop these products from the index (missing ones are fine); ``versions``: their tombstones'."""

    @abc.abstractmethod
    def query(self, request: SearchRequest) -> SearchPage:
        """Hits (with highlights) of one page, the total count and facet counts."""

    @abc.abstractmethod
    def suggest(self, text: str, request: SearchRequest, limit: int = 10) -> list[Suggestion]:
        """Completions of what the user is typing, in the viewer's scope."""

    @abc.abstractmethod
    def indexed_hashes(self) -> dict[int, str]:
        """Every indexed product id with the content hash of its indexed copy."""

    @abc.abstractmethod
    def rebuild(self, docs: Iterable[ProductDoc], *, total: int | None = None, progress=None, deleted=None) -> int:
        """Replace the whole index with these documents, without a moment of empty results.

        ``deleted()``: products deleted since the build began (id: tombstone version), for an engine
        whose new index could still take a copy read before the delete."""

    def known_words(self, words: list[str], request: SearchRequest) -> set[str]:
        """Which of these words match some product as typed, in the viewer's scope (the rest may be
        misspelled). By default one uncorrected count query a word; a backend may do better."""
        return {w for w in words
                if self.query(replace(request, text=w, correct=False, facets=False, page=1, page_size=1,
                                      operator="and")).count}

    def column_products(self, word: str, request: SearchRequest, limit: int) -> list[int]:
        """Ids of products, in the viewer's scope, that may have a column named like ``word`` (candidates
        for column suggestions: the caller checks the names). By default the products the word finds."""
        return [h.id for h in self.query(replace(request, text=word, correct=False, facets=False, page=1,
                                                 page_size=limit, operator="and", sort="relevance")).hits]

    def ranking(self, request: SearchRequest) -> Ranking:
        """The words' ranking of one page (ids and scores, no hits built), its count and facets: what
        fusion reads at depth before it knows which page it shows. By default from ``query``."""
        page = self.query(request)
        wanted = request.text.strip().strip('"').lower()
        exact = [h.id for h in page.hits if h.identifier.lower() == wanted or h.name.lower() == wanted]
        return Ranking(count=page.count, ranked=[(h.id, h.score) for h in page.hits], exact=exact, facets=page.facets,
                       hits={h.id: h for h in page.hits})

    supports_semantic = False

    def nearest_later(self, request: SearchRequest, vector_of, k: int):
        """Start a nearest-neighbour search of the vector ``vector_of()`` returns; the function returned
        waits for its result (``nearest``'s). A backend may run it beside the words' search; by default
        it runs at once."""
        found = self.nearest(request, vector_of(), k)
        return lambda: found

    def nearest(self, request: SearchRequest, vector, k: int) -> list[tuple[int, float]]:
        """The k products nearest to ``vector`` (id, similarity), the viewer's scope and filters applied inside."""
        raise NotImplementedError

    def hits(self, request: SearchRequest, ranked: list[tuple[int, float]]) -> list[Hit]:
        """Hits for these product ids (with their scores), in this order."""
        raise NotImplementedError

    def setup(self) -> None:  # noqa: B027  (optional hook)
        """Create whatever the backend needs before the first write (idempotent)."""

    def refresh(self) -> None:  # noqa: B027  (optional hook)
        """Make recent writes visible to searches (a no-op where writes are visible at once)."""
