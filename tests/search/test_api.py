"""The search API as a consumer meets it: shape, filters, permissions, bad input, query counts."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import DataProduct
from tests.search.conftest import index_all


@pytest.fixture
def indexed(search_backend, small_mesh):
    index_all(search_backend)
    return search_backend


def identifiers(response) -> list[str]:
    return [r["identifier"] for r in response.json()["results"]]


def test_search_response_shape(api, indexed):
    response = api.get("/api/search/", {"q": "orders"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"]) >= 2
    first = body["results"][0]
    assert set(first) == {"identifier", "name", "domain", "description", "status", "quality_score", "visibility",
                          "matched_by", "highlights"}
    assert first["identifier"] == "sales.orders"
    assert set(body["facets"]) == {"domain", "tag", "status", "format", "owner"}
    assert {"value": "sales", "count": body["count"]} in body["facets"]["domain"]


def test_filters_combine(api, indexed):
    response = api.get("/api/search/", {"q": "", "domain": "sales", "has_pii": "true"})
    assert identifiers(response) == ["sales.customers"]
    response = api.get("/api/search/", {"tag": ["kpi", "crm"], "sort": "name"})
    assert identifiers(response) == ["marketing.campaigns", "sales.customers", "finance.revenue"]
    response = api.get("/api/search/", {"min_quality": "85", "sort": "quality"})
    assert identifiers(response) == ["sales.orders", "finance.revenue"]


def test_anonymous_sees_no_drafts_and_no_internal(api, indexed):
    found = identifiers(api.get("/api/search/", {"page_size": 50}))
    assert "sales.orders_draft" not in found
    assert "hr.employees" not in found
    assert "sales.old_orders" not in found
    assert "sales.orders" in found


def test_members_see_their_domains_drafts(api, indexed, sales_member):
    api.force_authenticate(sales_member)
    assert "sales.orders_draft" in identifiers(api.get("/api/search/", {"q": "returns"}))


def test_restricted_columns_stay_hidden_from_outsiders(api, indexed, consumer, finance_member):
    api.force_authenticate(consumer)
    assert "finance.payroll" not in identifiers(api.get("/api/search/", {"q": "employee_ssn"}))
    api.force_authenticate(finance_member)
    response = api.get("/api/search/", {"q": "employee_ssn"})
    assert identifiers(response)[0] == "finance.payroll"
    assert "<mark>" in "".join(response.json()["results"][0]["highlights"]["columns"])


@pytest.mark.parametrize(("params", "path"), [
    ({"q": "x" * 10_000}, "q"), ({"sort": "random"}, "sort"), ({"page": "0"}, "page"),
    ({"min_quality": "high"}, "min_quality"), ({"has_pii": "maybe"}, "has_pii"), ({"page_size": "1000"}, "page_size"),
])
def test_bad_parameters_are_400_with_the_field(api, indexed, params, path):
    response = api.get("/api/search/", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path


@pytest.mark.parametrize("q", ['"customer orders', "orders AND (", "NOT NOT", "*", "-", ":", "{", "\\", "%_%", "sales..orders"])
def test_operator_soup_gets_results_not_500(api, indexed, q):
    response = api.get("/api/search/", {"q": q})
    assert response.status_code == 200, response.content


def test_suggest_completes_in_scope(api, indexed):
    response = api.get("/api/search/suggest/", {"q": "camp"})
    assert response.status_code == 200
    assert response.json()["suggestions"][0] == {"identifier": "marketing.campaigns", "name": "Campaign performance",
                                                 "domain": "marketing", "column": "", "matched": "camp"}
    assert api.get("/api/search/suggest/", {"q": ""}).json()["suggestions"] == []
    assert api.get("/api/search/suggest/", {"q": "x" * 201}).status_code == 400


def _grow_mesh(mesh, backend, n):
    for i in range(n):
        mesh.product(f"sales.extra_orders_{i}", f"Extra orders {i}", description="orders", tags=(f"t{i}", "orders"),
                     columns=("order_id", f"col_{i}:pii"))
    index_all(backend)


@pytest.mark.parametrize("url", ["/api/search/", "/search/"])
def test_query_count_does_not_grow_with_hits(api, indexed, small_mesh, consumer, url):
    api.force_authenticate(consumer)
    api.force_login(consumer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(url, {"q": "orders", "page_size": 50})
        assert response.status_code == 200
        return len(captured)

    api.get(url, {"q": "orders"})  # warm per-user caches the same way for both counts
    few = queries()
    _grow_mesh(small_mesh, indexed, 25)
    assert DataProduct.objects.count() > 30
    assert queries() == few
