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


def test_reasons_read_as_text_with_owners_and_a_link_to_the_failing_checks(client, make_user):
    from catalog.models import DomainMembership
    from governance.models import QualityScore

    owner = make_user("olga", first_name="Olga", last_name="Owens", email="olga@example.com")
    shop = Domain.objects.create(slug="shop", name="Shop")
    DomainMembership.objects.create(domain=shop, user=owner, role="owner")
    product = DataProduct.objects.create(domain=shop, slug="baskets", external_id="b", name="Baskets",
                                         status="published", quality_score=61.0)
    QualityScore.objects.create(product=product, score=61.0, breakdown={
        "checks": [], "explanations": [{"text": "−39: 3 rows where `total` is negative", "points": 39}]})
    attention = client.get("/governance/").content.decode().split('data-testid="needs-attention"')[1]
    assert "3 rows where <code>total</code> is negative" in attention  # Markdown rendered, no backticks left
    assert "`" not in attention
    assert 'Olga Owens (<a href="mailto:olga@example.com">olga@example.com</a>)' in attention
    assert 'href="/products/shop.baskets/?tab=quality#checks"' in attention


def test_the_trend_is_drawn_from_the_stored_score_history(client):
    from datetime import timedelta

    from django.utils import timezone

    from governance.models import QualityScore

    shop = Domain.objects.create(slug="shop", name="Shop")
    product = DataProduct.objects.create(domain=shop, slug="baskets", external_id="b", name="Baskets",
                                         status="published", quality_score=90.0)
    now = timezone.now()
    for days_ago, score in ((20, 40.0), (10, 70.0), (1, 90.0)):
        QualityScore.objects.create(product=product, score=score, computed_at=now - timedelta(days=days_ago))
    html = client.get("/governance/").content.decode()
    trend = html[html.index('data-testid="mesh-trend"'):html.index("</svg>", html.index('data-testid="mesh-trend"'))]
    days = trend.count("<circle")
    assert 20 <= days <= 22  # one point a day since the first score, carried over between runs
    assert "40 at" in trend
    assert "90 at" in trend
    assert 'aria-label="Shop: from 40 to 90 over' in html  # the domain's sparkline
