"""The demo mesh in Chromium: the consumer's journey, and the pages whose point is the demo's data (failed
checks, a deprecated product, lineage across domains, quality across the mesh), at 1280 and 390 px.

The session's ``demo_mesh`` is committed once and read by every test that wants it, so these tests do not
use pytest-django's ``live_server`` (its test case empties the database afterwards): ``demo_server`` runs
Django's live-server thread over the same database for this module, and the tests only read.
"""
import pytest
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from catalog.models import DataProduct
from catalog.selectors import product_owner_people
from demo.users import DEMO_PASSWORD
from tests.browser import inspect as inspect_module
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.inspect import inspect_page
from tests.browser.pages import DESKTOP

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def demo_server(demo_mesh, django_db_blocker):
    with django_db_blocker.unblock():  # the server's own thread reads the committed demo
        server = LiveServerThread("localhost", _StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield f"http://localhost:{server.port}"
        server.terminate()


@pytest.fixture
def open_demo_page(browser, demo_server, django_db_blocker):
    """``open_page`` for the demo server: ``open_demo_page(viewport=…)`` (a fresh context each time)."""
    contexts = []

    def open_(viewport=DESKTOP):
        context = browser.new_context(base_url=demo_server, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: d.dismiss())
        return page

    with django_db_blocker.unblock():
        yield open_
    for context in contexts:
        context.close()


def demo_log_in(page, username: str, next_url: str = "/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def inspect_demo(open_demo_page, url: str, name: str, user: str | None = "consumer"):
    """``inspect_page`` logging in with the demo's password."""
    original = inspect_module.log_in
    inspect_module.log_in = demo_log_in
    try:
        return inspect_page(open_demo_page, url, name, user=user)
    finally:
        inspect_module.log_in = original


@pytest.mark.django_db  # (also what has pytest-django create the test database when this module runs alone)
def test_the_demos_deprecated_product_names_its_successor(demo_mesh):
    deprecated = DataProduct.objects.get(identifier="sales.orders_v1_export")
    assert deprecated.status == "deprecated"
    assert deprecated.custom_properties.get("successor") == "sales.orders"


def test_the_consumer_journey_from_search_to_an_upstream_owners_e_mail(open_demo_page):
    page = open_demo_page()
    demo_log_in(page, "consumer")
    # search "customer order", sorted by quality
    page.goto("/search/?q=customer+order")
    page.get_by_label("Sort by").select_option("quality")
    page.wait_for_url("**sort=quality**")
    results = page.locator("main a[href='/products/sales.orders/']")
    assert results.count() >= 1, "sales.orders is among the results for “customer order”"
    results.first.click()
    page.wait_for_url("**/products/sales.orders/")
    # its failed checks first, in words, the passes folded away
    page.locator("#tab-quality").click()
    page.wait_for_url("**/products/sales.orders/?tab=quality")
    failed = page.locator("table.checks--failed tbody tr")
    assert failed.count() >= 1
    assert "order_id" in failed.first.inner_text()
    assert "duplicated" in failed.first.inner_text()
    passed = page.locator("details.checks-more", has=page.locator("table.checks--passed"))
    assert passed.count() == 1
    assert passed.get_attribute("open") is None  # collapsed
    first_table = page.locator("table.checks").first
    assert "checks--failed" in first_table.get_attribute("class")
    # its lineage, and from the map an upstream product
    page.locator("#tab-lineage").click()
    page.wait_for_url("**/products/sales.orders/?tab=lineage")
    page.wait_for_selector(".lineage-svg .node[data-id='product:sales.orders'].centre")
    upstream = page.eval_on_selector_all(
        ".lineage-svg .edge[data-target='product:sales.orders']", "es => es.map(e => e.dataset.source)")
    assert upstream, "sales.orders has an upstream product on the map"
    source = upstream[0].removeprefix("product:")
    page.locator(f".lineage-svg a.open[data-product='{source}']").click()
    page.wait_for_url(f"**/products/{source}/")
    # whom to write to
    mail = page.locator(".product-head__owners a[href^='mailto:']").first
    owners = product_owner_people(DataProduct.objects.get(identifier=source))
    assert mail.inner_text() in {person.email for person in owners if person.email}
    assert mail.get_attribute("href") == f"mailto:{mail.inner_text()}"


def test_the_quality_tab_with_failed_checks_for_a_consumer_and_the_owner(open_demo_page):
    inspect_demo(open_demo_page, "/products/sales.customers/?tab=quality", "demo-product-quality-owner", user="sales-owner")
    page = inspect_demo(open_demo_page, "/products/sales.orders/?tab=quality", "demo-product-quality-consumer")
    assert page.locator("table.checks--failed tbody tr").count() >= 1


def test_the_schema_tab_shows_histograms_without_scrolling(open_demo_page):
    page = inspect_demo(open_demo_page, "/products/sales.orders/?tab=schema", "demo-product-schema", user="sales-owner")
    assert page.locator("svg.profile-hist").count() >= 1


def test_a_deprecated_product_points_to_its_successor(open_demo_page):
    deprecated = DataProduct.objects.filter(status="deprecated").order_by("identifier").first()
    assert deprecated is not None, "the demo has a deprecated product"
    page = inspect_demo(open_demo_page, deprecated.get_absolute_url(), "demo-product-deprecated")
    banner = page.locator("#deprecation")
    assert "Deprecated." in banner.inner_text()
    successor = (deprecated.custom_properties or {}).get("successor")
    if successor:
        assert banner.locator(f"a[href='/products/{successor}/']").count() == 1


def test_the_lineage_explorer_on_a_product(open_demo_page):
    page = inspect_demo(open_demo_page, "/lineage/?node=sales.orders", "demo-lineage-product")
    page.wait_for_selector(".lineage-svg .node.centre[data-id='product:sales.orders']")
    legend = page.locator("[data-role=legend] li").all_inner_texts()
    assert "Sales" in [text.strip() for text in legend]
    colours = page.eval_on_selector_all("[data-role=legend] li .legend__swatch",
                                        "els => els.map(e => getComputedStyle(e).borderLeftColor)")
    assert len(set(colours)) == len(colours), "no two domains share a colour"
    card = page.locator(".lineage-svg .node[data-id='product:sales.orders']")
    assert "Sales" in card.locator("text.count").text_content()
    assert "dataset" in card.locator("text.count").text_content()  # the dataset count is labelled
    card.click()
    page.wait_for_selector(".lineage-svg .node[data-kind=dataset]")
    assert page.locator("#lineage-open-product").get_attribute("href") == "/products/sales.orders/"


def test_the_lineage_explorer_on_an_unknown_node(open_demo_page):
    page = inspect_demo(open_demo_page, "/lineage/?node=sales.nothing_here", "demo-lineage-unknown")
    assert "No product or dataset called" in page.locator("#lineage-unknown").inner_text()
    assert page.locator(".lineage-canvas").count() == 0


def test_the_governance_overview(open_demo_page):
    page = inspect_demo(open_demo_page, "/governance/", "demo-governance")
    assert page.locator("[data-testid=mesh-trend] circle").count() >= 1  # a point a day since the first score
    attention = page.locator("[data-testid=needs-attention]")
    assert "`" not in attention.inner_text()
    assert attention.locator("a[href^='mailto:']").count() >= 1
    assert attention.locator("a[href$='?tab=quality#checks']").count() >= 1
