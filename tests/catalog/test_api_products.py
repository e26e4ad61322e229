"""The products read API: visibility, filters, pagination, detail, restricted details, query count."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Domain
from tests.catalog.mesh_for_reads import build_mesh, port, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def mesh(make_user):
    return build_mesh(make_user)


def identifiers(api, url="/api/products/", user=None, **params):
    api.force_authenticate(user)
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return {row["identifier"] for row in response.json()["results"]}


PUBLISHED = {"sales.orders", "sales.customers", "finance.revenue"}


def test_anonymous_sees_only_public_non_draft_products(api, mesh):
    assert identifiers(api) == {"sales.orders", "sales.customers"}


def test_consumer_sees_published_products_but_no_drafts(api, mesh):
    assert identifiers(api, user=mesh.users.consumer) == PUBLISHED


def test_domain_member_sees_own_drafts_but_not_other_domains(api, mesh):
    assert identifiers(api, user=mesh.users.bob) == PUBLISHED | {"sales.orders_draft"}
    assert identifiers(api, user=mesh.users.carol) == PUBLISHED | {"finance.plan"}


def test_steward_sees_every_draft(api, mesh):
    assert identifiers(api, user=mesh.users.steward) == PUBLISHED | {"sales.orders_draft", "finance.plan"}


def test_retired_products_listed_only_when_asked_for(api, mesh):
    assert "finance.legacy" not in identifiers(api, user=mesh.users.consumer)
    assert identifiers(api, user=mesh.users.consumer, status="retired") == {"finance.legacy"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"domain": "finance"}, {"finance.revenue", "finance.plan"}),
        ({"tag": "orders"}, {"sales.orders"}),
        ({"tag": "finance"}, {"finance.revenue"}),
        ({"status": "draft"}, {"sales.orders_draft", "finance.plan"}),
        ({"visibility": "restricted"}, {"sales.customers"}),
        ({"visibility": "internal"}, {"finance.revenue"}),
        ({"owner": "alice"}, {"sales.orders", "sales.customers", "sales.orders_draft"}),
        ({"owner": "carol"}, {"finance.revenue", "finance.plan"}),
        ({"owner": "bob"}, set()),  # a member, not an owner, of sales
        ({"has_pii": "true"}, {"sales.orders"}),
        ({"has_pii": "false", "domain": "sales"}, {"sales.customers", "sales.orders_draft"}),
        ({"domain": "sales", "tag": "core"}, {"sales.orders"}),
    ],
)
def test_filters_narrow(api, mesh, params, expected):
    assert identifiers(api, user=mesh.users.steward, **params) == expected


def test_has_pii_does_not_reveal_classifications_of_restricted_products(api, mesh):
    from catalog.models import Column

    Column.objects.filter(name="email_address").update(classification="pii")
    assert identifiers(api, user=mesh.users.consumer, has_pii="true") == {"sales.orders"}
    assert "sales.customers" not in identifiers(api, user=mesh.users.consumer, has_pii="false")
    assert identifiers(api, user=mesh.users.bob, has_pii="true") == {"sales.orders", "sales.customers"}


def test_owner_filter_matches_product_team_member(api, mesh):
    from catalog.models import ProductTeamMember

    ProductTeamMember.objects.create(product=mesh.revenue, username="zed", role="analyst")
    assert identifiers(api, user=mesh.users.steward, owner="zed") == {"finance.revenue"}


def test_ordering(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    rows = api.get("/api/products/", {"ordering": "-name"}).json()["results"]
    assert [r["name"] for r in rows] == ["Sales Orders", "Revenue", "Customers"]


def test_bad_filter_value_is_a_400_naming_the_field(api, mesh):
    response = api.get("/api/products/", {"status": "sold"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "status"


def test_pagination_shape_and_page_size(api, mesh):
    api.force_authenticate(mesh.users.steward)
    body = api.get("/api/products/", {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"]
    last = api.get(body["next"]).json()
    assert len(last["results"]) == 2
    assert last["previous"] is not None


def test_list_row_has_what_a_consumer_chooses_by(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    row = next(r for r in api.get("/api/products/").json()["results"] if r["identifier"] == "sales.orders")
    assert row["domain"] == "sales"
    assert row["status"] == "published"
    assert row["version"] == "1.2.0"
    assert sorted(row["tags"]) == ["core", "orders"]
    assert row["owners"] == ["alice"]
    assert row["description"] == "All **orders**, daily."
    assert row["description_html"] == "<p>All <strong>orders</strong>, daily.</p>"
    assert row["url"].endswith("/products/sales.orders/")
    assert row["api_url"].endswith("/api/products/sales.orders/")
    assert row["details_hidden"] is False
    assert row["updated"]


def test_owners_fall_back_to_domain_owners(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    row = api.get("/api/products/sales.customers/").json()
    assert row["owners"] == ["alice"]


def test_detail_resolves_identifier_with_dots(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    body = api.get("/api/products/sales.orders/").json()
    assert body["identifier"] == "sales.orders"
    (out,) = body["output_ports"]
    assert out["location"] == "/data/sales/orders.parquet"
    assert out["server_type"] == "local"
    assert out["contract"] == {"id": "urn:contract:sales-orders", "name": "Sales orders", "version": "1.2.0",
                               "status": "active"}
    assert [c["name"] for c in out["columns"]] == ["order_id", "customer_email", "amount"]
    assert out["columns"][1]["classification"] == "pii"
    assert body["team"] == [{"username": "alice", "name": "", "role": "owner"}]
    assert body["slos"] == {"freshness_hours": 24.0, "availability_percent": 99.5}
    assert body["support"][0]["channel"] == "#sales-data"
    assert body["consumers"][0]["identifier"] == "finance.revenue"


def test_input_port_resolves_to_its_source_product(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    (inp,) = api.get("/api/products/finance.revenue/").json()["input_ports"]
    assert inp["source"]["identifier"] == "sales.orders"
    assert inp["source"]["port"] == "orders"
    assert inp["source"]["api_url"].endswith("/api/products/sales.orders/")


def test_unknown_and_invisible_products_are_404(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    assert api.get("/api/products/sales.nope/").status_code == 404
    assert api.get("/api/products/finance.plan/").status_code == 404
    api.force_authenticate(None)
    assert api.get("/api/products/finance.revenue/").status_code == 404


def test_restricted_details_hidden_from_consumer(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    body = api.get("/api/products/sales.customers/").json()
    assert body["details_hidden"] is True
    assert body["name"] == "Customers"
    assert body["description"] == "Who buys."
    assert body["owners"] == ["alice"]
    (out,) = body["output_ports"]
    assert set(out) == {"name", "version", "kind", "description", "format"}
    assert "secret_customers" not in str(body)
    assert "email_address" not in str(body)


@pytest.mark.parametrize("who", ["bob", "steward"])
def test_restricted_details_shown_to_domain_team_and_steward(api, mesh, who):
    api.force_authenticate(getattr(mesh.users, who))
    body = api.get("/api/products/sales.customers/").json()
    assert body["details_hidden"] is False
    (out,) = body["output_ports"]
    assert out["location"] == "/data/sales/secret_customers.parquet"
    assert [c["name"] for c in out["columns"]] == ["customer_id", "email_address"]


def test_anonymous_cannot_write(api, mesh):
    assert api.post("/api/products/", {}, format="json").status_code == 401


def _add_products(count):
    domain = Domain.objects.create(slug=f"bulk{count}", name=f"Bulk {count}")
    for i in range(count):
        p = product(domain, f"p{i}", visibility="public")
        port(p, "out", columns=[("a", "pii"), ("b", "")])


def _count_list_queries(api, user):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/api/products/", {"page_size": 100})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("who", ["consumer", "bob", "steward", None])
def test_list_queries_do_not_grow_with_products(api, mesh, who):
    user = getattr(mesh.users, who) if who else None
    api.force_authenticate(user)
    api.get("/api/products/")  # warm the per-user role caches, which are not per-product
    _add_products(3)
    few, few_count = _count_list_queries(api, user)
    _add_products(12)
    many, many_count = _count_list_queries(api, user)
    assert many_count == few_count + 12
    assert many == few


def test_detail_queries_do_not_grow_with_ports_and_columns(api, mesh):
    api.force_authenticate(mesh.users.consumer)
    api.get("/api/products/sales.orders/")  # warm the per-user role caches
    with CaptureQueriesContext(connection) as small:
        api.get("/api/products/sales.orders/")
    for i in range(5):
        port(mesh.orders, f"extra{i}", columns=[(f"c{j}", "") for j in range(6)])
    with CaptureQueriesContext(connection) as big:
        body = api.get("/api/products/sales.orders/").json()
    assert len(body["output_ports"]) == 6
    assert len(big.captured_queries) == len(small.captured_queries)
