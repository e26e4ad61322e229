"""Each contract is validated against the ODCS version it declares; ODPS products in the shape of
the standard's own examples (older apiVersion, contracts not yet known) import, flagged."""
import copy

import pytest
import yaml

from catalog.descriptors.export import descriptor_export
from catalog.descriptors.services import descriptors_import
from catalog.models import Column, Contract, DataProduct, OutputPort
from standards.errors import DescriptorError

from .conftest import contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db

URL = "/api/products/"


def untyped_contract(api_version: str) -> dict:
    """A contract whose properties carry no logicalType (optional in v3.0 and v3.1)."""
    return {
        "apiVersion": api_version, "kind": "DataContract", "id": f"c-visits-{api_version}", "version": "2.0.0",
        "status": "active", "domain": "sales",
        "servers": [{"server": "files", "type": "local", "environment": "prod", "format": "csv",
                     "path": str(data_root() / "sales" / f"visits-{api_version}.csv")}],
        "schema": [{"name": "visits", "physicalName": "visits", "properties": [
            {"name": "visit_id", "physicalType": "varchar(36)", "required": True},
            {"name": "shop", "description": "Where the visit happened."},
            {"name": "duration_s"},
        ]}],
    }


def visits_product(api_version: str) -> dict:
    return product_doc(pid=f"p-visits-{api_version}", name=f"Visits {api_version.replace('.', '_')}",
                       outputPorts=[{"name": "visits", "version": "2.0.0", "contractId": f"c-visits-{api_version}"}])


@pytest.mark.parametrize("api_version", ["v3.0.2", "v3.1.0"])
def test_untyped_properties_import_through_the_api_and_round_trip(api, sales_member, api_version):
    api.force_authenticate(sales_member)

    response = api.post(URL, {"product": visits_product(api_version), "contracts": [untyped_contract(api_version)]},
                        format="json")

    assert response.status_code == 201, response.json()
    identifier = response.json()["identifier"]
    columns = Column.objects.filter(port__product__identifier=identifier).order_by("position")
    assert [(c.name, c.logical_type) for c in columns] == [("visit_id", ""), ("shop", ""), ("duration_s", "")]
    assert Contract.objects.get().api_version == api_version

    exported = list(yaml.safe_load_all(descriptor_export(DataProduct.objects.get(identifier=identifier))))
    assert exported[1]["apiVersion"] == api_version
    assert "logicalType" not in exported[1]["schema"][0]["properties"][0]
    again = api.put(f"{URL}{identifier}/", {"product": exported[0], "contracts": exported[1:]}, format="json")
    assert again.status_code == 200, again.json()
    assert again.json()["unchanged"] == [identifier]


def test_each_version_is_held_to_its_own_schema(sales):
    # relationships arrived in v3.1.0: a v3.0.2 contract may not use them, a v3.1.0 one may.
    relationship = [{"type": "foreignKey", "to": "shops.id"}]
    old = untyped_contract("v3.0.2")
    old["schema"][0]["properties"][1]["relationships"] = relationship
    with pytest.raises(DescriptorError) as caught:
        descriptors_import(documents=[visits_product("v3.0.2"), old], source="test")
    assert [e["path"] for e in caught.value.errors] == ["contracts[0].schema[0].properties[1].relationships"]

    new = untyped_contract("v3.1.0")
    new["schema"][0]["properties"][1]["relationships"] = relationship
    descriptors_import(documents=[visits_product("v3.1.0"), new], source="test")
    assert Contract.objects.get().document["schema"][0]["properties"][1]["relationships"] == relationship


@pytest.mark.parametrize("api_version", ["v2.2.2", "v9.0.0"])
def test_an_odcs_version_meshport_does_not_read_is_named(sales, api_version):
    with pytest.raises(DescriptorError) as caught:
        descriptors_import(documents=[product_doc(), contract_doc(apiVersion=api_version)], source="test")
    errors = {e["path"]: e["message"] for e in caught.value.errors}
    assert set(errors) == {"contracts[0].apiVersion"}
    assert api_version in errors["contracts[0].apiVersion"]
    assert "v3.1.0" in errors["contracts[0].apiVersion"]


