"""Search over the demo mesh, indexed the way a real load indexes it (through the commit hooks)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog.visibility import Viewer
from demo.mesh import PRODUCTS
from search.indexing import drift
from search.selectors import search_products
from search.types import SearchRequest
from tests.search.conftest import index_all

JUDGED = Path(__file__).resolve().parents[2] / "bench" / "judged_queries.yaml"
CONSUMER = Viewer(authenticated=True)


@pytest.fixture
def demo(demo_mesh, search_backend):
    """The shared demo, indexed into this test's backend (the load indexed the default one)."""
    index_all(search_backend)
    return search_backend


def first(text: str) -> str | None:
    hits = search_products(SearchRequest(text=text, viewer=CONSUMER, facets=False)).hits
    return hits[0].identifier if hits else None


def test_the_load_indexes_every_product(demo):
    assert drift(backend=demo).total == 0
    assert len(demo.indexed_hashes()) == len(PRODUCTS)


def test_judged_queries_rank_the_right_product_first(demo):
    judged = yaml.safe_load(JUDGED.read_text())["queries"]
    assert len(judged) >= 40
    misses = [(case["q"], case["first"], first(case["q"])) for case in judged if first(case["q"]) != case["first"]]
    assert len(misses) <= 0.1 * len(judged), misses


def test_drafts_and_retired_products_stay_out_of_consumer_results(demo):
    drafts = {p.identifier for p in PRODUCTS if p.status in ("draft", "retired")}
    assert drafts
    for identifier in drafts:
        product = next(p for p in PRODUCTS if p.identifier == identifier)
        page = search_products(SearchRequest(text=product.name, viewer=CONSUMER, page_size=50, facets=False))
        assert identifier not in [h.identifier for h in page.hits]
