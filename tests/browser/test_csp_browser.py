"""Under the Content-Security-Policy every page still works: the browser refuses nothing.

A refused script or style is reported twice by Chromium: as a ``securitypolicyviolation`` event
and as a console error ("… violates the following Content Security Policy directive …"); both
are collected, from before the page's first script runs.
"""
import pytest
from django.utils import timezone

from tests.browser.pages import log_in

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", e => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP refusal it sees collected in ``page.csp_errors()``."""
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.csp_errors = lambda: console + page.evaluate("window.__cspViolations || []")
    return page


@pytest.fixture
def scored(mesh):
    from governance.models import QualityScore

    for day, score in ((2, 60.0), (1, 72.5)):
        QualityScore.objects.create(
            product=mesh.orders, score=score, computed_at=timezone.now() - timezone.timedelta(days=day),
            dimensions={"completeness": score, "validity": 90.0}, breakdown={"explanations": []},
        )
    return mesh


def test_marketplace_pages_run_under_the_policy(watched, scored):
    log_in(watched, "alice")
    for url in ("/", "/domains/", "/domains/sales/", "/products/sales.orders/", "/lineage/", "/publish/", "/governance/"):
        watched.goto(url)
        watched.wait_for_load_state("networkidle")
        assert watched.csp_errors() == [], url
    watched.goto("/search/?q=ord")
    watched.get_by_role("combobox").first.fill("ord")
    watched.wait_for_load_state("networkidle")
    assert watched.csp_errors() == []


def test_quality_bars_keep_their_width_without_inline_styles(watched, scored):
    watched.goto("/products/sales.orders/?tab=quality")
    bar = watched.locator('.mp-quality .bar[aria-label^="completeness"]').first  # dimensions come in the database's order
    assert bar.is_visible()
    box, fill = bar.bounding_box(), bar.locator("*").first.bounding_box()
    assert fill["width"] == pytest.approx(box["width"] * 0.725, abs=2)
    assert watched.csp_errors() == []


def test_admin_runs_under_the_policy(watched, mesh, make_user):
    make_user("root", is_staff=True, is_superuser=True)
    log_in(watched, "root", next_url="/admin/")
    for url in ("/admin/", "/admin/catalog/dataproduct/", f"/admin/catalog/dataproduct/{mesh.orders.pk}/change/",
                "/admin/catalog/domainmembership/add/"):
        watched.goto(url)
        watched.wait_for_load_state("networkidle")
        assert watched.csp_errors() == [], url
    watched.locator(".select2-selection").first.click()  # an autocomplete field opens its list
    watched.wait_for_selector(".select2-results")
    assert watched.csp_errors() == []


def test_api_docs_render_under_the_policy(watched, db):
    watched.goto("/api/docs/")
    watched.wait_for_selector(".opblock-tag", timeout=20_000)
    assert watched.csp_errors() == []
    watched.goto("/api/redoc/")
    watched.wait_for_selector(".api-content", timeout=20_000)
    watched.wait_for_load_state("networkidle")
    assert watched.csp_errors() == []  # not even Redoc's credit logo on Redocly's CDN: never asked for
