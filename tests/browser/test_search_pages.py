"""Search, autocomplete and home in Chromium at 1280 and 390 px: inspected (overflow, console,
axe-core), screenshots for the reviewer, and the keyboard path through the suggestions."""
import pytest

from search.backends import get_backend
from tests.browser.inspect import _collect_errors, check_open_page, inspect_page
from tests.browser.pages import DESKTOP, PHONE
from tests.search.conftest import index_all

pytestmark = [pytest.mark.browser]


@pytest.fixture
def indexed(mesh):
    index_all(get_backend())
    return mesh


def test_search_results_page(open_page, indexed):
    page = inspect_page(open_page, "/search/?q=orders", "search-results")
    assert page.locator(".search-hit").count() >= 1
    assert page.get_by_label("Sort by").is_visible()


def test_search_results_with_a_corrected_typo(open_page, indexed):
    page = inspect_page(open_page, "/search/?q=ordrs", "search-results-corrected")
    note = page.locator(".search-corrected")
    assert "Showing results for orders" in " ".join(note.inner_text().split())
    note.get_by_role("link", name="ordrs").click()
    page.wait_for_url("**correct=false**")
    assert page.locator(".search-corrected").count() == 0


def test_search_results_with_filters_open(open_page, indexed):
    page = inspect_page(open_page, "/search/?has_pii=true", "search-results-filters", user="bob")
    assert page.locator("details.search-filters").get_attribute("open") is not None
    assert page.locator(".search-hit__id").all_inner_texts() == ["sales.orders"]
    with page.expect_navigation():
        page.get_by_label("Sort by").select_option("name")  # submits on change
    assert "sort=name" in page.url, page.url
    assert "has_pii=true" in page.url


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_autocomplete_open_and_keyboard_navigation(open_page, indexed, viewport):
    page = open_page(viewport=viewport)
    errors = _collect_errors(page)
    page.goto("/")
    box = page.get_by_role("combobox", name="Search data products")
    assert box.count() == 1  # the home page has one search box
    box.fill("sales ord")
    options = page.locator("#home-q-suggestions [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert options.first.locator("mark").first.inner_text().lower() == "sales"
    assert options.last.inner_text().startswith("See all results for “sales ord”")
    check_open_page(page, "search-autocomplete", viewport["width"], errors)
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    box.press("Escape")
    assert page.locator("#home-q-suggestions").is_hidden()
    box.press("ArrowDown")  # opens the list again
    options.first.wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/products/sales.orders/")


def test_home_anonymous(open_page, indexed):
    page = inspect_page(open_page, "/", "home-anonymous")
    assert page.locator("input[type=search]").count() == 1
    assert page.locator("#newly-published .product-card").count() >= 1
    assert page.locator("#following").count() == 0


def test_home_logged_in(open_page, indexed):
    page = inspect_page(open_page, "/", "home-logged-in", user="bob")
    assert page.locator("input[type=search]").count() == 1
    mine = page.locator("#my-domains .product-card__name").all_inner_texts()
    assert "Sales Orders" in mine
    assert "Customers" in mine
    assert page.locator("#following").is_visible()
    summary = page.locator("#my-domains .product-card__desc").first.inner_text()
    assert "**" not in summary