def odps_example_product() -> dict:
    """A product shaped like ODPS's published examples: v0.9.0, several ports, contracts unknown here."""
    return {
        "apiVersion": "v0.9.0", "kind": "DataProduct", "name": "Customer view", "id": "2f0c6f4e-customer-view",
        "domain": "sales", "status": "draft", "tenant": "ShopCo",
        "description": {"purpose": "One view of each customer.", "limitations": "None known.", "usage": "Join on id."},
        "tags": ["customer"],
        "inputPorts": [{"name": "payments", "version": "1.0.0", "contractId": "c-payments-unknown"}],
        "outputPorts": [
            {"name": "rawcustomers", "description": "Raw customers", "type": "tables", "version": "1.0.0",
             "contractId": "c-rawcustomers"},
            {"name": "rawcustomers", "description": "Raw customers", "type": "tables", "version": "2.0.0",
             "contractId": "c-rawcustomers-v2", "tags": ["customers"],
             "sbom": [{"type": "external", "url": "https://sbom.example.test/customers"}],
             "inputContracts": [{"id": "c-payments-unknown", "version": "1.0.0"}]},
            {"name": "orders", "type": "tables", "version": "1.0.0", "contractId": "c-orders"},
        ],
        "managementPorts": [{"name": "dictionary-updates", "content": "dictionary", "type": "topic"}],
        "team": {"name": "Customer team", "members": [{"username": "ana", "name": "Ana", "role": "owner",
                                                       "dateIn": "2024-03-01"}]},
    }


def test_an_odps_example_shaped_product_imports_with_its_contracts_pending(api, sales_member):
    api.force_authenticate(sales_member)

    response = api.post(URL, {"product": odps_example_product(), "contracts": [contract_doc()]}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    product = DataProduct.objects.get()
    assert product.descriptor["apiVersion"] == "v1.0.0"
    assert any(w["path"] == "product.apiVersion" and "v0.9.0" in w["message"] for w in body["warnings"])
    assert product.flags["contract_pending"] == {"rawcustomers@1.0.0": "c-rawcustomers",
                                                 "rawcustomers@2.0.0": "c-rawcustomers-v2"}
    ports = {p["version"] + p["name"]: p for p in api.get(f"{URL}{product.identifier}/").json()["output_ports"]}
    assert ports["1.0.0rawcustomers"]["status"] == "contract_pending"
    assert "c-rawcustomers" in ports["1.0.0rawcustomers"]["status_reason"]
    assert ports["1.0.0orders"]["status"] == "ok"
    assert api.get(f"{URL}{product.identifier}/").json()["flags"]["contract_pending"]


def test_a_pending_port_resolves_when_its_contract_is_imported(sales):
    descriptors_import(documents=[odps_example_product(), contract_doc()], source="test")
    pending = contract_doc(cid="c-rawcustomers", name="rawcustomers", path=str(data_root() / "sales" / "raw.csv"))

    result = descriptors_import(documents=[pending], source="test")

    port = OutputPort.objects.get(name="rawcustomers", version="1.0.0")
    assert port.contract.external_id == "c-rawcustomers"
    assert port.location.endswith("raw.csv")
    product = DataProduct.objects.get()
    assert product.flags["contract_pending"] == {"rawcustomers@2.0.0": "c-rawcustomers-v2"}
    assert result.updated == [product.identifier]


def test_the_pending_product_exports_and_imports_unchanged(sales):
    descriptors_import(documents=[odps_example_product(), contract_doc()], source="test")
    exported = list(yaml.safe_load_all(descriptor_export(DataProduct.objects.get())))

    result = descriptors_import(documents=copy.deepcopy(exported), source="test")

    assert result.unchanged == ["sales.customer_view"]
    assert [c["id"] for c in exported[1:]] == ["c-orders"]


def test_the_product_page_shows_a_pending_contract(client, sales_member):
    descriptors_import(documents=[odps_example_product(), contract_doc()], source="test")
    client.force_login(sales_member)

    page = "".join(client.get(f"/products/sales.customer_view/?tab={tab}").content.decode() for tab in ("schema", "contract"))

    assert "contract pending" in page.lower()
    assert "c-rawcustomers-v2" in page


def test_an_odps_version_meshport_does_not_read_is_named(sales):
    with pytest.raises(DescriptorError) as caught:
        descriptors_import(documents=[product_doc(apiVersion="v0.1.0"), contract_doc()], source="test")
    errors = {e["path"]: e["message"] for e in caught.value.errors}
    assert set(errors) == {"product.apiVersion"}
    assert "v0.1.0" in errors["product.apiVersion"]
    assert "v1.0.0" in errors["product.apiVersion"]


@pytest.mark.parametrize("kind_doc", ["product", "contract"])
def test_an_apiversion_that_is_not_a_string_is_a_400(api, sales_member, kind_doc):
    body = {"product": product_doc(), "contracts": [contract_doc()]}
    target = body["product"] if kind_doc == "product" else body["contracts"][0]
    target["apiVersion"] = ["v1.0.0"]
    api.force_authenticate(sales_member)

    response = api.post(URL, body, format="json")

    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert paths == {"product.apiVersion" if kind_doc == "product" else "contracts[0].apiVersion"}
