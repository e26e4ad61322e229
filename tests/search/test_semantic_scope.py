"""Must-show 3 of search by meaning: a phrase only in a restricted product's column description
shapes nothing a viewer without access finds — on every backend and in every mode.

One set of vectors serves every viewer, so a restricted product's column text is never embedded;
the words' index keeps it but matches it only for readers. The check compares what a consumer and
an anonymous visitor get for the phrase before and after it is planted: the same hits, in the same
order. The team still finds the product by it, so the check can fail.
"""
from __future__ import annotations

import pytest

from catalog.models import Column, DataProduct
from catalog.visibility import Viewer
from search import indexing
from search.selectors import search_products
from search.types import MODES, SearchRequest

PLANTED = "zygomorphic quasar ledger of velvet hummingbirds"
CONSUMER = Viewer(authenticated=True)


def _index(backend) -> None:
    indexing.index_products(list(DataProduct.objects.values_list("pk", flat=True)))
    backend.refresh()


def _found(viewer: Viewer, mode: str) -> list[tuple[str, str]]:
    page = search_products(SearchRequest(text=PLANTED, viewer=viewer, mode=mode, facets=False))
    return [(h.identifier, h.matched_by) for h in page.hits]


def test_a_phrase_only_in_restricted_columns_stays_invisible_to_consumers(search_backend, backend_name, small_mesh,
                                                                          settings, client):
    settings.MESHPORT_SEARCH_SEMANTIC = True
    payroll = DataProduct.objects.get(slug="payroll")
    _index(search_backend)
    viewers = {"consumer": CONSUMER, "anonymous": Viewer.ANONYMOUS}
    before = {(who, mode): _found(viewer, mode) for who, viewer in viewers.items() for mode in MODES}

    Column.objects.filter(port__product=payroll, name="bonus_amount").update(description=PLANTED)
    _index(search_backend)

    after = {(who, mode): _found(viewer, mode) for who, viewer in viewers.items() for mode in MODES}
    assert after == before, f"{backend_name}: the planted phrase changed what a viewer without access finds"
    for mode in MODES:
        response = client.get("/api/search/", {"q": PLANTED, "mode": mode})
        assert "finance.payroll" not in [r["identifier"] for r in response.json()["results"]
                                         if r.get("matched_by") != "meaning"]
    team = Viewer(authenticated=True, domain_ids=frozenset({payroll.domain_id}))
    assert _found(team, "lexical")[0] == ("finance.payroll", "words")
    assert _found(team, "hybrid")[0][0] == "finance.payroll"


@pytest.fixture(autouse=True)
def _fresh_vectors():
    """Vectors are cached per process by the table's newest write; each test's database is new."""
    from search.semantic import store

    store._cache.clear()
