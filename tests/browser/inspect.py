"""One look at a page as a reviewer would take it, at both widths, for the browser tests.

``inspect_page(open_page, url, name, user=…)`` opens ``url`` at 1280 × 900 and at 390 × 844 and,
at each width:

- saves a full-page screenshot to ``var/screenshots/<name>-<width>.png`` (the test run's
  artifacts, for a reviewer to look at);
- fails on horizontal overflow (``scrollWidth > innerWidth``) and names the elements that stick
  out of the viewport or of their card (``.card``, ``.panel``, ``main``), so the fix is findable;
- fails on console errors and uncaught page errors;
- runs axe-core (carried inside ``axe-playwright-python``; nothing fetched) and fails on any
  *critical* or *serious* violation, listing rule, impact and the first offending nodes.

It returns the last page (the phone one) for further assertions. ``ready`` names an element to wait
for (up to ``READY_TIMEOUT_MS``) before looking, for pages that draw themselves from an API answer
(the API docs); ``full_page=False`` screenshots the viewport only, for a page tens of thousands of
pixels tall (Redoc's reference).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.pages import DESKTOP, PHONE, log_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
BLOCKING_IMPACTS = {"critical", "serious"}
READY_TIMEOUT_MS = 60_000

# Elements wider than the viewport, or than the card or panel holding them (2 px of rounding allowed).
# An element inside a scroll box (overflow-x auto/scroll) that the page meant to scroll is not counted.
_OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; }
    return false; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (!r.width || getComputedStyle(el).position === 'fixed' || scrolls(el)) continue;
    if (r.right > width + 2 || r.left < -2) { out.push(name(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right)); continue; }
    const box = el.parentElement && el.parentElement.closest('.card, .panel, main');
    if (box) { const b = box.getBoundingClientRect();
      if (r.right > b.right + 2) out.push(name(el) + ' sticks out of ' + name(box) + ' by ' + Math.round(r.right - b.right) + ' px'); }
  }
  return out.slice(0, 12);
}
"""


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("The accessibility pass needs axe-playwright-python: pip install -e '.[dev]'.", pytrace=False)
    return Axe()


def blocking_violations(page) -> list[str]:
    """axe-core's critical and serious violations on the page, one readable line each."""
    results = _axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BLOCKING_IMPACTS:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']} ({targets})")
    return lines


def check_open_page(page, name: str, width: int, errors: list[str], full_page: bool = True) -> None:
    """The checks on a page already open at ``width``; ``errors`` collects console and page errors."""
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=full_page)
    overflowing = page.evaluate(_OVERFLOWING)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= page.evaluate("window.innerWidth"), (
        f"{name} at {width} px: page {scroll_width} px wide; overflowing: {overflowing}")
    assert not overflowing, f"{name} at {width} px: elements wider than their box: {overflowing}"
    assert not errors, f"{name} at {width} px: console errors {errors}"
    violations = blocking_violations(page)
    assert not violations, f"{name} at {width} px: accessibility\n" + "\n".join(violations)


def _collect_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def inspect_page(open_page, url: str, name: str, user: str | None = None, *,
                 ready: str | None = None, full_page: bool = True):
    """Open ``url`` (logged in as ``user`` if given) at both widths and run every check."""
    page = None
    for viewport in (DESKTOP, PHONE):
        page = open_page(viewport=viewport)
        errors = _collect_errors(page)
        if user:
            log_in(page, user, next_url=url)
        else:
            page.goto(url)
        if ready:
            page.wait_for_selector(ready, timeout=READY_TIMEOUT_MS)
        check_open_page(page, name, viewport["width"], errors, full_page=full_page)
    return page
