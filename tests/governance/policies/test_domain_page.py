"""The per-domain compliance page: the domain's policies × its products, the weighted score and the daily trend,
linked from the mesh page; a reader sees only the products they may know of."""
import datetime as dt
import re

import pytest
from django.utils import timezone

from governance.policies.services import compliance_snapshot

from .conftest import contract_doc, product_doc


@pytest.fixture
def mesh(finance, sales, defaults, django_capture_on_commit_callbacks):
    """sales.orders without a support channel (a warning fails) and finance.invoices, evaluated; two daily summaries."""
    from catalog.descriptors.services import descriptors_import

    invoices = product_doc("p-invoices", "Invoices", domain="finance", contract_id="c-invoices")
    inv_contract = contract_doc("c-invoices", "invoices", domain="finance",
                                path=str(contract_doc()["servers"][1]["path"]).replace("/sales/orders", "/finance/invoices"))
    with django_capture_on_commit_callbacks(execute=True):
        descriptors_import(documents=[product_doc(support=[]), contract_doc(), invoices, inv_contract], source="test")
    today = timezone.localdate()
    compliance_snapshot(day=today - dt.timedelta(days=1))
    compliance_snapshot(day=today)


@pytest.mark.django_db
def test_a_domain_page_shows_its_policies_against_its_products(client, sales_member, mesh):
    client.force_login(sales_member)

    response = client.get("/governance/compliance/sales/")

    assert response.status_code == 200
    page = response.content.decode()
    matrix = page[page.index('data-testid="domain-matrix"'):]
    matrix = matrix[:matrix.index("</table>")]
    assert "Orders" in matrix
    assert "Invoices" not in matrix  # another domain's product
    row = matrix[matrix.index("<code>support-channel</code>"):]
    assert "failed" in row[:row.index("</tr>")]
    row = matrix[matrix.index("<code>product-owner-team</code>"):]
    assert "compliance-cell--ok" in row[:row.index("</tr>")]
    score = re.search(r'data-testid="domain-score">(\d+) %', page)
    assert score is not None
    assert 0 < int(score.group(1)) < 100
    trend = page[page.index('data-testid="domain-trend"'):]
    assert trend.count("<tr>") == 3  # the header and two days
    assert 'class="table-wrap"' in page  # wide tables scroll inside the page at 390 px


@pytest.mark.django_db
def test_the_mesh_page_links_each_domain_to_its_page(client, steward, mesh):
    client.force_login(steward)

    page = client.get("/governance/compliance/").content.decode()

    assert 'href="/governance/compliance/sales/"' in page
    assert 'href="/governance/compliance/finance/"' in page
    assert client.get("/governance/compliance/finance/").status_code == 200


@pytest.mark.django_db
def test_an_unknown_domain_is_not_found(client, sales_member, mesh):
    client.force_login(sales_member)
    assert client.get("/governance/compliance/nowhere/").status_code == 404
