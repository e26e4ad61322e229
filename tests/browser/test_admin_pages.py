"""The admin pages a steward edits the mesh in, at a laptop's width: nothing wider than the page or its
box, screenshots saved, no console error (the site's CSP
refuses style attributes, and nothing here writes one: autocomplete fields are single choices, tags a
plain labelled multiple choice, not select2's multi-select) — also after opening an autocomplete and
adding an inline row — and no critical or serious axe-core violation (tabular inlines' cells carry
their column's name as a label)."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from catalog.models import Contract, DataProduct, Domain
from demo.users import _stewards_group
from tests.browser.inspect import _OVERFLOWING, SCREENSHOTS, _collect_errors, blocking_violations
from tests.browser.pages import DESKTOP, NO_HORIZONTAL_SCROLL, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]


def test_the_stewards_change_pages_pass_axe_with_no_console_error(open_page, make_user):
    ward = make_user("ward", is_staff=True)
    stewards = _stewards_group()
    ward.groups.add(stewards)
    dora = get_user_model().objects.get(username="dora")
    token = Token.objects.get_or_create(user=dora)[0]
    pages = {
        "product change": f"/admin/catalog/dataproduct/{DataProduct.objects.get(identifier='sales.orders').pk}/change/",
        "domain change": f"/admin/catalog/domain/{Domain.objects.get(slug='sales').pk}/change/",
        "contract change": f"/admin/catalog/contract/{Contract.objects.first().pk}/change/",
        "membership add": "/admin/catalog/domainmembership/add/",
        "index": "/admin/",
        "users": "/admin/auth/user/",
        "user change": f"/admin/auth/user/{dora.pk}/change/",
        "group change": f"/admin/auth/group/{stewards.pk}/change/",
        "token change": f"/admin/authtoken/tokenproxy/{token.pk}/change/",
    }
    page = open_page(viewport=DESKTOP)
    errors = _collect_errors(page)
    log_in(page, "ward", next_url="/admin/")
    found, console, wide = {}, {}, {}
    for name, url in pages.items():
        errors.clear()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if name == "product change":  # select2 opened and searched, and a new inline row's one set up
            page.locator(".select2-selection").first.click()
            page.keyboard.type("a")
            page.wait_for_selector(".select2-results__option")
            page.keyboard.press("Escape")
            before = page.locator(".select2-selection").count()
            page.locator(".add-row a").first.click()
            assert page.locator(".select2-selection").count() > before
            page.wait_for_load_state("networkidle")
        console[name] = list(errors)  # before axe, whose own probes write styles the CSP refuses
        found[name] = blocking_violations(page)
        page.screenshot(path=str(SCREENSHOTS / f"admin-{name.replace(' ', '-')}-1280.png"), full_page=True)
        wide[name] = page.evaluate(_OVERFLOWING) if page.evaluate(NO_HORIZONTAL_SCROLL) else ["the page scrolls sideways"]
    assert found == {name: [] for name in pages}
    assert console == {name: [] for name in pages}
    assert wide == {name: [] for name in pages}
