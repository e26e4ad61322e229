"""The lineage explorer in Chromium: collapsed by domain at scale, expandable, pannable, path highlight.

Debian's Chromium is driven through Playwright (no browser download). A missing Chromium fails
these tests rather than skipping them: the CI machine must have ``/usr/bin/chromium``.
"""
from __future__ import annotations

import os
import uuid

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from catalog.models import DataProduct, Domain
from lineage.models import ProductEdge
from tests.lineage.conftest import kpi_events, revenue_events

CHROMIUM = os.environ.get("MESHPORT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server, monkeypatch):
    # Playwright's sync API runs an event loop; the ORM calls in these tests happen outside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert os.path.exists(CHROMIUM), f"Chromium is required for browser tests: {CHROMIUM} is missing"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        browser.close()
        # The test's ORM calls ran while Playwright's loop was current, on a connection of that
        # context: close it here, or PostgreSQL keeps a session that stops the test database's removal.
        connections.close_all()


def drawn(page, kind=None) -> list[str]:
    selector = f".lineage-svg .node[data-kind={kind}]" if kind else ".lineage-svg .node"
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('data-id'))")


def big_mesh(domains: int = 12, per_domain: int = 100) -> None:
    """1,200 products in 12 domains, each depending on the one before it and on one in another domain."""
    made = []
    for d in range(domains):
        domain = Domain.objects.create(slug=f"d{d:02}", name=f"Domain {d:02}")
        made += DataProduct.objects.bulk_create([
            DataProduct(domain=domain, slug=f"p{i:03}", identifier=f"d{d:02}.p{i:03}", external_id=f"d{d}-p{i}",
                        name=f"Product {d:02}-{i:03}", status="published")
            for i in range(per_domain)
        ])
    ProductEdge.objects.bulk_create(
        [ProductEdge(source=a, target=b, kind="lineage") for a, b in zip(made, made[1:], strict=False)]
        + [ProductEdge(source=made[i], target=made[(i + 337) % len(made)], kind="lineage")
           for i in range(0, len(made), 7)]
    )


def test_a_1200_product_mesh_opens_collapsed_by_domain_and_expands_on_click(page, live_server):
    big_mesh()
    page.goto(f"{live_server.url}/lineage/")
    page.wait_for_selector(".lineage-svg .node")
    domains = drawn(page, "domain")
    assert len(domains) == 12
    assert drawn(page, "product") == []
    assert "100 products" in page.text_content(".lineage-svg .node[data-id='domain:d03'] text.count")  # labelled
    legend = page.eval_on_selector_all("[data-role=legend] li", "els => els.map(e => [e.textContent.trim(), "
                                       "getComputedStyle(e.querySelector('.legend__swatch')).borderLeftColor])")
    assert [name for name, _ in legend] == [f"Domain {d:02}" for d in range(12)]
    assert len({colour for _, colour in legend}) == 12  # twelve domains, twelve colours
    page.click(".lineage-svg .node[data-id='domain:d03']")
    page.wait_for_selector(".lineage-svg .node[data-kind=product]")
    assert len(drawn(page, "product")) == 100
    assert len(drawn(page, "domain")) == 11
    assert len(drawn(page)) < 200  # never everything at once
    page.click("[data-role=reset]")
    assert len(drawn(page, "domain")) == 12
    assert drawn(page, "product") == []


def test_pan_and_zoom_move_the_view(page, live_server):
    big_mesh(domains=3, per_domain=20)
    page.goto(f"{live_server.url}/lineage/")
    page.wait_for_selector(".lineage-svg .node")
    before = page.get_attribute(".lineage-svg", "viewBox")
    page.mouse.move(600, 500)
    page.mouse.wheel(0, -400)
    zoomed = page.get_attribute(".lineage-svg", "viewBox")
    assert zoomed != before
    page.mouse.down()
    page.mouse.move(500, 450)
    page.mouse.up()
    assert page.get_attribute(".lineage-svg", "viewBox") != zoomed


