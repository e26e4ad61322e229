"""What a person sees in the marketplace, in Chromium: logging in, domains, products, phones."""
import pytest

from tests.browser.pages import NO_HORIZONTAL_SCROLL, PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]


def test_log_in_browse_domains_and_read_a_products_columns(page):
    log_in(page, "dora")
    assert page.locator(".site-nav__user").inner_text() == "dora"
    domains = page.locator(".domain-grid")
    assert domains.get_by_role("link", name="Sales").is_visible()
    assert domains.get_by_role("link", name="Finance").is_visible()

    domains.get_by_role("link", name="Sales").click()
    page.wait_for_url("**/domains/sales/")
    page.get_by_role("link", name="Sales Orders").first.click()
    page.wait_for_url("**/products/sales.orders/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Sales Orders")
    page.get_by_role("link", name="Schema & profile").click()
    page.wait_for_url("**/products/sales.orders/?tab=schema")
    columns = page.locator("table.schema:not(.profile-table) tbody tr td:first-child code").all_inner_texts()
    assert columns == ["order_id", "customer_email", "amount"]


def test_consumer_on_a_restricted_product_is_told_whom_to_ask_and_sees_no_columns(page):
    log_in(page, "dora", next_url="/products/sales.customers/")
    note = page.locator("#details-hidden")
    assert note.is_visible()
    assert "Request access: alice decides" in note.inner_text()
    assert page.locator("#who-to-ask").get_by_text("alice").first.is_visible()
    assert page.locator("table.schema").count() == 0
    assert "email_address" not in page.content()
    assert "secret_customers" not in page.content()


def test_domain_member_sees_the_restricted_columns(page):
    log_in(page, "bob", next_url="/products/sales.customers/?tab=schema")
    assert page.locator("#details-hidden").count() == 0
    assert page.locator("table.schema:not(.profile-table) tbody tr").count() == 2


@pytest.mark.parametrize("url", ["/", "/domains/", "/domains/sales/", "/products/sales.orders/", "/accounts/login/"])
def test_pages_fit_a_phone_without_horizontal_scroll(open_page, url):
    page = open_page(viewport=PHONE)
    page.goto(url)
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert page.evaluate(NO_HORIZONTAL_SCROLL), page.evaluate("document.documentElement.scrollWidth")


def test_logged_in_pages_fit_a_phone_too(open_page):
    page = open_page(viewport=PHONE)
    log_in(page, "bob")
    for url in ["/", "/products/sales.orders/", "/products/sales.customers/", "/publish/?product=sales.orders"]:
        page.goto(url)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), url
