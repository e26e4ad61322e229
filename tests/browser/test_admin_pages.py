"""The admin pages a steward edits the mesh in, at a laptop's width: no critical or serious axe-core
violation — tabular inlines' cells carry their column's name as a label, tags are a plain labelled
multiple choice. (Console errors are not asserted here: Django's select2 widgets write inline styles
that the site's CSP blocks, a known finding.)"""
import pytest

from catalog.models import Contract, DataProduct, Domain
from demo.users import _stewards_group
from tests.browser.inspect import blocking_violations
from tests.browser.pages import DESKTOP, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mesh")]


def test_the_stewards_change_pages_pass_axe(open_page, make_user):
    ward = make_user("ward", is_staff=True)
    ward.groups.add(_stewards_group())
    pages = {
        "product change": f"/admin/catalog/dataproduct/{DataProduct.objects.get(identifier='sales.orders').pk}/change/",
        "domain change": f"/admin/catalog/domain/{Domain.objects.get(slug='sales').pk}/change/",
        "contract change": f"/admin/catalog/contract/{Contract.objects.first().pk}/change/",
        "index": "/admin/",
        "users": "/admin/auth/user/",
    }
    page = open_page(viewport=DESKTOP)
    log_in(page, "ward", next_url="/admin/")
    found = {}
    for name, url in pages.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found[name] = blocking_violations(page)
    assert found == {name: [] for name in pages}