def test_path_between_two_picked_products_is_highlighted_and_products_open_to_datasets_and_columns(
    page, live_server, mesh, pusher
):
    for event in revenue_events(str(uuid.uuid4())) + kpi_events(str(uuid.uuid4())):
        assert pusher.post("/api/v1/lineage", event, format="json").status_code == 201
    page.goto(f"{live_server.url}/lineage/")
    page.wait_for_selector(".lineage-svg .node[data-id='product:sales.orders']")
    page.click(".lineage-svg .node[data-id='product:sales.orders']", modifiers=["Shift"])
    page.click(".lineage-svg .node[data-id='product:exec.kpis']", modifiers=["Shift"])
    on_path = page.eval_on_selector_all(".lineage-svg .node.on-path", "els => els.map(e => e.dataset.id)")
    assert sorted(on_path) == ["product:exec.kpis", "product:finance.revenue", "product:sales.orders"]
    assert len(page.query_selector_all(".lineage-svg .edge.on-path")) == 2
    assert page.query_selector(".lineage-svg .node[data-id='product:sales.customers'].on-path") is None

    page.click(".lineage-svg .node[data-id='product:finance.revenue']")
    revenue = "dataset:file:/data/finance/revenue.parquet"
    page.wait_for_selector(f".lineage-svg .node[data-id='{revenue}']")
    assert "product:finance.revenue" not in drawn(page)
    page.click(f".lineage-svg .node[data-id='{revenue}']")
    page.wait_for_selector(".lineage-svg .node[data-kind=column]")
    assert set(drawn(page, "column")) >= {"column:file:/data/finance/revenue.parquet#revenue",
                                          "column:postgres://db.internal:5432:shop.public.orders#amount"}


def test_explorer_centred_on_a_node(page, live_server, mesh, pusher):
    for event in revenue_events(str(uuid.uuid4())):
        pusher.post("/api/v1/lineage", event, format="json")
    page.goto(f"{live_server.url}/lineage/?node=finance.revenue")
    page.wait_for_selector(".lineage-svg .node[data-id='product:finance.revenue']")
    assert set(drawn(page, "product")) == {"product:finance.revenue", "product:sales.orders"}


def test_a_restricted_dataset_is_drawn_opaque_and_does_not_open(page, live_server, mesh, pusher):
    """An anonymous visitor opens a restricted product: one node "restricted dataset of finance", no columns."""
    from lineage.services.products import lineage_products_sync
    from tests.lineage.conftest import ORDERS, ds, facet, file_port, make_product, run_event

    path = "/data/finance/payments.parquet"
    payments = make_product(Domain.objects.get(slug="finance"), "payments", ports=[file_port("payments", path)],
                            visibility=DataProduct.Visibility.RESTRICTED)
    lineage_products_sync(product_ids=[payments.pk])
    written = ds("file", path, schema=facet(fields=[{"name": "card_number", "type": "VARCHAR"}]))
    event = run_event("COMPLETE", job="finance.build_payments", inputs=[ORDERS], outputs=[written])
    assert pusher.post("/api/v1/lineage", event, format="json").status_code == 201

    page.goto(f"{live_server.url}/lineage/?node=sales.orders")
    page.wait_for_selector(".lineage-svg .node[data-id='product:finance.payments']")
    page.click(".lineage-svg .node[data-id='product:finance.payments']")
    page.wait_for_selector(".lineage-svg .node.dataset.restricted")
    opaque = page.query_selector(".lineage-svg .node.dataset.restricted")
    assert opaque.query_selector("title").text_content() == "dataset: restricted dataset of finance"
    opaque.click()
    page.wait_for_function("document.querySelector('[data-role=status]').textContent.includes('restricted')")
    assert drawn(page, "column") == []
    assert path not in page.content()
    assert "card_number" not in page.content()
