"""The Elasticsearch mapping: strict, dates as dates, only the nested fields searched; an index built
with an older mapping is reported by ``manage.py check`` until a rebuild replaces it."""
from __future__ import annotations

import uuid

import pytest
from django.core import checks

from search.backends.elasticsearch.mapping import MAPPING_VERSION
from search.indexing import rebuild
from search.types import SearchRequest


@pytest.fixture
def es(elasticsearch_url, settings, db):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
                                            "URL": elasticsearch_url, "INDEX": f"test-map-{uuid.uuid4().hex[:10]}"}}
    from search.backends import get_backend

    backend = get_backend()
    yield backend
    backend.drop()


def test_the_mapping_is_strict_with_a_date_and_only_the_searched_column_fields(es, small_mesh):
    es.setup()
    mapping = next(iter(es.admin.indices.get_mapping(index=es.alias).body.values()))["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["_meta"] == {"meshport_mapping_version": MAPPING_VERSION}
    assert mapping["properties"]["updated"]["type"] == "date"
    assert sorted(mapping["properties"]["columns"]["properties"]) == ["description", "name"]
    assert "ports" not in mapping["properties"]
    rebuild(backend=es)
    es.refresh()
    newest = es.query(SearchRequest(sort="updated", page_size=3)).hits
    assert len(newest) == 3  # sorting by a date works on every indexed document


def test_an_index_with_an_older_mapping_asks_for_a_rebuild(es, small_mesh):
    old = f"{es.alias}-old"
    es.admin.indices.create(index=old, mappings={"properties": {"updated": {"type": "keyword"}}})
    es.admin.indices.update_aliases(actions=[{"add": {"index": old, "alias": es.alias}}])
    warnings = [e for e in checks.run_checks(tags=["search"]) if e.id == "search.W002"]
    assert len(warnings) == 1
    assert "mapping version 1" in warnings[0].msg
    assert "search_index --rebuild" in warnings[0].msg
    rebuild(backend=es)
    assert [e.id for e in checks.run_checks(tags=["search"])] == []
    assert not es.admin.indices.exists(index=old)
