"""The search page without JavaScript: a GET form, facets and pages as links, highlights shown safely."""
from __future__ import annotations

import pytest

from tests.search.conftest import index_all


@pytest.fixture
def indexed(search_backend, small_mesh):
    index_all(search_backend)
    return search_backend


def test_results_page_shows_hits_with_highlights(client, indexed):
    response = client.get("/search/", {"q": "revenue"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Monthly <mark>revenue</mark>" in html or "Monthly <mark>Revenue</mark>" in html
    assert 'href="/products/finance.revenue/"' in html


def test_column_and_tag_highlights_are_marked_not_shown_as_tags(client, indexed):
    html = client.get("/search/", {"q": "shipped_at ecommerce"}).content.decode()
    assert "<mark>shipped_at</mark>" in html or "<mark>shipped</mark>" in html
    assert "<mark>ecommerce</mark>" in html
    assert "&lt;mark&gt;" not in html


def test_facet_links_filter_without_javascript(client, indexed):
    html = client.get("/search/", {"q": "orders"}).content.decode()
    assert "?q=orders&amp;domain=sales" in html
    filtered = client.get("/search/", {"q": "", "tag": "kpi"}).content.decode()
    assert "finance.revenue" in filtered
    assert "sales.customers" not in filtered


def test_pagination_links(client, indexed):
    html = client.get("/search/", {"page_size": 3}).content.decode()
    assert 'rel="next"' in html
    assert "page=2" in html


def test_bad_input_is_explained_not_500(client, indexed):
    response = client.get("/search/", {"q": "x" * 10_000})
    assert response.status_code == 400
    assert "at most 512 characters" in response.content.decode() or "512" in response.content.decode()


def test_header_search_is_enhanced_but_works_without_js(client, indexed):
    html = client.get("/search/", {"q": "orders"}).content.decode()
    assert 'action="/search/"' in html
    assert 'name="q"' in html
    assert 'data-suggest-url="/api/search/suggest/"' in html
    assert "js/search.js" in html
