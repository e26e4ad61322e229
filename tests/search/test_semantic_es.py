"""The Elasticsearch backend's search by meaning: the kNN request body (the noida emulator may not run kNN)."""
from __future__ import annotations

import json

from catalog.visibility import Viewer
from search.backends.elasticsearch.mapping import ProductDocument
from search.backends.elasticsearch.queries import facet_filters, knn_body, visible_filter
from search.types import SearchRequest

PLANTED = "zygomorphic quasar ledger of velvet hummingbirds"


def test_the_mapping_holds_a_dense_vector():
    mapping = ProductDocument._doc_type.mapping.to_dict()["properties"]["embedding"]
    assert mapping == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"}


def test_knn_applies_the_viewers_scope_inside_and_carries_no_text():
    consumer = SearchRequest(text=PLANTED, viewer=Viewer(authenticated=True), domain=("finance",))
    body = knn_body(consumer, [0.1] * 384, 20)
    knn = body["knn"]
    assert knn["field"] == "embedding"
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
