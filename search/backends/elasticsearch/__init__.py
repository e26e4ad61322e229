"""The Elasticsearch backend: an alias over a versioned index, bulk writes, atomic rebuilds.

The alias (``settings.MESHPORT_SEARCH_INDEX``) always points at exactly one index; a rebuild
fills ``<alias>-<timestamp>`` and moves the alias in one ``update_aliases`` call, so searches
never see an empty or half-built index. The 8.x client speaks to 8 and 9 servers alike.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import Search

from search import query as q
from search.backends.base import SearchBackend, SearchUnavailable
from search.backends.elasticsearch.mapping import ProductDocument
from search.backends.elasticsearch.queries import build_search, suggest_search
from search.backends.elasticsearch.results import page_from_response
from search.documents import ProductDoc
from search.types import SearchPage, SearchRequest, Suggestion

log = logging.getLogger(__name__)
BULK_CHUNK = 500
SCAN_PAGE = 5000


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"
    swallow_index_errors = True  # a down cluster must not fail a user's write; the reconciler catches up

    def __init__(self, url: str, index: str = "meshport-products", timeout: float = 10.0, **options):
        self.url, self.alias = url, index
        self.client = Elasticsearch(url, request_timeout=timeout, max_retries=1, retry_on_timeout=True)

    # --- index management -------------------------------------------------------------------
    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"
        ProductDocument._index.clone(name=name, using=self.client).create()
        return name

    def _aliased(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def setup(self) -> None:
        if not self._aliased():
            self.client.indices.update_aliases(actions=[{"add": {"index": self._new_index(), "alias": self.alias}}])

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    def drop(self) -> None:
        """Delete the alias and every index behind it (tests and ``--rebuild`` clean-up)."""
        for index in self._aliased():
            self.client.indices.delete(index=index)

    # --- writes -------------------------------------------------------------------------------
    def _actions(self, docs: Iterable[ProductDoc], index: str) -> Iterator[dict]:
        for doc in docs:
            yield ProductDocument.from_doc(doc).to_dict(include_meta=True) | {"_index": index}

    def upsert(self, docs: Iterable[ProductDoc]) -> int:
        self.setup()
        written, _ = helpers.bulk(self.client, self._actions(docs, self.alias), chunk_size=BULK_CHUNK)
        return written

    def remove(self, product_ids: Iterable[int]) -> None:
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": pk} for pk in product_ids)
        helpers.bulk(self.client, actions, chunk_size=BULK_CHUNK, raise_on_error=False)

    def rebuild(self, docs: Iterable[ProductDoc], *, total: int | None = None, progress=None) -> int:
        new = self._new_index()
        self.client.indices.put_settings(index=new, settings={"refresh_interval": "-1"})
        written = 0
        for ok, _ in helpers.streaming_bulk(self.client, self._actions(docs, new), chunk_size=BULK_CHUNK):
            written += ok
            if progress:
                progress(1)
        self.client.indices.put_settings(index=new, settings={"refresh_interval": None})
        self.client.indices.refresh(index=new)
        old = self._aliased()
        self.client.indices.update_aliases(
            actions=[*({"remove": {"index": i, "alias": self.alias}} for i in old), {"add": {"index": new, "alias": self.alias}}]
        )
        for index in old:
            self.client.indices.delete(index=index)
        return written

    # --- reads --------------------------------------------------------------------------------
    def _search(self) -> Search:
        return Search(using=self.client, index=self.alias)

    def query(self, request: SearchRequest) -> SearchPage:
        parsed = q.parse(request.text)
        response = self._execute(build_search(self._search(), parsed, request))
        return page_from_response(response, request)

    def suggest(self, text: str, request: SearchRequest, limit: int = 10) -> list[Suggestion]:
        parsed = q.parse(text)
        if parsed.is_empty:
            return []
        response = self._execute(suggest_search(self._search(), parsed, request, limit))
        return [Suggestion(identifier=h.identifier, name=h.name, domain=h.domain) for h in response]

    @staticmethod
    def _execute(search: Search):
        try:
            return search.execute()
        except (TransportError, ApiError) as exc:
            raise SearchUnavailable(str(exc)) from exc

    def indexed_hashes(self) -> dict[int, str]:
        hashes: dict[int, str] = {}
        search = self._search().source(["content_hash"]).sort("identifier").extra(size=SCAN_PAGE)
        after = None
        while True:
            page = (search.extra(search_after=after) if after else search).execute()
            hashes.update((int(h.meta.id), h.content_hash) for h in page)
            if len(page) < SCAN_PAGE:
                return hashes
            after = list(page[-1].meta.sort)
