"""How the Elasticsearch backend fails: an outage is a 503, a refused query a logged 500, a rejected
bulk is retried, a refused document is reported and left dirty, and racing workers make one index."""
from __future__ import annotations

import logging
import threading
import uuid

import pytest
from elastic_transport import ApiResponseMeta, ConnectionTimeout, HttpHeaders, NodeConfig
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.dsl import Search

from catalog.models import DataProduct
from search.backends.elasticsearch import ElasticsearchBackend, SearchQueryRefused
from search.documents import product_document
from search.indexing import index_products


def api_error(status: int, message: str = "boom") -> ApiError:
    meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig("http", "127.0.0.1", 9200))
    return ApiError(message, meta=meta, body={"error": {"type": message}})


@pytest.fixture
def es(elasticsearch_url, settings, db):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
                                            "URL": elasticsearch_url, "INDEX": f"test-fail-{uuid.uuid4().hex[:10]}"}}
    from search.backends import get_backend

    backend = get_backend()
    backend.setup()
    yield backend
    backend.drop()


@pytest.mark.parametrize("error", [api_error(503, "unavailable"), api_error(429, "es_rejected_execution_exception"),
                                   api_error(502, "bad_gateway"), ConnectionTimeout("timed out")])
def test_an_outage_is_a_503(es, client, monkeypatch, error):
    def failing(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(Search, "execute", failing)
    answer = client.get("/api/search/", {"q": "orders", "mode": "lexical"})
    assert answer.status_code == 503
    assert "unavailable" in answer.json()["detail"].lower()
    assert client.get("/api/search/suggest/", {"q": "ord"}).status_code == 503


def test_a_refused_query_is_a_logged_500_not_an_outage(es, client, monkeypatch, caplog):
    def refused(self, *args, **kwargs):
        raise api_error(400, "parsing_exception")

    monkeypatch.setattr(Search, "execute", refused)
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="search.backends.elasticsearch"):
        answer = client.get("/api/search/", {"q": "orders", "mode": "lexical"})
    assert answer.status_code == 500
    logged = [r for r in caplog.records if r.name == "search.backends.elasticsearch"]
    assert "refused a search (400)" in logged[0].getMessage()
    assert '"query"' in logged[0].getMessage().replace("'", '"')  # the request body, to find the bug


def test_a_refused_query_raises_its_own_error(es, monkeypatch):
    monkeypatch.setattr(Search, "execute", lambda self, *a, **k: (_ for _ in ()).throw(api_error(400)))
    from search.types import SearchRequest

    with pytest.raises(SearchQueryRefused):
        es.query(SearchRequest(text="orders"))


def test_a_bulk_rejected_with_429_is_retried(es, mesh_builder, monkeypatch):
    monkeypatch.setattr("search.backends.elasticsearch.BULK_BACKOFF", 0.01)
    product = mesh_builder.product("sales.orders", "Customer orders")
    real, calls = Elasticsearch.bulk, []

    def busy_then_real(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise api_error(429, "es_rejected_execution_exception")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Elasticsearch, "bulk", busy_then_real)
    assert es.upsert([product_document(product)]) == 1
    assert len(calls) == 2
    es.refresh()
    assert es.client.get(index=es.alias, id=product.pk)["found"]


def test_a_refused_document_is_reported_and_left_dirty(es, mesh_builder, monkeypatch, caplog):
    good = mesh_builder.product("sales.orders", "Customer orders")
    bad = mesh_builder.product("sales.refunds", "Refunds")
    real = ElasticsearchBackend._index_action

    def broken(doc, target, vectors=None):  # a document the strict mapping refuses (a field it does not know)
        action = real(doc, target, vectors)
        if doc.id == bad.pk:
            action["_source"]["surprise"] = "not in the mapping"
        return action

    monkeypatch.setattr(ElasticsearchBackend, "_index_action", staticmethod(broken))
    with caplog.at_level(logging.ERROR, logger="search.indexing"):
        assert index_products([good.pk, bad.pk], backend=es) is False
    assert list(DataProduct.objects.filter(search_dirty=True).values_list("pk", flat=True)) == [bad.pk]
    message = next(r.getMessage() for r in caplog.records if r.name == "search.indexing")
    assert "refused 1 document(s)" in message
    assert str(bad.pk) in message
    es.refresh()
    assert es.client.get(index=es.alias, id=good.pk)["found"]


def test_workers_starting_at_once_make_exactly_one_index(elasticsearch_url):
    alias = f"test-boot-{uuid.uuid4().hex[:10]}"
    workers = [ElasticsearchBackend(url=elasticsearch_url, index=alias) for _ in range(4)]
    start, errors = threading.Barrier(len(workers)), []

    def boot(backend):
        start.wait()
        try:
            backend.setup()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=boot, args=(w,)) for w in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        indices = workers[0].admin.indices.get(index=f"{alias}*").body
        assert list(indices) == [f"{alias}-000001"]
        assert indices[f"{alias}-000001"]["aliases"][alias]["is_write_index"] is True
    finally:
        workers[0].drop()
