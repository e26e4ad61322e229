"""Compliance in Chromium: a product's Compliance panel and the stewards' mesh matrix read well at
1280 and 390 px (screenshots under var/screenshots/compliance/ to look at)."""
from pathlib import Path

import pytest
from django.conf import settings

from governance.policies.services import policies_apply, policies_evaluate_all
from tests.browser.pages import DESKTOP, NO_HORIZONTAL_SCROLL, PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "compliance"
DEFAULTS = Path(settings.BASE_DIR) / "governance" / "policies" / "defaults"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{name} scrolls sideways at {width} px"


@pytest.fixture
def evaluated(mesh):
    policies_apply(path=DEFAULTS)
    policies_evaluate_all()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_compliance_panel_and_mesh_matrix(open_page, evaluated, viewport):
    page = open_page(viewport=viewport)
    log_in(page, "stew", next_url="/products/sales.orders/?tab=compliance")
    panel = page.locator("#panel-compliance")
    assert panel.is_visible()
    text = panel.inner_text()
    assert "failed" in text.lower() or "passed" in text.lower()
    shoot(page, "product-panel")

    page.goto("/governance/compliance/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert "Sales" in page.content()
    shoot(page, "mesh")
