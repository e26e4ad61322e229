"""Notifications in Chromium: follow a domain, an upstream incident lights the bell, the inbox shows the path and
marks it read; the settings page adds a webhook and sends a signed test event — at desktop and phone widths."""
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from audit.services import Subject, record
from lineage.models import ProductEdge
from tests.browser.pages import DESKTOP, NO_HORIZONTAL_SCROLL, PHONE, log_in
from tests.notifications.conftest import SECRET, SigningReceiver

pytestmark = [pytest.mark.browser]
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "notifications"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{name} scrolls sideways at {width} px"


def quality_falls(mesh) -> None:
    """Governance's record of sales.orders' score falling a band (as its scoring writes it)."""
    with transaction.atomic():
        record(action="quality.band_changed", subject=Subject("product", mesh.orders.pk, "sales.orders", "sales"),
               data={"score": [92.0, 55.0], "band": ["good", "poor"]})


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_follow_hear_of_an_upstream_incident_and_read_it(open_page, mesh, viewport):
    ProductEdge.objects.create(source=mesh.orders, target=mesh.revenue, kind=ProductEdge.Kind.INPUT_PORT)
    dora = open_page(viewport=viewport)
    log_in(dora, "dora", next_url="/domains/finance/")
    dora.get_by_role("button", name="Follow").click()
    dora.wait_for_url("**/domains/finance/")
    assert dora.get_by_role("button", name="Following ✓").is_visible()
    assert dora.locator("#nav-bell .count-badge").count() == 0

    quality_falls(mesh)
    dora.goto("/")
    assert dora.locator("#nav-bell .count-badge").inner_text() == "1"
    dora.locator("#nav-bell").click()
    dora.wait_for_url("**/notifications/")
    item = dora.locator(".inbox__item").first
    assert "Upstream incident: sales.orders (quality drop) reaches finance.revenue" in item.inner_text()
    assert item.locator(".inbox__path").inner_text() == "sales.orders → finance.revenue"
    shoot(dora, "inbox-unread")
    item.get_by_role("button", name="Mark read").click()
    dora.wait_for_url("**/notifications/")
    assert dora.locator("#nav-bell .count-badge").count() == 0
    assert dora.locator(".inbox__item--unread").count() == 0

    carol = open_page(viewport=viewport)  # finance's owner follows her products without a subscription
    log_in(carol, "carol", next_url="/notifications/")
    assert "reaches finance.revenue" in carol.locator(".inbox__item").first.inner_text()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_settings_add_a_webhook_and_send_a_test_event(open_page, mesh, viewport, settings):
    settings.MESHPORT_WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    platform = SigningReceiver()
    try:
        dora = open_page(viewport=viewport)
        log_in(dora, "dora", next_url="/notifications/settings/")
        form = dora.locator("#webhook-form")
        form.get_by_label("Name").fill("Team dashboard")
        form.get_by_label("URL").fill(platform.url)
        form.get_by_label("Secret").fill(SECRET)
        form.get_by_role("button", name="Add webhook").click()
        dora.wait_for_url("**/notifications/settings/")
        dora.get_by_role("button", name="Send a test event").click()
        dora.wait_for_url("**/notifications/settings/")
        assert "Test event sent to Team dashboard: delivered." in dora.locator(".messages").inner_text()
        assert platform.valid(platform.posts[0])
        assert "200" in dora.locator("#deliveries").inner_text()

        subscription = dora.locator("#subscription-form")
        subscription.get_by_label("Product identifier").fill("sales.orders")
        subscription.get_by_label("Quality drop").check()
        subscription.get_by_label("or down by points").fill("10")
        subscription.get_by_role("button", name="Add subscription").click()
        dora.wait_for_url("**/notifications/settings/")
        assert "Sales Orders" in dora.locator("#subscriptions table").inner_text()
        shoot(dora, "settings")
    finally:
        platform.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_follow_a_product_from_its_header(open_page, mesh, viewport):
    dora = open_page(viewport=viewport)
    log_in(dora, "dora", next_url="/products/sales.orders/")
    dora.locator(".product-head__actions").get_by_role("button", name="Follow").click()
    dora.wait_for_url("**/products/sales.orders/")
    assert "You follow Sales Orders now." in dora.locator(".messages").inner_text()
    assert dora.locator(".product-head__actions").get_by_role("button", name="Following ✓").is_visible()
    shoot(dora, "product-followed")
