"""Search by meaning on the database backend: modes, ``matched_by``, scope, fusion and re-embedding."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog.models import Column, DataProduct
from catalog.visibility import Viewer
from search import indexing
from search.documents import product_documents
from search.models import SearchVector
from search.selectors import search_products
from search.semantic import store
from search.semantic.fusion import rrf
from search.types import SearchRequest
from tests.search.conftest import index_all

CONSUMER = Viewer(authenticated=True)
STEWARD = Viewer(authenticated=True, steward=True)
PLANTED = "zygomorphic quasar ledger of velvet hummingbirds"
JUDGED = Path(__file__).resolve().parents[2] / "bench" / "judged_queries.yaml"


@pytest.fixture
def semantic(settings):
    settings.MESHPORT_SEARCH_SEMANTIC = True
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database.DatabaseBackend"}}


@pytest.fixture
def planted(semantic, small_mesh):
    """The unique phrase only in a restricted product's column description (indexed before and after)."""
    indexing.index_products(list(DataProduct.objects.values_list("pk", flat=True)))
    payroll = DataProduct.objects.get(slug="payroll")
    payroll.vector_before = bytes(SearchVector.objects.get(product_id=payroll.pk).vector)
    Column.objects.filter(port__product=payroll, name="bonus_amount").update(description=PLANTED)
    indexing.index_products(list(DataProduct.objects.values_list("pk", flat=True)))
    return payroll


def find(text, viewer=CONSUMER, **kwargs):
    return search_products(SearchRequest(text=text, viewer=viewer, facets=False, **kwargs))


def ids(page) -> list[str]:
    return [h.identifier for h in page.hits]


def test_rrf_orders_by_summed_reciprocal_ranks():
    assert rrf([1, 2, 3], [2, 4]) == [2, 1, 4, 3]
    assert rrf([5], [6]) == [5, 6]  # a tie keeps the first list's order
    assert rrf([], [7]) == [7]


def test_a_product_scores_by_its_best_passage_and_the_scope_applies_before_the_top_k(monkeypatch):
    import numpy as np

    e = np.eye(3, dtype=np.float32)
    half = (e[0] + e[2]) / np.linalg.norm(e[0] + e[2])
    # product 1: one passage; product 2: two passages, the second about the query; product 3: half-way
    found = store.Matrix(np.array([1, 2, 3]), np.array([0, 1, 3]), np.stack([e[0], e[1], e[2], half]))
    monkeypatch.setattr(store, "matrix", lambda: found)
    assert [pk for pk, _ in store.nearest(e[2], None, 2)] == [2, 3]
    assert [pk for pk, _ in store.nearest(e[2], None, 2, excluded_ids=[2])] == [3, 1]  # still k hits
    assert [pk for pk, _ in store.nearest(e[2], [1, 3, 99], 5)] == [3, 1]
    assert store.nearest(e[2], [], 5) == []


def test_the_scope_is_checked_on_the_best_candidates_widening_until_k_pass(monkeypatch):
    import numpy as np

    n = 1000
    vectors = np.linspace(1.0, 0.0, n, dtype=np.float32)[:, None] * np.ones((1, 2), dtype=np.float32)
    found = store.Matrix(np.arange(1, n + 1), np.arange(n), vectors)  # product i scores above product i + 1
    query = np.array([1.0, 0.0], dtype=np.float32)
    checked: list = []

    def allowed(ids):
        checked.append(None if ids is None else len(ids))
        return {pk for pk in (range(1, n + 1) if ids is None else ids) if pk % 50 == 0}  # 20 of 1,000

    monkeypatch.setattr(store, "FIRST_CANDIDATES", 10)
    monkeypatch.setattr(store, "MAX_CHECKED", 600)
    best = store.best_allowed(found, found.scores(query), 2, allowed)
    assert [pk for pk, _ in best] == [50, 100]
    assert checked == [14, 112]  # the 14 best held none, 8 × as many held two: the rest never read
    checked.clear()
    assert [pk for pk, _ in store.best_allowed(found, found.scores(query), 15, allowed)][-1] == 750
    assert checked == [40, None]  # k of so few would need past MAX_CHECKED: every allowed id read once, k hits
    assert store.best_allowed(found, found.scores(query), 5, lambda ids: set()) == []


@pytest.mark.parametrize("mode", ["lexical", "semantic", "hybrid"])
def test_a_restricted_products_column_text_shapes_nothing_a_consumer_finds(planted, mode):
    # one vector serves every viewer, so the restricted product's column text is never embedded
    assert "velvet" not in store.semantic_text(next(product_documents([planted.pk])))
    assert bytes(SearchVector.objects.get(product_id=planted.pk).vector) == planted.vector_before
    page = find(PLANTED, mode=mode)
    assert "finance.payroll" not in ids(page)[:1]
    assert all(h.identifier != "finance.payroll" or h.matched_by == "meaning" for h in page.hits)
    if mode == "lexical":
        assert "finance.payroll" not in ids(page)
    # its team still finds it by the phrase (the words' search reads restricted columns for them)
    member = Viewer(authenticated=True, domain_ids=frozenset({planted.domain_id}))
    assert ids(find(PLANTED, viewer=member, mode="lexical" if mode == "semantic" else mode))[0] == "finance.payroll"


