"""``?format=csv`` filters products by their ports' format, on the products API and the search API
(DRF's ``format`` override would otherwise take the parameter and answer 404)."""
import pytest

from catalog.descriptors.services import descriptors_import
from catalog.models import DataProduct
from search.backends import get_backend
from search.documents import product_documents

from .conftest import contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def csv_and_parquet(sales):
    parquet = contract_doc(cid="c-visits", name="visits")
    parquet["servers"][1].update(path=str(data_root() / "sales" / "visits.parquet"), format="parquet")
    descriptors_import(documents=[
        product_doc(), contract_doc(),
        product_doc(pid="p-visits", name="Visits", contract_id="c-visits", outputPorts=[
            {"name": "visits", "version": "1.0.0", "contractId": "c-visits"}]),
        parquet,
    ], source="test")
    backend = get_backend()
    backend.upsert(product_documents(list(DataProduct.objects.values_list("pk", flat=True))))
    backend.refresh()


def identifiers(response) -> list[str]:
    return sorted(r["identifier"] for r in response.json()["results"])


def test_format_filters_the_products_api(api, csv_and_parquet):
    response = api.get("/api/products/?format=csv")
    assert response.status_code == 200, response.content
    assert identifiers(response) == ["sales.orders"]
    assert identifiers(api.get("/api/products/?format=parquet")) == ["sales.visits"]
    assert identifiers(api.get("/api/products/?format=avro")) == []


def test_format_filters_the_search_api(api, csv_and_parquet):
    response = api.get("/api/search/?format=parquet")
    assert response.status_code == 200, response.content
    assert identifiers(response) == ["sales.visits"]
    assert identifiers(api.get("/api/search/?q=&format=csv")) == ["sales.orders"]


def test_json_is_still_the_answer(api, csv_and_parquet):
    response = api.get("/api/products/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert identifiers(response) == []  # no port is in JSON format: it is a filter now
