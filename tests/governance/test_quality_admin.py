"""Steward admin: quality runs with their checks inline, the score list, filters and search."""
import pytest

from catalog.models import OutputPort
from governance.models import QualityRun
from governance.services import product_freshness_check, product_quality_check

pytestmark = pytest.mark.django_db


def test_runs_show_their_checks_inline(admin_client, make_product):
    product = make_product()
    product_quality_check(product_id=product.pk)
    run = QualityRun.objects.get()
    html = admin_client.get(f"/admin/governance/qualityrun/{run.pk}/change/").content.decode()
    assert "nullValues on email" in html
    assert "20% nulls in email" in html


@pytest.mark.parametrize("model", ["qualityrun", "checkresult", "qualityscore"])
def test_lists_search_and_filter(admin_client, make_product, model):
    product = make_product()
    product_quality_check(product_id=product.pk)
    response = admin_client.get(f"/admin/governance/{model}/", {"q": "customers"})
    assert response.status_code == 200
    assert "sales.customers" in response.content.decode()
    assert admin_client.get(f"/admin/governance/{model}/add/").status_code == 403


def test_api_ports_are_not_checked(make_product):
    product = make_product(slo_hours=24)
    OutputPort.objects.create(product=product, name="api", version="1", kind=OutputPort.Kind.API, format="json",
                              location="https://api.example.com/customers")
    product_quality_check(product_id=product.pk)
    product_freshness_check(product_id=product.pk)
    assert set(QualityRun.objects.values_list("port__name", flat=True)) == {"main"}
