"""Publishing through the marketplace, in Chromium: errors with their lines, then the product page."""
import pytest
from playwright.sync_api import expect

from tests.browser.pages import NO_HORIZONTAL_SCROLL, PHONE, SELECTED_TEXT, log_in
from tests.catalog.descriptor_texts import PORT_LINE, STATUS_LINE, broken_orders_yaml, orders_yaml

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]


def test_member_fixes_errors_validates_then_publishes_and_lands_on_the_product(page):
    log_in(page, "bob")
    page.locator(".site-nav").get_by_role("link", name="Publish").click()
    page.wait_for_url("**/publish/")
    descriptor = page.get_by_label("Descriptor")

    descriptor.fill(broken_orders_yaml())
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#publish-errors li")).to_have_text([
        f"line {STATUS_LINE} product.status Expected string, got integer 12.",
        f"line {PORT_LINE} product.outputPorts[0].name This field is required.",
    ])
    assert page.get_by_label("Descriptor").input_value() == broken_orders_yaml()
    page.get_by_role("button", name=f"line {PORT_LINE}").click()
    assert page.evaluate(SELECTED_TEXT) == "  - version: 1.0.0"

    page.get_by_label("Descriptor").fill(orders_yaml())
    page.get_by_role("button", name="Validate only").click()
    assert "Publishing would create sales.web_orders" in page.locator("#publish-checked").inner_text()

    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url("**/products/sales.web_orders/")
    assert page.locator(".messages").get_by_role("status").inner_text() == "Published sales.web_orders: created"
    page.locator("#tab-schema").click()
    page.wait_for_url("**/products/sales.web_orders/?tab=schema")
    columns = page.locator("table.schema:not(.profile-table) tbody tr td:first-child code").all_inner_texts()
    assert columns == ["order_id", "customer_email", "amount"]


def test_member_of_another_domain_sees_why_not(page):
    log_in(page, "carol", next_url="/publish/")
    page.get_by_label("Descriptor").fill(orders_yaml())
    page.get_by_role("button", name="Publish", exact=True).click()
    assert "You may not publish in the domain 'sales'" in page.locator("#publish-denied").inner_text()
    assert page.goto("/products/sales.web_orders/").status == 404


def test_edit_descriptor_from_the_product_page_and_publish_unchanged(page):
    log_in(page, "alice", next_url="/publish/")
    page.get_by_label("Descriptor").fill(orders_yaml())
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url("**/products/sales.web_orders/")
    page.get_by_role("link", name="Edit descriptor").click()
    page.wait_for_url("**/publish/?product=sales.web_orders")
    assert page.get_by_role("heading", level=1).inner_text() == "Edit the descriptor of sales.web_orders"
    assert "id: urn:dp:sales:web-orders" in page.get_by_label("Descriptor").input_value()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url("**/products/sales.web_orders/")
    assert page.locator(".messages").get_by_role("status").inner_text() == "Published sales.web_orders: no changes"


def test_publish_page_with_errors_fits_a_phone(open_page):
    page = open_page(viewport=PHONE)
    log_in(page, "bob", next_url="/publish/")
    page.get_by_label("Descriptor").fill(broken_orders_yaml())
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#publish-errors li")).to_have_count(2)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert page.get_by_role("button", name="Validate only").is_visible()
