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
from collections.abc import Callable, Iterable, Iterator

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError, TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    BadRequestError,
    Elasticsearch,
    NotFoundError,
    helpers,
)
from elasticsearch.dsl import Search

from catalog.models import DataProduct
from search import query as q
from search.backends.base import IndexWriteFailed, SearchBackend, SearchUnavailable
from search.backends.elasticsearch.mapping import MAPPING_VERSION, ProductDocument
from search.backends.elasticsearch.queries import (
    HIT_FIELDS,
    build_search,
    column_highlight_search,
    cosine,
    knn_body,
    suggest_search,
)
from search.backends.elasticsearch.results import _hit, column_highlights, page_from_response
from search.documents import ProductDoc
from search.semantic import store as semantic
from search.types import Hit, SearchPage, SearchRequest, Suggestion

log = logging.getLogger(__name__)
BULK_CHUNK = 500
BULK_RETRIES, BULK_BACKOFF = 5, 0.5  # 429 rejections: retried after 0.5, 1, 2, 4, 8 s
SCAN_PAGE = 5000
SCAN_KEEP_ALIVE = "2m"  # between two pages of a scan


class SearchQueryRefused(Exception):
    """The cluster answered 4xx to a search: a bug in the query, answered 500 (and logged), never 503."""


def _alias_missing(failure: dict) -> bool:
    """A bulk item refused because its alias does not exist (``require_alias``)."""
    return failure.get("status") == 404 and "index_not_found" in str(failure.get("error"))


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

    def mapping_problem(self) -> str | None:
        """Whether the index behind the alias was built with an older mapping (a rebuild is due)."""
        try:
            found = self.admin.indices.get_mapping(index=self.alias).body
        except NotFoundError:
            return None  # nothing built yet: the first write makes it with the current mapping
        versions = {m.get("mappings", {}).get("_meta", {}).get("meshport_mapping_version", 1) for m in found.values()}
        if versions != {MAPPING_VERSION}:
            return (f"the index behind {self.alias!r} has mapping version {max(versions)}, this Meshport writes "
                    f"{MAPPING_VERSION}: run `manage.py search_index --rebuild`.")
        return None

    # --- index management -------------------------------------------------------------------
    @property
    def building(self) -> str:
        """The alias of the index a rebuild is filling: writes made meanwhile go there too."""
        return f"{self.alias}-building"

    @property
    def first_index(self) -> str:
        """The first index of a fresh cluster: one fixed name, so workers starting at once make one."""
        return f"{self.alias}-000001"

    def _create_index(self, name: str) -> None:
        index = ProductDocument._index.clone(name=name, using=self.admin)
        if self.index_settings:
            index.settings(**self.index_settings)
        index.create()

    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"
        self._create_index(name)
        return name

    def _aliased(self, alias: str | None = None) -> list[str]:
        try:
            return sorted(self.admin.indices.get_alias(name=alias or self.alias).body)
        except NotFoundError:
            return []

    def setup(self) -> None:
        """Make the alias and its first index if the cluster has none (idempotent, safe to race)."""
        if self._aliased():
            return
        try:
            self._create_index(self.first_index)
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
        # Adding the same alias to the same index twice is a no-op: racing workers agree.
        self.admin.indices.update_aliases(
            actions=[{"add": {"index": self.first_index, "alias": self.alias, "is_write_index": True}}])

    def refresh(self) -> None:
        self.admin.indices.refresh(index=self.alias)

    def drop(self) -> None:
        """Delete the alias and every index behind it, and a rebuild's (tests and clean-up)."""
        for index in {*self._aliased(), *self._aliased(self.building)}:
            self._delete_index(index)

    def _delete_index(self, index: str) -> None:
        try:
            self.admin.indices.delete(index=index)
        except NotFoundError:
            pass

    # --- writes -------------------------------------------------------------------------------
    # Every copy carries the product's search_version as an external version: the cluster keeps the
    # highest, so a slow worker's older copy is refused (409) and counted as done; a delete carries
    # one more than the last version (search.models.SearchTombstone) and beats any copy before it.
    @staticmethod
    def _index_action(doc: ProductDoc, target: str, vectors=None) -> dict:
        body = ProductDocument.from_doc(doc, vectors).to_dict(include_meta=True)
        return body | {"_index": target, "_version": doc.version, "_version_type": "external_gte"}

    @staticmethod
    def _vectors(docs: list[ProductDoc]) -> dict:
        """The passages' vectors of these products (the indexing task embedded them before the write)."""
        return semantic.vectors_of([d.id for d in docs]) if semantic.enabled() else {}

    def _actions(self, docs: Iterable[ProductDoc], target: str, chunk: int = 500) -> Iterator[dict]:
        """Index actions of a stream of documents, their vectors read chunk by chunk."""
        pending: list[ProductDoc] = []
        for doc in [*docs, None]:
            if doc is not None:
                pending.append(doc)
            if pending and (doc is None or len(pending) >= chunk):
                vectors = self._vectors(pending)
                yield from (self._index_action(d, target, vectors.get(d.id)) for d in pending)
                pending = []

    @staticmethod
    def _delete_action(pk: int, version: int | None, target: str) -> dict:
        action = {"_op_type": "delete", "_index": target, "_id": pk}
        if version:
            action |= {"_version": version, "_version_type": "external_gte"}
        return action

    def _targets(self) -> list[str]:
        """The alias, and a rebuild's new index while one fills (so the swap loses no write)."""
        return [self.alias, *([self.building] if self._aliased(self.building) else [])]

    def _bulk(self, actions: list[dict], *, require_alias: bool = True, progress=None) -> tuple[int, list[dict]]:
        """Send actions (429 rejections retried with backoff); (done, failures). A version conflict
        is done (a newer copy is there), a delete of a missing document too."""
        done, failures = 0, []
        for ok, item in helpers.streaming_bulk(
            self.admin, actions, chunk_size=BULK_CHUNK, raise_on_error=False, raise_on_exception=True,
            max_retries=BULK_RETRIES, initial_backoff=BULK_BACKOFF, max_backoff=30, require_alias=require_alias,
        ):
            op, result = next(iter(item.items()))
            if ok or result.get("status") == 409 or (op == "delete" and result.get("status") == 404):
                done += 1
                if progress:
                    progress(1)
            else:
                failures.append({"id": int(result.get("_id", 0)), "op": op, "index": result.get("_index", ""),
                                 "status": result.get("status"), "error": result.get("error")})
        return done, failures

    def _write(self, make: Callable[[str], list[dict]], count: int) -> int:
        targets = self._targets()
        done, failures = self._bulk([a for t in targets for a in make(t)])
        if any(_alias_missing(f) and self.alias in (f["index"], "") for f in failures) and self.building not in targets:
            self.setup()  # a fresh cluster: the alias comes first, then the writes again
            done, failures = self._bulk(make(self.alias))
        # The rebuild's alias may go between our look and our write (swapped in, or failed): not an error.
        failures = [f for f in failures if not (_alias_missing(f) and self.building in targets and
                                                 f["index"] in ("", self.building))]
        if failures:
            raise IndexWriteFailed(failures)
        return min(done, count)

    def upsert(self, docs: Iterable[ProductDoc]) -> int:
        docs = list(docs)
        if not docs:
            return 0
        vectors = self._vectors(docs)
        return self._write(lambda target: [self._index_action(d, target, vectors.get(d.id)) for d in docs], len(docs))

    def remove(self, product_ids: Iterable[int], versions: dict[int, int] | None = None) -> None:
        ids, versions = list(product_ids), versions or {}
        if ids:
            self._write(lambda target: [self._delete_action(pk, versions.get(pk), target) for pk in ids], len(ids))

    def rebuild(self, docs: Iterable[ProductDoc], *, total: int | None = None, progress=None, deleted=None) -> int:
        """Fill a new index and swap it in. The caller holds the rebuild lease (search.indexing.rebuild).

        While it fills, the ``<alias>-building`` alias points at it and every write goes there too;
        a failed rebuild deletes its index (and a crashed one's is deleted by the next rebuild)."""
        for leftover in self._aliased(self.building):
            self._delete_index(leftover)
        new = self._new_index()
        try:
            self.admin.indices.put_settings(index=new, settings={"refresh_interval": "-1"})
            self.admin.indices.update_aliases(actions=[{"add": {"index": new, "alias": self.building}}])
            written, failures = self._bulk(self._actions(docs, new), require_alias=False, progress=progress)
            if failures:
                raise IndexWriteFailed(failures)
            gone = deleted() if deleted else {}
            if gone:  # deleted after the build read them: their copies may have landed after the delete
                _, failures = self._bulk([self._delete_action(pk, v, new) for pk, v in gone.items()], require_alias=False)
                if failures:
                    raise IndexWriteFailed(failures)
            self.admin.indices.put_settings(index=new, settings={"refresh_interval": None})
            self.admin.indices.refresh(index=new)
            old = self._aliased()
            self.admin.indices.update_aliases(actions=[
                *({"remove": {"index": i, "alias": self.alias}} for i in old),
                {"remove": {"index": new, "alias": self.building}},
                {"add": {"index": new, "alias": self.alias, "is_write_index": True}},
            ])
        except BaseException:
            self._delete_index(new)
            raise
        for index in old:
            self._delete_index(index)
        return written

    # --- reads --------------------------------------------------------------------------------
    def _search(self) -> Search:
        return Search(using=self.client, index=self.alias)

    def query(self, request: SearchRequest) -> SearchPage:
        parsed = q.parse(request.text)
        response = self._execute(build_search(self._search(), parsed, request))
        listed = self._recheck(request, [int(h.meta.id) for h in response])
        columns = None
        if not parsed.is_empty and request.viewer.reads_es() is not None:  # column matches were not computed
            readable = [pk for pk, reads in listed.items() if reads]
            columns = self._column_highlights(parsed, request, readable) if readable else {}
        return page_from_response(response, request, listed=listed, columns=columns)

    @property
    def supports_semantic(self) -> bool:
        return True

    def nearest(self, request: SearchRequest, vector, k: int) -> list[tuple[int, float]]:
        """A filtered kNN (queries.knn_body: the scope inside the search); the database has the last word on
        what the viewer may list, as for the words' hits. Similarities are cosines, as on the database backend."""
        try:
            response = self.client.search(index=self.alias, body=knn_body(request, vector, k))
        except TransportError as exc:
            raise SearchUnavailable(str(exc)) from exc
        except ApiError as exc:
            if exc.meta.status >= 500 or exc.meta.status == 429:
                raise SearchUnavailable(str(exc)) from exc
            raise SearchQueryRefused(f"Elasticsearch refused the kNN search ({exc.meta.status}: {exc.message})") from exc
        found = [(int(h["_id"]), cosine(h["_score"])) for h in response["hits"]["hits"]]
        listed = self._recheck(request, [pk for pk, _ in found])
        return [(pk, score) for pk, score in found if pk in listed]

    def hits(self, request: SearchRequest, ranked: list[tuple[int, float]]) -> list[Hit]:
        """Hits of products found by meaning (no words matched them, so no highlights), in this order."""
        ids = [pk for pk, _ in ranked]
        if not ids:
            return []
        response = self._execute(self._search().filter("ids", values=[str(pk) for pk in ids]).source(HIT_FIELDS)[:len(ids)])
        listed = self._recheck(request, ids)
        readable = {pk for pk, reads in listed.items() if reads}
        built = {int(h.meta.id): _hit(h, {}, readable) for h in response if int(h.meta.id) in listed}
        scores = dict(ranked)
        for pk, hit in built.items():
            hit.score = scores[pk]
        return [built[pk] for pk in ids if pk in built]

    @staticmethod
    def _recheck(request: SearchRequest, ids: list[int]) -> dict[int, bool]:
        """The hits the viewer may list according to the database (the truth; the index may be stale),
        each with whether they may read its details."""
        if not ids:
            return {}
        rows = (DataProduct.objects.filter(pk__in=ids).filter(request.viewer.lists_q()).exclude(status="retired")
                .order_by().values_list("pk", "visibility", "domain_id"))
        return {pk: request.viewer.opens(visibility, domain_id, pk) for pk, visibility, domain_id in rows}

    def _column_highlights(self, parsed, request: SearchRequest, ids: list[int]) -> dict[int, list[str]]:
        response = self._execute(column_highlight_search(self._search(), parsed, request, ids))
        return {int(h.meta.id): column_highlights(h) for h in response}

    def suggest(self, text: str, request: SearchRequest, limit: int = 10) -> list[Suggestion]:
        parsed = q.parse(text)
        if parsed.is_empty:
            return []
        response = self._execute(suggest_search(self._search(), parsed, request, limit))
        listed = self._recheck(request, [int(h.meta.id) for h in response])
        return [Suggestion(identifier=h.identifier, name=h.name, domain=h.domain) for h in response
                if int(h.meta.id) in listed]

    def _execute(self, search: Search):
        # The cluster stops collecting a little before the client gives up, and answers what it has.
        search = search.extra(timeout=f"{max(1, int(self.search_timeout * 800))}ms")
        try:
            response = search.execute()
        except TransportError as exc:  # unreachable, timed out, TLS: the cluster is not there
            raise SearchUnavailable(str(exc)) from exc
        except ApiError as exc:
            if exc.meta.status >= 500 or exc.meta.status == 429:  # down, overloaded or rejecting: retry later
                raise SearchUnavailable(str(exc)) from exc
            # A 4xx is our bug (a query the cluster refuses), not an outage: logged with its body, a 500.
            log.error("Elasticsearch refused a search (%s): %s; request: %s", exc.meta.status, exc.message,
                      search.to_dict())
            raise SearchQueryRefused(f"Elasticsearch refused the search ({exc.meta.status}: {exc.message})") from exc
        if response.timed_out:
            log.warning("search timed out after %.1f s on %s: partial results", self.search_timeout * 0.8, self.alias)
        return response

    def indexed_hashes(self) -> dict[int, str]:
        return {int(hit["_id"]): hit["_source"].get("content_hash", "") for hit in self.scan(["content_hash"])}

    def scan(self, fields: list[str]) -> Iterator[dict]:
        """Every document (these source fields), page after page through a point in time with
        ``search_after``: one consistent view, never past ``max_result_window``, no scroll contexts."""
        pit = self.admin.open_point_in_time(index=self.alias, keep_alive=SCAN_KEEP_ALIVE)["id"]
        try:
            after = None
            while True:
                body = {"size": SCAN_PAGE, "source": fields, "sort": [{"_shard_doc": "asc"}], "track_total_hits": False,
                        "pit": {"id": pit, "keep_alive": SCAN_KEEP_ALIVE}}
                page = self.admin.search(**body, **({"search_after": after} if after else {}))
                pit = page.get("pit_id", pit)  # the cluster may hand back a new id: use the latest
                hits = page["hits"]["hits"]
                yield from hits
                if len(hits) < SCAN_PAGE:
                    return
                after = hits[-1]["sort"]
        finally:
            self.admin.close_point_in_time(id=pit)
