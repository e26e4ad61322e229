"""Paging within the engine's limits: no page reaches past the 10,000th result (a clear 400 on both
backends), and scans of the whole index page through a point in time with search_after."""
from __future__ import annotations

import uuid

from elasticsearch import Elasticsearch

from catalog.models import DataProduct
from search.backends.elasticsearch import ElasticsearchBackend
from tests.search.conftest import index_all


def test_a_page_past_the_10000th_result_is_a_clear_400(search_backend, small_mesh, client):
    answer = client.get("/api/search/", {"q": "orders", "page": 101, "page_size": 100})
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["path"] == "page"
    message = error["message"]
    assert "10,000" in message
    assert "the last page is 100" in message
    assert client.get("/api/search/", {"q": "orders", "page": 100, "page_size": 100}).status_code == 200
    assert client.get("/api/search/", {"q": "orders", "page": 500}).status_code == 200  # 500 × 20 = 10,000


def test_the_results_page_says_so_too(search_backend, small_mesh, client):
    page = client.get("/search/", {"q": "orders", "page": 101, "page_size": 100})
    assert page.status_code == 400
    assert "10,000" in page.content.decode()


def test_a_scan_pages_through_a_point_in_time(elasticsearch_url, small_mesh, monkeypatch):
    backend = ElasticsearchBackend(url=elasticsearch_url, index=f"test-scan-{uuid.uuid4().hex[:8]}")
    try:
        index_all(backend)
        monkeypatch.setattr("search.backends.elasticsearch.SCAN_PAGE", 2)  # nine products: five pages
        sent, closed = [], []
        search, close = Elasticsearch.search, Elasticsearch.close_point_in_time
        monkeypatch.setattr(Elasticsearch, "search", lambda self, **body: sent.append(body) or search(self, **body))
        monkeypatch.setattr(Elasticsearch, "close_point_in_time",
                            lambda self, **kw: closed.append(kw) or close(self, **kw))
        hashes = backend.indexed_hashes()
        assert sorted(hashes) == sorted(DataProduct.objects.values_list("pk", flat=True))
        assert len(sent) == 5
        assert all(body["pit"]["id"] and "index" not in body for body in sent)  # the point in time, not the alias
        assert [("search_after" in body) for body in sent] == [False, True, True, True, True]
        assert sent[0]["sort"] == [{"_shard_doc": "asc"}]
        assert len(closed) == 1
    finally:
        backend.drop()
