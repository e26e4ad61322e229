"""Marketplace pages: home, domains, product page; visibility and restricted details as on the API."""
import pytest
from django.test import Client

from catalog import panels
from tests.catalog.mesh_for_reads import build_mesh, port, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def mesh(make_user):
    return build_mesh(make_user)


def page(user, url, status=200):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode() if status == 200 else ""


def test_home_lists_domains_with_counts_and_recent_products(mesh):
    html = page(mesh.users.consumer, "/")
    assert 'action="/search/"' in html
    assert 'name="q"' in html
    assert "Sales" in html
    assert "2 products" in html
    assert "Finance" in html
    assert "1 product<" in html
    assert "Sales Orders" in html
    assert "Revenue" in html
    assert "Orders Draft" not in html
    assert "Legacy Ledger" not in html


def test_anonymous_home_hides_internal_products(mesh):
    html = page(None, "/")
    assert "Sales Orders" in html
    assert "Revenue" not in html
    assert "Log in" in html


def test_nav_links_and_admin_only_for_staff(mesh, make_user):
    html = page(mesh.users.consumer, "/")
    for href in ['href="/lineage/"', 'href="/governance/"', 'href="/api/docs/"', 'href="/domains/"']:
        assert href in html
    assert 'href="/admin/"' not in html
    assert 'href="/admin/"' in page(make_user("staffer", is_staff=True), "/")


def test_domain_page_shows_team_and_products_with_status(mesh):
    html = page(mesh.users.bob, "/domains/sales/")
    assert "Orders and <em>customers</em>." in html
    assert "alice" in html
    assert "bob" in html
    assert "Sales Orders" in html
    assert "Customers" in html
    assert "Orders Draft" in html
    assert 'badge--draft' in html
    assert "Revenue" not in html


def test_domain_page_hides_drafts_from_consumers_and_404s_unknown(mesh):
    assert "Orders Draft" not in page(mesh.users.consumer, "/domains/sales/")
    page(mesh.users.consumer, "/domains/nowhere/", status=404)


def test_domains_index_lists_every_domain(mesh):
    html = page(None, "/domains/")
    assert "/domains/sales/" in html
    assert "/domains/finance/" in html


def all_tabs(user, path: str) -> str:
    """The product page's tabs, one after another, as one text."""
    return "".join(page(user, f"{path}?tab={key}") for key, _ in panels.TABS)


def test_product_page_shows_what_a_consumer_looks_for(mesh):
    html = all_tabs(mesh.users.consumer, "/products/sales.orders/")
    assert "<h1>Sales Orders" in html
    assert "sales.orders" in html
    assert "badge--published" in html
    assert "All <strong>orders</strong>, daily." in html
    assert "Revenue reporting." in html
    for column in ["order_id", "customer_email", "amount"]:
        assert f"<code>{column}</code>" in html
    assert "badge--pii" in html
    assert "/data/sales/orders.parquet" in html
    assert "urn:contract:sales-orders" in html
    assert "Sales orders <span class=\"muted\">version 1.2.0</span>" in html  # the contract by name and version
    assert "latency: <strong>24</strong> h" in html
    assert "never empty: more than 0 rows" in html
    assert "no rows where <code>order_id</code> is null" in html
    assert "orders.order_id" in html
    assert "alice" in html
    assert "#sales-data" in html
    assert "within 24 h" in html
    assert "99.5 %" in html
    assert 'href="/products/finance.revenue/"' in html  # a consumer of this product
    assert "orders" in html
    assert "core" in html


def test_product_page_links_inputs_to_their_source(mesh):
    html = page(mesh.users.consumer, "/products/finance.revenue/?tab=lineage")
    assert 'href="/products/sales.orders/"' in html


def test_restricted_product_page_hides_details_from_consumer(mesh):
    html = all_tabs(mesh.users.consumer, "/products/sales.customers/")
    assert "<h1>Customers" in html
    assert "Who buys." in html
    assert 'id="details-hidden"' in html
    assert "Request access</a>: alice decides" in html
    assert 'id="action-request-access" href="/access/request/sales.customers/"' in html  # in the header
    assert 'id="request-access" href="/access/request/sales.customers/"' in html  # and on the Access tab
    assert "email_address" not in html
    assert "secret_customers" not in html


@pytest.mark.parametrize("who", ["bob", "steward"])
def test_restricted_product_page_shows_details_to_team_and_steward(mesh, who):
    html = all_tabs(getattr(mesh.users, who), "/products/sales.customers/")
    assert 'id="details-hidden"' not in html
    assert "<code>email_address</code>" in html
    assert "secret_customers.parquet" in html


def test_drafts_and_invisible_products_are_404(mesh):
    page(mesh.users.consumer, "/products/sales.orders_draft/", status=404)
    page(mesh.users.carol, "/products/sales.orders_draft/", status=404)
    page(None, "/products/finance.revenue/", status=404)
    assert "Orders Draft" in page(mesh.users.bob, "/products/sales.orders_draft/")


