"""The pages not looked at by a feature's own browser test, through the same inspection: both widths,
no overflow, no console errors, no critical or serious axe-core violation, screenshots saved."""
import pytest

from tests.browser.inspect import inspect_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]


@pytest.mark.parametrize(("url", "name", "user"), [
    ("/accounts/login/", "login", None),
    ("/domains/", "domains", None),
    ("/domains/sales/", "domain-sales", "bob"),
    ("/lineage/", "lineage-mesh", "dora"),
    ("/governance/", "governance-overview", "stew"),
    ("/governance/compliance/", "compliance-mesh", "stew"),
    ("/governance/compliance/sales/", "compliance-sales", "alice"),
    ("/governance/products/sales.orders/quality/", "product-quality-page", "alice"),
    ("/access/", "access-mine", "dora"),
    ("/access/decide/", "access-decide", "alice"),
    ("/access/request/sales.customers/", "access-request", "dora"),
    ("/notifications/", "notifications-inbox", "dora"),
    ("/notifications/settings/", "notifications-settings", "dora"),
    ("/publish/?product=sales.orders", "publish-edit", "bob"),
    ("/publish/?from=sales.orders", "publish-copy", "bob"),
])
def test_page_reads_well_at_both_widths(open_page, url, name, user):
    inspect_page(open_page, url, name, user=user)