def test_modes_and_matched_by(planted):
    lexical = find("campaign", mode="lexical")
    assert ids(lexical)[0] == "marketing.campaigns"
    assert {h.matched_by for h in lexical.hits} == {"words"}
    meaning = find("how much we paid for advertising clicks", mode="semantic")
    assert meaning.hits
    assert {h.matched_by for h in meaning.hits} == {"meaning"}
    assert ids(meaning)[0] == "marketing.campaigns"
    hybrid = find("campaign", mode="hybrid")
    assert ids(hybrid)[0] == "marketing.campaigns"
    assert hybrid.hits[0].matched_by == "both"
    assert "draft" not in {h.status for h in hybrid.hits}  # the scope applies inside the nearest-neighbour search


def test_exact_identifier_keeps_the_top_place_in_hybrid(planted):
    assert ids(find("sales.customers"))[0] == "sales.customers"
    assert ids(find("customers"))[0] == "sales.customers"


def test_api_mode_and_matched_by(planted, client):
    body = client.get("/api/search/", {"q": "advertising clicks", "mode": "semantic"}).json()
    assert body["results"]
    assert {r["matched_by"] for r in body["results"]} == {"meaning"}
    assert set(body["facets"]) == {"domain", "tag", "status", "format", "owner"}
    assert client.get("/api/search/", {"q": "x", "mode": "vibes"}).status_code == 400
    page = client.get("/search/", {"q": "money we paid for advertising clicks", "mode": "semantic"})
    assert page.status_code == 200
    assert "matched by meaning" in page.content.decode()


def test_a_rebuild_re_embeds_only_what_changed(semantic, small_mesh, monkeypatch):
    indexing.rebuild()
    before = dict(SearchVector.objects.values_list("product_id", "text_hash"))
    assert len(before) == DataProduct.objects.count()
    embedded: list[int] = []
    real = store.get_embedder().embed
    monkeypatch.setattr(type(store.get_embedder()), "embed", lambda self, texts: embedded.append(len(texts)) or real(texts))
    DataProduct.objects.filter(slug="customers").update(description="One row per buyer with contact details.")
    indexing.rebuild()
    customers = next(product_documents([DataProduct.objects.get(slug="customers").pk]))
    assert sum(embedded) == len(store.semantic_chunks(customers)) > 1  # its passages, and no other product's
    after = dict(SearchVector.objects.values_list("product_id", "text_hash"))
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == {DataProduct.objects.get(slug="customers").pk}


def test_no_vectors_when_semantic_search_is_off(small_mesh, database_backend):
    index_all(database_backend)
    indexing.index_products(list(DataProduct.objects.values_list("pk", flat=True)))
    assert not SearchVector.objects.exists()
    assert ids(find("campaign"))[0] == "marketing.campaigns"


def test_judged_lexical_set_still_passes_in_hybrid_mode(demo_mesh, db, semantic):
    from search.backends import get_backend

    index_all(get_backend())
    store.sync(product_documents(None))
    judged = yaml.safe_load(JUDGED.read_text())["queries"]
    misses = [(c["q"], c["first"], ids(find(c["q"], mode="hybrid", page_size=3))[:1]) for c in judged]
    misses = [m for m in misses if m[2] != [m[1]]]
    assert len(misses) <= 0.05 * len(judged), misses


def test_drift_finds_missing_and_foreign_vectors_and_reconcile_heals_them(semantic, small_mesh):
    indexing.rebuild()
    assert indexing.drift().total == 0
    customers = DataProduct.objects.get(slug="customers")
    SearchVector.objects.filter(product_id=customers.pk).delete()
    SearchVector.objects.filter(product_id=DataProduct.objects.get(slug="payroll").pk).update(model="old-model@1")
    assert len(indexing.drift().stale) == 2
    indexing.reconcile(full=True)
    assert indexing.drift().total == 0
    assert set(SearchVector.objects.values_list("model", flat=True)) == {store.get_embedder().key}


def test_similar_products_never_suggest_a_restricted_product_to_a_consumer(planted, make_user, client):
    from search.semantic.similar import similar_products

    revenue = DataProduct.objects.get(slug="revenue")
    member = Viewer(authenticated=True, domain_ids=frozenset({planted.domain_id}))
    # its team is suggested the restricted payroll next to revenue (so the consumer's check below can fail)
    assert "finance.payroll" in [h.identifier for h in similar_products(revenue, member)]
    suggested = {p.identifier: [h.identifier for h in similar_products(p, CONSUMER)]
                 for p in DataProduct.objects.exclude(pk=planted.pk)}
    assert suggested["finance.revenue"], "revenue has neighbours by meaning"
    assert not [p for p, near in suggested.items() if "finance.payroll" in near]
    assert not [p for p, near in suggested.items() if p in near]  # never itself
    assert not {"sales.orders_draft", "sales.old_orders"} & {i for near in suggested.values() for i in near}

    client.force_login(make_user("connie"))
    page = client.get("/products/finance.revenue/").content.decode()
    assert "Similar products" in page
    assert f'href="/products/{suggested["finance.revenue"][0]}/"' in page
    assert "/products/finance.payroll/" not in page
