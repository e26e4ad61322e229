"""The product page in Chromium: every tab at 1280 and 390 px, as a consumer and as the owner; keyboard tabs."""
import pytest

from catalog.panels import TABS
from tests.browser.inspect import _collect_errors, check_open_page, inspect_page
from tests.browser.pages import DESKTOP, PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]


def inspect_tabs(open_page, path: str, user: str, tabs=TABS) -> None:
    """``inspect_page`` for each tab, logged in once per width (screenshots ``product-<tab>-<user>-<width>``)."""
    for viewport in (DESKTOP, PHONE):
        page = open_page(viewport=viewport)
        errors = _collect_errors(page)
        log_in(page, user, next_url=path)
        for key, label in tabs:
            page.goto(f"{path}?tab={key}")
            check_open_page(page, f"product-{key}-{user}", viewport["width"], errors)
            assert page.locator(".tabs__tab[aria-current=page]").inner_text() == label


def test_every_tab_fits_and_passes_axe_for_a_consumer(open_page):
    inspect_tabs(open_page, "/products/sales.orders/", "dora")


def test_the_owners_tabs_fit_too(open_page):
    """The tabs that show the owner more (the profile's PII, run buttons, consumers, the descriptor link)."""
    owner_tabs = [(key, label) for key, label in TABS if key in {"overview", "schema", "quality", "access"}]
    inspect_tabs(open_page, "/products/sales.orders/", "alice", tabs=owner_tabs)


def test_a_restricted_product_fits_and_says_whom_to_ask(open_page):
    page = inspect_page(open_page, "/products/sales.customers/", "product-restricted", user="dora")
    assert "alice decides" in page.locator("#details-hidden").inner_text()
    assert page.locator("#action-request-access").is_visible()


def test_tabs_are_reached_and_opened_with_the_keyboard(page):
    log_in(page, "dora", next_url="/products/sales.orders/")
    page.locator("#tab-overview").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "tab-schema"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "a focused tab shows where the focus is"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/products/sales.orders/?tab=quality")
    assert page.locator("#tab-quality").get_attribute("aria-current") == "page"
