"""The Elasticsearch backend: an alias over a versioned index, bulk writes, atomic rebuilds.

The alias (``settings.MESHPORT_SEARCH_INDEX``) always points at exactly one index; a rebuild
fills ``<alias>-<timestamp>`` and moves the alias in one ``update_aliases`` call, so searches
never see an empty or half-built index. The 8.x client speaks to 8 and 9 servers alike.

Connection: a secured cluster by API key or basic auth, TLS verified against a CA file or a
certificate fingerprint, or an Elastic Cloud id; ``client_options`` pass anything else to the
client. Two time budgets: searches get ``search_timeout`` (and ask the cluster for partial
results a little before it), maintenance (bulk, rebuild, alias swaps) ``maintenance_timeout``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError, TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    Elasticsearch,
    NotFoundError,
    helpers,
)
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

    def __init__(self, url: str = "", index: str = "meshport-products", *, cloud_id: str = "", api_key: str = "",
                 username: str = "", password: str = "", ca_certs: str = "", ssl_fingerprint: str = "",
                 timeout: float | None = None, search_timeout: float = 5.0, maintenance_timeout: float = 120.0,
                 client_options: dict | None = None, index_settings: dict | None = None, **options):
        self.url, self.alias, self.cloud_id = url, index, cloud_id
        if timeout is not None:  # one budget for both (older settings, tests)
            search_timeout = maintenance_timeout = timeout
        self.search_timeout, self.maintenance_timeout = float(search_timeout), float(maintenance_timeout)
        self.index_settings = dict(index_settings or {})
        self.client = Elasticsearch(**self.client_arguments(
            url=url, cloud_id=cloud_id, api_key=api_key, username=username, password=password, ca_certs=ca_certs,
            ssl_fingerprint=ssl_fingerprint, request_timeout=self.search_timeout, client_options=client_options or {},
        ))
        # Bulk writes, rebuilds and alias swaps may take far longer than a search is allowed to.
        self.admin = self.client.options(request_timeout=self.maintenance_timeout)

    @staticmethod
    def client_arguments(*, url: str, cloud_id: str, api_key: str, username: str, password: str, ca_certs: str,
                         ssl_fingerprint: str, request_timeout: float, client_options: dict) -> dict:
        """The ``Elasticsearch(...)`` arguments of these settings (``client_options`` win)."""
        arguments: dict = {"request_timeout": request_timeout, "max_retries": 1, "retry_on_timeout": False}
        if cloud_id:
            arguments["cloud_id"] = cloud_id
        else:
            arguments["hosts"] = [host.strip() for host in url.split(",") if host.strip()]
        if api_key:  # "id:key" as Kibana shows them, or the base64 "encoded" form
            key_id, colon, key = api_key.partition(":")
            arguments["api_key"] = (key_id, key) if colon else api_key
        elif username:
            arguments["basic_auth"] = (username, password)
        if ca_certs:
            arguments["ca_certs"] = ca_certs
        if ssl_fingerprint:
            arguments["ssl_assert_fingerprint"] = ssl_fingerprint
        return arguments | client_options

    def describe(self) -> str:
        return f"Elasticsearch cloud id {self.cloud_id!r}" if self.cloud_id else f"Elasticsearch at {self.url}"

    def connection_problem(self) -> str | None:
        """Why this process cannot use the cluster (a sentence), or None: what ``manage.py check`` reports."""
        try:
            self.client.options(request_timeout=min(self.search_timeout, 10.0)).info()
        except AuthenticationException:
            return (f"{self.describe()} rejected the credentials (401): check ELASTICSEARCH_API_KEY "
                    f"(or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD).")
        except AuthorizationException:
            return f"{self.describe()} refused access (403): the API key or user lacks the cluster's monitor privilege."
        except TlsError as exc:
            return (f"{self.describe()}: TLS verification failed ({exc.message}); set ELASTICSEARCH_CA_CERTS to the "
                    f"cluster's CA certificate file or ELASTICSEARCH_SSL_FINGERPRINT to its SHA-256 fingerprint.")
        except ConnectionTimeout:
            return f"{self.describe()} did not answer within {min(self.search_timeout, 10.0):g} s."
        except TransportConnectionError as exc:
            return f"{self.describe()} is unreachable ({exc.message})."
        except ApiError as exc:
            return f"{self.describe()} answered {exc.meta.status}: {exc.message}."
        return None

    # --- index management -------------------------------------------------------------------
    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"
        index = ProductDocument._index.clone(name=name, using=self.admin)
        if self.index_settings:
            index.settings(**self.index_settings)
        index.create()
        return name

    def _aliased(self) -> list[str]:
        try:
            return sorted(self.admin.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def setup(self) -> None:
        if not self._aliased():
            self.admin.indices.update_aliases(actions=[{"add": {"index": self._new_index(), "alias": self.alias}}])

    def refresh(self) -> None:
        self.admin.indices.refresh(index=self.alias)

    def drop(self) -> None:
        """Delete the alias and every index behind it (tests and ``--rebuild`` clean-up)."""
        for index in self._aliased():
            self.admin.indices.delete(index=index)

    # --- writes -------------------------------------------------------------------------------
    def _actions(self, docs: Iterable[ProductDoc], index: str) -> Iterator[dict]:
        for doc in docs:
            yield ProductDocument.from_doc(doc).to_dict(include_meta=True) | {"_index": index}

    def upsert(self, docs: Iterable[ProductDoc]) -> int:
        self.setup()
        written, _ = helpers.bulk(self.admin, self._actions(docs, self.alias), chunk_size=BULK_CHUNK)
        return written

    def remove(self, product_ids: Iterable[int]) -> None:
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": pk} for pk in product_ids)
        helpers.bulk(self.admin, actions, chunk_size=BULK_CHUNK, raise_on_error=False)

    def rebuild(self, docs: Iterable[ProductDoc], *, total: int | None = None, progress=None) -> int:
        new = self._new_index()
        self.admin.indices.put_settings(index=new, settings={"refresh_interval": "-1"})
        written = 0
        for ok, _ in helpers.streaming_bulk(self.admin, self._actions(docs, new), chunk_size=BULK_CHUNK):
            written += ok
            if progress:
                progress(1)
        self.admin.indices.put_settings(index=new, settings={"refresh_interval": None})
        self.admin.indices.refresh(index=new)
        old = self._aliased()
        self.admin.indices.update_aliases(
            actions=[*({"remove": {"index": i, "alias": self.alias}} for i in old), {"add": {"index": new, "alias": self.alias}}]
        )
        for index in old:
            self.admin.indices.delete(index=index)
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

    def _execute(self, search: Search):
        # The cluster stops collecting a little before the client gives up, and answers what it has.
        search = search.extra(timeout=f"{max(1, int(self.search_timeout * 800))}ms")
        try:
            response = search.execute()
        except (TransportError, ApiError) as exc:
            raise SearchUnavailable(str(exc)) from exc
        if response.timed_out:
            log.warning("search timed out after %.1f s on %s: partial results", self.search_timeout * 0.8, self.alias)
        return response

    def indexed_hashes(self) -> dict[int, str]:
        hashes: dict[int, str] = {}
        search = Search(using=self.admin, index=self.alias).source(["content_hash"]).sort("identifier").extra(size=SCAN_PAGE)
        after = None
        while True:
            page = (search.extra(search_after=after) if after else search).execute()
            hashes.update((int(h.meta.id), h.content_hash) for h in page)
            if len(page) < SCAN_PAGE:
                return hashes
            after = list(page[-1].meta.sort)
