"""POST/PUT /api/products/: publishing descriptors over the API, with permissions and 400 paths."""
import pytest
import yaml

from catalog.models import Contract, DataProduct, Domain

from .conftest import bundle, contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db

URL = "/api/products/"


def post(api, user, body, **kwargs):
    if user is not None:
        api.force_authenticate(user)
    return api.post(URL, body, format=None if "content_type" in kwargs else "json", **kwargs)


def test_domain_member_publishes_a_bundle(api, sales_member):
    response = post(api, sales_member, bundle())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["identifier"] == "sales.orders"
    assert body["url"].endswith("/products/sales.orders/")
    assert body["api_url"].endswith("/api/products/sales.orders/")
    assert body["created"] == ["sales.orders"]
    assert DataProduct.objects.get().team_members.get().user == sales_member


def test_posting_the_same_bundle_again_is_unchanged(api, sales_member):
    post(api, sales_member, bundle())
    response = post(api, sales_member, bundle())
    assert response.status_code == 200
    assert response.json()["unchanged"] == ["sales.orders"]


def test_steward_publishes_in_a_new_domain(api, steward):
    contract = contract_doc(path=str(data_root() / "marketing" / "orders.csv"))  # data belongs to its domain
    response = post(api, steward, bundle(product_doc(domain="marketing"), contract))
    assert response.status_code == 201
    assert Domain.objects.filter(slug="marketing").exists()


def test_yaml_body_is_accepted(api, sales_member):
    text = yaml.safe_dump_all([product_doc(), contract_doc()])
    response = post(api, sales_member, text, content_type="application/yaml")
    assert response.status_code == 201, response.json()
    assert response.json()["identifier"] == "sales.orders"


def test_three_errors_are_named_and_nothing_is_written(api, sales_member):
    product = product_doc(status=12)
    del product["id"]
    contract = contract_doc()
    contract["servers"][0]["type"] = "floppy"

    response = post(api, sales_member, bundle(product, contract))

    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert {e["path"] for e in body["errors"]} == {"product.id", "product.status", "contracts[0].servers[0].type"}
    assert DataProduct.objects.count() == 0
    assert Contract.objects.count() == 0


def test_status_12_in_yaml_is_rejected(api, sales_member):
    text = yaml.safe_dump_all([product_doc(status=12), contract_doc()])
    response = post(api, sales_member, text, content_type="application/yaml")
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["product.status"]


def test_body_without_a_product_is_rejected(api, sales_member):
    response = post(api, sales_member, {"documents": [contract_doc()]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "product"
    assert Contract.objects.count() == 0


def test_anonymous_gets_401(api, sales):
    assert post(api, None, bundle()).status_code == 401


def test_consumer_gets_403(api, consumer, sales):
    response = post(api, consumer, bundle())
    assert response.status_code == 403
    assert DataProduct.objects.count() == 0


def test_owner_of_another_domain_gets_403(api, finance_owner, sales):
    assert post(api, finance_owner, bundle()).status_code == 403
    assert Contract.objects.count() == 0


def test_put_updates_the_product(api, sales_member):
    post(api, sales_member, bundle())
    changed = product_doc(name="Orders v2", version="2.0.0")
    response = api.put(f"{URL}sales.orders/", bundle(changed), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["updated"] == ["sales.orders"]
    product = DataProduct.objects.get()
    assert (product.identifier, product.name, product.version) == ("sales.orders", "Orders v2", "2.0.0")


def test_put_of_another_product_is_rejected(api, sales_member):
    post(api, sales_member, bundle())
    other = product_doc(pid="p-else", name="Else")
    response = api.put(f"{URL}sales.orders/", bundle(other), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "product.id"
    assert DataProduct.objects.count() == 1


def test_put_by_a_consumer_is_forbidden(api, sales_member, consumer):
    post(api, sales_member, bundle())
    api.force_authenticate(consumer)
    response = api.put(f"{URL}sales.orders/", bundle(product_doc(name="Hijacked")), format="json")
    assert response.status_code == 403
    assert DataProduct.objects.get().name == "Orders"
