"""The Elasticsearch backend's search by meaning: the passages' vectors in the mapping, the filtered kNN
it sends, and the same answers as the database backend's — run on the noida-db emulator (which runs
nested kNN with filters), or on a real cluster when ELASTICSEARCH_URL is set."""
from __future__ import annotations

import json
import uuid

import pytest

from catalog.models import DataProduct
from catalog.visibility import Viewer
from search import indexing
from search.backends import get_backend
from search.backends.elasticsearch.mapping import ProductDocument
from search.backends.elasticsearch.queries import cosine, facet_filters, knn_body, visible_filter
from search.selectors import search_products
from search.semantic import store
from search.semantic.embeddings import get_embedder
from search.types import SearchRequest

PLANTED = "zygomorphic quasar ledger of velvet hummingbirds"
CONSUMER = Viewer(authenticated=True)
QUESTIONS = ("money paid to staff each month", "purchases in the online store", "people we sell to and how to reach them",
             "how much did advertising bring in")


def test_the_mapping_holds_the_passages_vectors():
    passages = ProductDocument._doc_type.mapping.to_dict()["properties"]["passages"]
    assert passages["type"] == "nested"
    assert passages["properties"]["embedding"] == {"type": "dense_vector", "dims": 384, "index": True,
                                                   "similarity": "cosine"}


def test_knn_applies_the_viewers_scope_inside_and_carries_no_text():
    consumer = SearchRequest(text=PLANTED, viewer=CONSUMER, domain=("finance",))
    body = knn_body(consumer, [0.1] * 384, 20)
    knn = body["knn"]
    assert knn["field"] == "passages.embedding"
    assert knn["k"] == 20
    assert knn["num_candidates"] >= knn["k"]
    scope = [f.to_dict() for f in (*visible_filter(consumer), *facet_filters(consumer))]
    assert knn["filter"] == {"bool": {"filter": scope}}
    assert {"bool": {"must_not": [{"term": {"status": "retired"}}]}} in scope
    assert {"terms": {"domain": ["finance"]}} in scope
    # only the query's vector: neither the phrase nor any column text can shape the kNN
    assert "velvet" not in json.dumps(body)
    steward = knn_body(SearchRequest(viewer=Viewer(authenticated=True, steward=True)), [0.0] * 384, 5)
    assert len(steward["knn"]["filter"]["bool"]["filter"]) < len(scope)
    assert cosine(1.0) == 1.0  # Elasticsearch scores cosine as (1 + cos) / 2
    assert cosine(0.5) == 0.0


ASKED = {"consumer": {"viewer": CONSUMER}, "anonymous": {"viewer": Viewer.ANONYMOUS},
         "consumer, finance only": {"viewer": CONSUMER, "domain": ("finance",)}}


def _answers() -> dict:
    """Every product each request may find, nearest first, with its similarity (all of them: k = 20)."""
    backend, names = get_backend(), dict(DataProduct.objects.values_list("pk", "identifier"))
    return {(who, text): {names[pk]: score for pk, score in backend.nearest(
        SearchRequest(text=text, **asked), get_embedder().embed_query(text), 20)}
        for who, asked in ASKED.items() for text in QUESTIONS}


@pytest.fixture
def _fresh_vectors():
    store._cache.clear()
    yield
    store._cache.clear()


@pytest.mark.elasticsearch
@pytest.mark.usefixtures("_fresh_vectors")
def test_elasticsearch_knn_answers_as_the_database_backend(elasticsearch_url, small_mesh, settings):
    """The same vectors, the same best-passage score, the same scope: the same products in the same order
    with the same similarities, for a signed-in consumer and for an anonymous visitor."""
    settings.MESHPORT_SEARCH_SEMANTIC = True
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database.DatabaseBackend"}}
    ids = list(DataProduct.objects.values_list("pk", flat=True))
    indexing.index_products(ids)
    on_database = _answers()
    assert on_database[("consumer", QUESTIONS[0])]
    assert on_database[("anonymous", QUESTIONS[0])]
    finance_only = [i for (who, _), found in on_database.items() if who == "consumer, finance only" for i in found]
    assert finance_only
    assert all(i.startswith("finance.") for i in finance_only)  # the filter applies inside the kNN

    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
                                            "URL": elasticsearch_url, "INDEX": f"test-knn-{uuid.uuid4().hex[:10]}"}}
    backend = get_backend()
    try:
        indexing.index_products(ids)
        backend.refresh()
        customers = DataProduct.objects.get(slug="customers").pk
        stored = backend.client.get(index=backend.alias, id=customers)["_source"]
        chunks = store.semantic_chunks(next(iter(indexing.product_documents([customers]))))
        assert len(stored["passages"]) == len(chunks) == 2  # one vector a passage, written with the copy
        on_elasticsearch = _answers()
        for asked, found in on_database.items():  # the same products; similarities equal within the index's rounding
            assert set(on_elasticsearch[asked]) == set(found), asked
            assert all(abs(on_elasticsearch[asked][i] - score) < 0.005 for i, score in found.items()), asked
        hybrid = search_products(SearchRequest(text=QUESTIONS[0], viewer=CONSUMER, facets=False))
        assert {h.matched_by for h in hybrid.hits} & {"meaning", "both"}
    finally:
        backend.drop()
