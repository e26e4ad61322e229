"""Least privilege in the index: hits bring back only the fields a result shows, column matches are
computed only for products the viewer may read, and the database decides, not a stale index copy."""
from __future__ import annotations

import json
import uuid

import pytest
from elasticsearch.dsl import Search

from catalog.models import DataProduct
from catalog.visibility import Viewer
from search import query as q
from search.backends.elasticsearch.queries import HIT_FIELDS, build_search
from search.types import SearchRequest
from tests.search.conftest import index_all


@pytest.fixture
def es(elasticsearch_url, settings, db):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
                                            "URL": elasticsearch_url, "INDEX": f"test-lp-{uuid.uuid4().hex[:10]}"}}
    from search.backends import get_backend

    backend = get_backend()
    backend.setup()
    yield backend
    backend.drop()


def sent_bodies(monkeypatch) -> list[dict]:
    bodies, execute = [], Search.execute
    monkeypatch.setattr(Search, "execute", lambda self, *a, **k: bodies.append(self.to_dict()) or execute(self, *a, **k))
    return bodies


def inner_hits_in(body: dict) -> bool:
    return '"inner_hits"' in json.dumps(body)


def test_a_search_asks_only_for_the_fields_a_hit_shows():
    body = build_search(Search(), q.parse("orders"), SearchRequest(text="orders")).to_dict()
    assert body["_source"] == HIT_FIELDS
    assert not inner_hits_in(body)  # an anonymous viewer: no column matches computed with the hits


def test_a_steward_gets_column_matches_in_the_same_request(make_user):
    steward = Viewer(authenticated=True, steward=True)
    body = build_search(Search(), q.parse("orders"), SearchRequest(text="orders", viewer=steward)).to_dict()
    assert inner_hits_in(body)


def test_column_matches_are_asked_only_for_products_the_viewer_may_read(es, small_mesh, monkeypatch):
    index_all(es)
    payroll = DataProduct.objects.get(identifier="finance.payroll")
    revenue = DataProduct.objects.get(identifier="finance.revenue")
    bodies = sent_bodies(monkeypatch)
    hits = {h.identifier: h for h in es.query(SearchRequest(text="salary revenue", operator="or")).hits}
    assert "finance.payroll" in hits  # listed: its name and description may be known ...
    assert "columns" not in hits["finance.payroll"].highlights  # ... its columns not
    assert hits["finance.revenue"].highlights["columns"]  # a public product's column match is shown
    assert not inner_hits_in(bodies[0])
    [follow_up] = [b for b in bodies[1:] if inner_hits_in(b)]
    asked = follow_up["query"]["bool"]["filter"][0]["ids"]["values"]
    assert str(revenue.pk) in asked
    assert str(payroll.pk) not in asked  # never computed for this viewer


def test_a_stale_index_copy_never_shows_what_the_database_hides(es, small_mesh, monkeypatch):
    index_all(es)
    # Changes that reached the database but not the index (a write that skipped the hook, a slow worker):
    DataProduct.objects.filter(identifier="marketing.campaigns").update(status="retired")
    DataProduct.objects.filter(identifier="finance.revenue").update(visibility="internal")
    DataProduct.objects.filter(identifier="sales.customers").update(visibility="restricted")
    page = es.query(SearchRequest(text="campaign revenue customer", operator="or"))
    shown = {h.identifier: h for h in page.hits}
    assert "marketing.campaigns" not in shown
    assert "finance.revenue" not in shown  # internal: not for an anonymous viewer
    assert "sales.customers" in shown
    assert "columns" not in shown["sales.customers"].highlights  # restricted now: its columns are not read
    assert page.count == len(page.hits)
    suggested = [s.identifier for s in es.suggest("camp", SearchRequest())]
    assert "marketing.campaigns" not in suggested
