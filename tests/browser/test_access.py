"""The access journey in Chromium: a consumer asks, the owner approves until a date, the data opens,
the date passes and it closes again — at desktop and phone widths, with screenshots to look at."""
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from governance.access.services import access_grants_expire
from tests.browser.pages import DESKTOP, NO_HORIZONTAL_SCROLL, PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "access"


def shoot(page, name: str) -> None:
    """Save the page as a person sees it, and check it does not scroll sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{name} scrolls sideways at {width} px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_request_approve_read_then_expire(open_page, viewport):
    dora = open_page(viewport=viewport)
    log_in(dora, "dora", next_url="/products/sales.customers/")
    assert dora.locator("table.schema").count() == 0  # restricted: no columns yet
    dora.locator("#action-request-access").click()  # the header's action
    dora.wait_for_url("**/access/request/sales.customers/")
    dora.get_by_label("Purpose").fill("Churn model: which customers stop buying, by region")
    dora.get_by_label("For how many days").fill("30")
    shoot(dora, "request-form")
    dora.get_by_role("button", name="Send request").click()
    dora.wait_for_url("**/access/**")
    request = dora.locator(".request").first
    assert "Pending" in request.inner_text()
    assert "Churn model" in request.inner_text()
    shoot(dora, "my-access-pending")

    alice = open_page(viewport=viewport)
    log_in(alice, "alice", next_url="/access/decide/")
    assert alice.locator("#nav-decide .count-badge").inner_text() == "1"
    pending = alice.locator("#pending .request").first
    assert "Churn model" in pending.inner_text()
    assert "dora" in pending.inner_text()
    shoot(alice, "to-decide")
    until = timezone.localdate() + dt.timedelta(days=14)
    pending.get_by_label("Access until").fill(until.isoformat())
    pending.get_by_role("button", name="Approve").click()
    alice.wait_for_url("**/access/decide/")
    assert "Approved: dora may now read Customers." in alice.locator(".messages").inner_text()

    dora.goto("/products/sales.customers/?tab=schema")
    columns = dora.locator("table.schema tbody tr td:first-child code").all_inner_texts()
    assert "email_address" in columns  # the grant opens the columns
    dora.goto("/products/sales.customers/?tab=access")
    assert until.isoformat() in dora.locator("#my-grants").inner_text()
    shoot(dora, "product-granted")

    access_grants_expire(now=timezone.now() + dt.timedelta(days=15))  # the hourly task, two weeks on
    dora.goto("/products/sales.customers/?tab=schema")
    assert dora.locator("#details-hidden").is_visible()
    assert "email_address" not in dora.content()
    dora.goto("/access/")
    assert "Expired" in dora.locator("#grants").inner_text()
    history = dora.locator(".request").first
    history.locator("summary", has_text="History").click()
    steps = history.locator(".history__steps").inner_text()
    for step in ("Requested", "Approved by alice", "Granted", "Expired"):
        assert step in steps
    shoot(dora, "my-access-expired")
