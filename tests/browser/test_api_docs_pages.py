"""The API docs as a reader meets them: Swagger UI (/api/docs/) and Redoc (/api/redoc/) through
``inspect_page`` at both widths — no overflow, no console error, no critical or serious axe-core
violation, also with operations opened and tried — and nothing asked of another host (both are served from our own static files; Redoc's
credit would otherwise fetch a logo from Redocly's CDN)."""
import pytest

from tests.browser.inspect import blocking_violations, inspect_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def open_watched_page(open_page, live_server):
    """``open_page``, each page recording in ``foreign`` every request to another origin."""
    foreign: list[str] = []

    def open_(viewport):
        page = open_page(viewport=viewport)
        own = (live_server.url, "data:", f"blob:{live_server.url}")  # Redoc's search runs in a blob: worker
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(own) else None)
        return page

    open_.foreign = foreign
    return open_


def test_swagger_ui(open_watched_page):
    page = inspect_page(open_watched_page, "/api/docs/", "api-docs-swagger", ready=".opblock-tag")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".opblock-summary").count() >= 50  # every operation listed
    assert page.locator(".opblock-summary-control a[href]").count() == 0  # no link inside an expand button
    assert open_watched_page.foreign == []
    # a read and a write opened and tried (a choice of values, a request body, example answers) and the
    # Authorize dialog: still nothing critical or serious
    page.locator(".opblock-get .opblock-summary-control").first.click()
    page.locator(".opblock-post .opblock-summary-control").first.click()
    for _ in range(2):
        page.get_by_role("button", name="Try it out").first.click()
    page.wait_for_selector("textarea.body-param__text")
    page.locator(".btn.authorize").first.click()
    page.wait_for_selector(".modal-ux")
    assert blocking_violations(page) == []


def test_redoc(open_watched_page):
    page = inspect_page(open_watched_page, "/api/redoc/", "api-docs-redoc", ready=".api-content", full_page=False)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("a[href='https://redocly.com/redoc/']").inner_text() == "API docs by Redocly"  # in words
    assert open_watched_page.foreign == []