def test_retired_product_page_still_opens(mesh):
    assert "badge--retired" in page(mesh.users.consumer, "/products/finance.legacy/")


def test_product_page_keeps_its_tab_in_the_url(mesh):
    html = page(mesh.users.consumer, "/products/sales.orders/?tab=contract")
    for key, label in panels.TABS:
        assert f'href="?tab={key}"' in html, key
        assert label.replace("&", "&amp;") in html
    assert 'id="tab-contract" href="?tab=contract" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1
    assert "Revenue reporting." not in html  # the overview is another tab
    unknown = page(mesh.users.consumer, "/products/sales.orders/?tab=nonsense")
    assert 'id="tab-overview" href="?tab=overview" aria-current="page"' in unknown


def test_product_header_names_owners_with_their_e_mail(mesh):
    alice = mesh.users.alice
    alice.first_name, alice.last_name, alice.email = "Alice", "Archer", "alice@example.com"
    alice.save()
    html = page(mesh.users.consumer, "/products/sales.orders/")
    header = html[html.index('<header class="product-head">'):html.index('<nav class="tabs"')]
    assert "Alice Archer" in header
    assert 'href="mailto:alice@example.com"' in header
    assert "<code>sales.orders</code>" in header  # the identifier
    assert ">Sales</a>" in header  # the domain
    assert 'id="action-request-access"' in header


def test_product_team_gets_no_request_access_action(mesh):
    assert 'id="action-request-access"' not in page(mesh.users.bob, "/products/sales.orders/")


def test_deprecated_product_points_to_its_successor(mesh):
    mesh.legacy.status = "deprecated"
    mesh.legacy.custom_properties = {"successor": "finance.revenue"}
    mesh.legacy.save()
    html = page(mesh.users.carol, "/products/finance.legacy/")
    banner = html[html.index('id="deprecation"'):]
    banner = banner[:banner.index("</p>")]
    assert "Deprecated." in banner
    assert 'href="/products/finance.revenue/"' in banner


def test_registered_panels_render_in_order_and_none_is_skipped(mesh, monkeypatch):
    monkeypatch.setattr(panels, "_registry", {})
    panels.register_product_panel("quality", "Quality", lambda r, p: f"<p>score for {p.identifier}</p>", order=20)
    panels.register_product_panel("hidden", "Hidden", lambda r, p: None, order=10)
    panels.register_product_panel("profile", "Profile", lambda r, p: "<p>profiled</p>", order=30)
    html = page(mesh.users.consumer, "/products/sales.orders/")
    assert "<p>score for sales.orders</p>" in html
    assert 'id="panel-hidden"' not in html
    assert html.index("panel-quality") < html.index("panel-profile")


def test_support_link_with_script_scheme_is_not_a_link(mesh):
    mesh.orders.support = [{"channel": "evil", "url": "javascript:alert(1)"}]
    mesh.orders.save()
    html = page(mesh.users.consumer, "/products/sales.orders/")
    assert "javascript:" not in html
    assert "evil" in html


def test_login_page_renders_and_logs_in(mesh):
    client = Client()
    assert 'name="username"' in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/login/", {"username": "dora", "password": "pw", "next": "/"})
    assert response.status_code == 302
    assert "dora" in client.get("/").content.decode()


def test_api_docs_page_serves_swagger_from_local_static(mesh):
    html = page(None, "/api/docs/")
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_input_from_a_product_the_user_may_not_see_is_not_linked(mesh):
    from catalog.models import InputPort

    InputPort.objects.create(
        product=mesh.revenue, name="plan", version="1.0.0", contract_ref="urn:x",
        source_port=port(mesh.plan, "plan"),
    )
    html = page(mesh.users.consumer, "/products/finance.revenue/?tab=lineage")
    assert "a product you may not see" in html
    assert "/products/finance.plan/" not in html
    assert 'href="/products/finance.plan/"' in page(mesh.users.carol, "/products/finance.revenue/?tab=lineage")


@pytest.mark.parametrize("url", ["/", "/domains/bulk/"])
def test_listing_pages_queries_do_not_grow_with_products(mesh, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Domain, ProductTeamMember

    bulk = Domain.objects.create(slug="bulk", name="Bulk")
    client = Client()
    client.force_login(mesh.users.consumer)

    def add(count):
        start = bulk.products.count()
        for i in range(start, start + count):
            p = product(bulk, f"p{i}", description="*x*")
            ProductTeamMember.objects.create(product=p, username="ann", role="owner")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = queries()
    add(6)
    assert queries() == few


def test_raised_flags_read_as_sentences_not_data(mesh):
    from catalog.models import DataProduct

    drift = {"orders@1.0.0": {"added": ["scanner_id"], "missing": ["status"], "changed": []}}
    DataProduct.objects.filter(identifier="sales.orders").update(flags={"schema_drift": drift})
    html = page(mesh.users.consumer, "/products/sales.orders/")
    assert "The profiled data of orders@1.0.0 differs from its contract" in html
    assert "scanner_id" not in html.split("Overview")[0]  # the banner summarises; details sit in the panel
