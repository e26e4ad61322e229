"""One contract, every backend: relevance, scope, filters, facets, highlights and suggestions."""
from __future__ import annotations

import pytest

from catalog.visibility import Viewer
from search.types import SearchRequest
from tests.search.conftest import index_all

STEWARD = Viewer(steward=True, authenticated=True)
ANONYMOUS = Viewer()


def ids(page) -> list[str]:
    return [h.identifier for h in page.hits]


@pytest.fixture
def indexed(search_backend, small_mesh):
    index_all(search_backend)
    return search_backend


def search(backend, text="", viewer=STEWARD, **kwargs):
    return backend.query(SearchRequest(text=text, viewer=viewer, **kwargs))


def test_exact_identifier_ranks_first(indexed):
    assert ids(search(indexed, "sales.orders"))[0] == "sales.orders"


def test_exact_name_ranks_first_when_quoted(indexed):
    assert ids(search(indexed, '"Customer orders"'))[0] == "sales.orders"
    assert ids(search(indexed, "customers"))[0] == "sales.customers"


def test_column_names_find_their_product(indexed):
    assert ids(search(indexed, "revenue_eur"))[0] == "finance.revenue"
    assert ids(search(indexed, "conversions"))[0] == "marketing.campaigns"


def test_published_quality_product_beats_deprecated_one(indexed):
    found = ids(search(indexed, "orders"))
    assert found.index("sales.orders") < found.index("sales.legacy_orders")


def test_retired_products_are_hidden_from_everyone(indexed):
    assert "sales.old_orders" not in ids(search(indexed, "old orders export"))
    assert "sales.old_orders" not in ids(search(indexed, ""))


def test_drafts_only_for_their_domain(indexed, small_mesh):
    sales = small_mesh.domains["sales"].pk
    assert "sales.orders_draft" in ids(search(indexed, "returns"))  # steward
    member = Viewer(authenticated=True, domain_ids=frozenset({sales}))
    assert "sales.orders_draft" in ids(search(indexed, "returns", member))
    outsider = Viewer(authenticated=True)
    assert "sales.orders_draft" not in ids(search(indexed, "returns", outsider))
    assert "sales.orders_draft" not in ids(search(indexed, "returns", ANONYMOUS))


def test_internal_products_are_hidden_from_anonymous_viewers(indexed):
    assert "hr.employees" in ids(search(indexed, "employees", Viewer(authenticated=True)))
    assert "hr.employees" not in ids(search(indexed, "employees", ANONYMOUS))


def test_restricted_columns_neither_match_nor_show_without_access(indexed, small_mesh):
    outsider = Viewer(authenticated=True)
    assert "finance.payroll" not in ids(search(indexed, "employee_ssn", outsider))
    page = search(indexed, "payroll", outsider)
    assert ids(page)[0] == "finance.payroll"
    page = search(indexed, "payroll gross_salary", outsider, operator="or")
    payroll = next(h for h in page.hits if h.identifier == "finance.payroll")
    assert "columns" not in payroll.highlights
    member = Viewer(authenticated=True, domain_ids=frozenset({small_mesh.domains["finance"].pk}))
    page = search(indexed, "employee_ssn", member)
    assert ids(page)[0] == "finance.payroll"
    assert any("<mark>" in f for f in page.hits[0].highlights["columns"])


def test_highlights_show_why_a_hit_matched(indexed):
    hit = search(indexed, "revenue").hits[0]
    assert hit.identifier == "finance.revenue"
    assert any("<mark>" in f and "evenue" in f for f in hit.highlights["name"])


def test_highlights_escape_product_text(indexed, small_mesh):
    small_mesh.product("sales.xss", "Orders <script>alert(1)</script>", description="orders")
    index_all(indexed)
    hit = next(h for h in search(indexed, "script alert").hits if h.identifier == "sales.xss")
    shown = "".join(hit.highlights["name"])
    assert "<script>" not in shown
    assert "&lt;" in shown
    assert "<mark>" in shown


