"""Validation: every failing path is reported, with the standard's schema and our own rules."""
import copy

import pytest

from catalog.descriptors.services import descriptors_import
from catalog.models import Contract, DataProduct
from standards.errors import DescriptorError
from standards.payload import documents_from_payload

from .conftest import bundle, contract_doc, product_doc

pytestmark = pytest.mark.django_db


def errors_of(documents, actor=None) -> dict[str, str]:
    with pytest.raises(DescriptorError) as caught:
        descriptors_import(documents=copy.deepcopy(documents), actor=actor, source="test")
    return {e["path"]: e["message"] for e in caught.value.errors}


def test_all_errors_are_reported_at_once(sales):
    product = product_doc(status=12)
    del product["id"]
    contract = contract_doc()
    contract["servers"][1]["type"] = "nosuchdb"

    errors = errors_of(documents_from_payload(bundle(product, contract)))

    assert set(errors) == {"product.id", "product.status", "contracts[0].servers[1].type"}
    assert "required" in errors["product.id"]
    assert "string" in errors["product.status"]
    assert "nosuchdb" in errors["contracts[0].servers[1].type"]
    assert DataProduct.objects.count() == 0
    assert Contract.objects.count() == 0


def test_port_errors_name_the_port(sales):
    product = product_doc(outputPorts=[
        {"name": "orders", "version": "1.0.0", "contractId": "c-orders"},
        {"name": "orders", "version": "1.0.0", "contractId": "c-orders"},
        {"version": "1.0.0"},
        {"name": "late", "version": "1.0.0", "contractId": "c-missing"},
    ], inputPorts=[{"name": "in", "version": "1"}])

    errors = errors_of([product, contract_doc()])

    # outputPorts[3]'s contract is not known yet: that port is kept as contract pending.
    assert set(errors) == {"product.outputPorts[1]", "product.outputPorts[2].name", "product.inputPorts[0].contractId"}


def test_unknown_status_visibility_and_bad_domain(sales):
    product = product_doc(status="live", domain="Sales Team!",
                          customProperties=[{"property": "visibility", "value": "secret"}])
    errors = errors_of([product, contract_doc()])
    assert set(errors) == {"product.status", "product.domain", "product.customProperties[0].value"}


def test_missing_domain_is_reported(sales):
    product = product_doc()
    del product["domain"]
    assert set(errors_of([product, contract_doc()])) == {"product.domain"}


def test_unknown_domain_needs_a_steward(consumer):
    errors = errors_of([product_doc(domain="marketing"), contract_doc()], actor=consumer)
    assert set(errors) == {"product.domain"}
    assert "steward" in errors["product.domain"]


def test_path_outside_data_roots_while_any_odcs_server_is_accepted(sales):
    contract = contract_doc()
    contract["servers"][0] = {"server": "bq", "type": "bigquery", "project": "p", "dataset": "d"}
    contract["servers"][1]["path"] = "/etc/passwd"
    errors = errors_of([product_doc(), contract])
    assert set(errors) == {"contracts[0].servers[1].path"}
    assert "outside the data roots" in errors["contracts[0].servers[1].path"]


def test_server_fields_required_by_its_type(sales):
    contract = contract_doc()
    contract["servers"] = [{"server": "wh", "type": "postgres", "host": "db", "environment": "prod"}]
    errors = errors_of([product_doc(), contract])
    assert set(errors) == {f"contracts[0].servers[0].{k}" for k in ("port", "database", "schema")}


def test_sla_values_must_be_usable(sales):
    contract = contract_doc(slaProperties=[
        {"property": "latency", "value": 1, "unit": "fortnight"},
        {"property": "availability", "value": "high"},
    ])
    errors = errors_of([product_doc(), contract])
    assert set(errors) == {"contracts[0].slaProperties[0].unit", "contracts[0].slaProperties[1].value"}


def test_odcs_3_2_keys_are_accepted_and_kept(sales):
    contract = contract_doc(apiVersion="v3.2.0")
    contract["schema"][1]["properties"][2]["semanticType"] = "measure"
    descriptors_import(documents=[product_doc(), contract], source="test")
    assert Contract.objects.get().document["schema"][1]["properties"][2]["semanticType"] == "measure"


def test_unknown_kind_and_duplicate_ids(sales):
    errors = errors_of([product_doc(), contract_doc(), contract_doc(), {"kind": "Pipeline"}])
    assert set(errors) == {"contracts[0].id", "contracts[1].id", "documents[3].kind"}


def test_a_product_keeps_its_identifier(sales, finance):
    descriptors_import(documents=[product_doc(), contract_doc()], source="test")
    errors = errors_of([product_doc(domain="finance")])
    assert set(errors) == {"product.domain"}
    taken = errors_of([product_doc(pid="p-other")])
    assert "sales.orders" in taken["product.name"]


def test_payload_shapes():
    product, contract = product_doc(), contract_doc()
    assert documents_from_payload(product) == [product]
    assert documents_from_payload({"product": product, "contracts": [contract]}) == [product, contract]
    assert documents_from_payload({"documents": [product, contract]}) == [product, contract]
    with pytest.raises(DescriptorError):
        documents_from_payload(["not", "a", "document"])


def test_values_the_catalog_cannot_hold_are_reported(sales):
    product = product_doc(name="x" * 201, tags=["t" * 65])
    contract = contract_doc()
    props = contract["schema"][1]["properties"]
    props.append(dict(props[0]))
    contract["servers"][1]["format"] = "d" * 40
    errors = errors_of([product, contract])
    assert set(errors) == {
        "product.name", "product.tags[0]",
        "contracts[0].schema[1].properties[3].name", "contracts[0].servers[1].format",
    }


def test_each_unknown_field_is_named(sales):
    contract = contract_doc()
    contract["schema"][1]["properties"][0].update(colour="red", size=3)
    errors = errors_of([product_doc(stauts="active"), contract])
    prop = "contracts[0].schema[1].properties[0]"
    assert set(errors) == {"product.stauts", f"{prop}.colour", f"{prop}.size"}


def test_odps_1_1_keys_are_accepted_and_kept(sales):
    product = product_doc(apiVersion="v1.1.0", type="aggregate", synonyms=["order book"])
    descriptors_import(documents=[product, contract_doc()], source="test")
    stored = DataProduct.objects.get().descriptor
    assert stored["type"] == "aggregate"
    assert stored["synonyms"] == ["order book"]
    assert "product.type" in errors_of([product_doc(pid="p-2", type="sideways")])
