"""The compiled fast validator and the explaining one must agree on what is valid."""
import copy

import pytest

from standards.payload import CONTRACT_KIND, PRODUCT_KIND
from standards.validation import fast_validator, schema_validator

from .conftest import contract_doc, product_doc


def variant(doc, change):
    doc = copy.deepcopy(doc)
    change(doc)
    return doc


PRODUCTS = [
    product_doc(),
    variant(product_doc(), lambda d: d.pop("id")),
    variant(product_doc(), lambda d: d.update(status=12)),
    variant(product_doc(), lambda d: d.update(bogus=True)),
    variant(product_doc(), lambda d: d["outputPorts"][0].pop("version")),
    variant(product_doc(), lambda d: d["team"]["members"][0].update(username=None)),
    variant(product_doc(), lambda d: d.update(inputPorts=[{"name": "a", "version": "1"}])),
    variant(product_doc(), lambda d: d.update(kind="DataContract")),
]
CONTRACTS = [
    contract_doc(),
    contract_doc(apiVersion="v3.2.0"),
    variant(contract_doc(), lambda d: d["servers"][0].update(type="nosuchdb")),
    variant(contract_doc(), lambda d: d["servers"][0].pop("format")),
    variant(contract_doc(), lambda d: d.update(servers=[{"server": "p", "type": "postgres", "host": "h"}])),
    variant(contract_doc(), lambda d: d["schema"][1]["properties"][0].update(logicalType="strin")),
    variant(contract_doc(), lambda d: d["schema"][1]["properties"][0].update(whatever=1)),
    variant(contract_doc(), lambda d: d.update(team=[{"username": "ana"}])),
    variant(contract_doc(), lambda d: d.update(apiVersion="v9")),
]


@pytest.mark.parametrize(("kind", "doc"), [(PRODUCT_KIND, d) for d in PRODUCTS] + [(CONTRACT_KIND, d) for d in CONTRACTS])
def test_fast_and_explaining_validators_agree(kind, doc):
    explained = list(schema_validator(kind).iter_errors(doc))
    assert fast_validator(kind).is_valid(doc) == (not explained)


def test_the_fixtures_cover_both_outcomes():
    outcomes = {fast_validator(PRODUCT_KIND).is_valid(d) for d in PRODUCTS}
    outcomes |= {fast_validator(CONTRACT_KIND).is_valid(d) for d in CONTRACTS}
    assert outcomes == {True, False}