def test_filters_and_facets(indexed):
    page = search(indexed, "", domain=("sales",))
    assert set(ids(page)) == {"sales.orders", "sales.orders_draft", "sales.customers", "sales.legacy_orders"}
    assert {"value": "sales", "count": 4} in page.facets["domain"]
    statuses = {f["value"]: f["count"] for f in page.facets["status"]}
    assert statuses == {"published": 2, "draft": 1, "deprecated": 1}
    assert ids(search(indexed, "", tag=("kpi",), min_quality=80)) == ["finance.revenue"]
    assert set(ids(search(indexed, "", has_pii=True))) == {"sales.customers", "finance.payroll"}
    assert ids(search(indexed, "", format=("jsonl",))) == ["hr.employees"]
    assert set(ids(search(indexed, "", owner=("bob",)))) == {"finance.revenue", "finance.payroll"}


def test_facet_counts_follow_the_text(indexed):
    page = search(indexed, "orders")
    domains = {f["value"]: f["count"] for f in page.facets["domain"]}
    assert domains == {"sales": page.count}
    tags = {f["value"]: f["count"] for f in page.facets["tag"]}
    assert tags["orders"] >= 2


def test_pagination_and_count(indexed):
    first = search(indexed, "", page_size=3)
    second = search(indexed, "", page_size=3, page=2)
    assert first.count == second.count == 8
    assert len(first.hits) == 3
    assert not set(ids(first)) & set(ids(second))


@pytest.mark.parametrize(("sort", "expected_first"), [("quality", "sales.orders"), ("usage", "sales.orders"),
                                                 ("name", "marketing.campaigns")])
def test_sorts(indexed, sort, expected_first):
    assert ids(search(indexed, "", sort=sort))[0] == expected_first


def test_prefix_matching_while_typing(indexed):
    assert ids(search(indexed, "campai"))[0] == "marketing.campaigns"
    assert ids(search(indexed, "revenu"))[0] == "finance.revenue"


def test_synonyms_of_domain_words(indexed):
    assert "sales.customers" in ids(search(indexed, "clients"))
    assert ids(search(indexed, "staff", Viewer(authenticated=True)))[0] == "hr.employees"


def test_typos_are_tolerated(indexed):
    assert ids(search(indexed, "custmer"))[0] in {"sales.customers", "sales.orders"}
    assert ids(search(indexed, "campain"))[0] == "marketing.campaigns"
    assert ids(search(indexed, "revnue"))[0] == "finance.revenue"


def test_suggestions_complete_names_in_scope(indexed):
    suggestions = indexed.suggest("cust", SearchRequest(viewer=ANONYMOUS))
    assert [s.identifier for s in suggestions][:2] == ["sales.customers", "sales.orders"]
    assert indexed.suggest("sales.ord", SearchRequest(viewer=ANONYMOUS))[0].identifier == "sales.orders"
    assert "sales.orders_draft" not in [s.identifier for s in indexed.suggest("orders w", SearchRequest(viewer=ANONYMOUS))]
    assert len(indexed.suggest("o", SearchRequest(viewer=STEWARD), limit=2)) <= 2


@pytest.mark.parametrize("text", ['"unbalanced', "a AND OR NOT (", "*:* -x +y ~z ^2", "NEAR(a b)", "{name}: x",
                                  "'; DROP TABLE catalog_searchentry; --", "ü→🙂 ..", "x" * 500])
def test_hostile_text_is_searched_not_executed(indexed, text):
    page = search(indexed, text)
    assert page.count >= 0
    assert ids(search(indexed, "sales.orders"))[0] == "sales.orders"


def test_upsert_replaces_and_remove_drops(indexed, small_mesh):
    from catalog.models import DataProduct
    from search.documents import product_documents

    product = DataProduct.objects.get(identifier="finance.revenue")
    product.name = "Quarterly turnover"
    product.save()
    indexed.upsert(product_documents([product.pk]))
    indexed.refresh()
    page = search(indexed, "quarterly")
    assert ids(page) == ["finance.revenue"]
    assert page.hits[0].name == "Quarterly turnover"
    indexed.remove([product.pk])
    indexed.refresh()
    assert ids(search(indexed, "quarterly")) == []
    assert product.pk not in indexed.indexed_hashes()
