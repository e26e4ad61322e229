"""/governance/: quality per domain and the products that need attention, with what costs them points."""
import pytest

from catalog.models import DataProduct, Domain
from governance.services import product_quality_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(make_product):
    """A product whose e-mails are partly null (a failed check), and a restricted one scored low by hand."""
    product = make_product()
    product_quality_check(product_id=product.pk)
    product.refresh_from_db()
    hr = Domain.objects.create(slug="hr", name="People")
    secret = DataProduct.objects.create(domain=hr, slug="salaries", external_id="s", name="Salaries",
                                        status="published", visibility="restricted", quality_score=40.0)
    DataProduct.objects.create(domain=hr, slug="draft", external_id="d", name="Draft thing", status="draft",
                               quality_score=10.0)
    return product, secret


def test_overview_lists_domains_and_the_products_under_the_bar(client, scored):
    product, secret = scored
    assert product.quality_score < 100  # it loses points, so the page lists it
    response = client.get("/governance/")
    assert response.status_code == 200
    html = response.content.decode()
    assert product.domain.name in html
    assert "People" in html
    attention = html.split('data-testid="needs-attention"')[1]
    # lowest first; the draft is not anyone's business outside its domain
    assert attention.index("Salaries") < attention.index(product.name)
    assert "Draft thing" not in html
    assert "nullValues on email" in attention or "nulls in email" in attention


def test_a_restricted_products_reasons_are_hidden_from_outsiders(client, scored, make_user):
    _, secret = scored
    from governance.models import QualityScore

    QualityScore.objects.create(product=secret, score=40.0, breakdown={"explanations": [
        {"text": "−60: 12% of employee_ssn are invalid", "points": 60}]})
    html = client.get("/governance/").content.decode()
    assert "employee_ssn" not in html
    assert "Restricted: its checks are shown to its domain team and stewards." in html


def _scored_products(domain, count: int, start: int) -> None:
    from catalog.models import Column, OutputPort
    from governance.models import QualityScore

    for i in range(start, start + count):
        product = DataProduct.objects.create(domain=domain, slug=f"p{i}", external_id=f"p{i}", name=f"Product {i}",
                                             status="published", quality_score=50.0 + i)
        for name in ("a", "b"):
            port = OutputPort.objects.create(product=product, name=name, version="1")
            Column.objects.create(port=port, name="email", classification="pii")
        QualityScore.objects.create(product=product, score=50.0 + i, breakdown={
            "checks": [{"name": "email filled", "port": port.pk, "column": "email", "rule_kind": "library"}],
            "explanations": [{"text": "−9: 9% of email are null", "check": "email filled", "points": 9}]})


def test_the_overview_asks_the_same_few_queries_however_many_products_need_attention(client, make_user):
    """An outsider's reasons are checked for sensitive columns in batches, not product by product."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("outsider"))
    domain = Domain.objects.create(slug="shop", name="Shop")
    counts = []
    for start, count in ((0, 2), (2, 6)):
        _scored_products(domain, count, start)
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/governance/").content.decode()
        counts.append(len(queries))
    assert html.count("Product ") == 8
    assert "9% of email" not in html  # the value of a check on a PII column stays hidden
    assert counts[0] == counts[1], counts
