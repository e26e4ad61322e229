"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

Never a downloaded browser: Playwright launches ``/usr/bin/chromium`` (``MESHPORT_CHROMIUM``
overrides it). A missing Chromium or Playwright fails these tests with what to install; it
never skips them.
"""
import os
from pathlib import Path

import pytest

from tests.browser.pages import DESKTOP
from tests.catalog.mesh_for_reads import build_mesh

CHROMIUM = Path(os.environ.get("MESHPORT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser():
    """One Chromium for every browser test, closed before the rest of the suite runs.

    Playwright's sync API keeps an event loop running in this thread, so Django refuses ORM
    calls from the test code (SynchronousOnlyOperation) although nothing here is async: the
    known need to allow them, only while the browser is open.
    """
    sync_playwright = _playwright()
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium "
                    "(apt-get install chromium, or `make test`, which installs it).", pytrace=False)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        _restore("DJANGO_ALLOW_ASYNC_UNSAFE", previous)


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The browser tests need the playwright package: pip install -e '.[dev]'.", pytrace=False)
    return sync_playwright


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(viewport=…)``: a fresh browser context (no cookies) on the live server."""
    contexts = []

    def open_(viewport=DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def mesh(make_user, transactional_db):
    return build_mesh(make_user)

