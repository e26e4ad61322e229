"""descriptor_export: what we store, as YAML, importable again with nothing changed."""
import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.descriptors.export import descriptor_export
from catalog.descriptors.services import descriptors_import
from catalog.models import DataProduct

from .conftest import contract_doc, product_doc

pytestmark = pytest.mark.django_db


def test_export_is_the_product_then_its_contracts(docs, sales):
    descriptors_import(documents=docs, source="test")
    product, *contracts = yaml.safe_load_all(descriptor_export(DataProduct.objects.get()))
    assert product["kind"] == "DataProduct"
    assert product["id"] == "p-orders"
    assert [c["id"] for c in contracts] == ["c-orders"]


def test_export_then_import_changes_nothing(docs, sales):
    descriptors_import(documents=docs, source="test")
    documents = list(yaml.safe_load_all(descriptor_export(DataProduct.objects.get())))

    with CaptureQueriesContext(connection) as queries:
        result = descriptors_import(documents=documents, source="test")

    assert result.unchanged == ["sales.orders"]
    assert not [q for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def test_export_shows_what_changed_in_the_catalog(docs, sales):
    descriptors_import(documents=docs, source="test")
    product = DataProduct.objects.get()
    product.status = DataProduct.Status.DEPRECATED
    product.visibility = DataProduct.Visibility.INTERNAL
    product.usage = "Ask first."
    product.save()
    product.tags.clear()

    exported = next(yaml.safe_load_all(descriptor_export(product)))

    assert exported["status"] == "deprecated"
    assert {"property": "visibility", "value": "internal"} in exported["customProperties"]
    assert exported["description"]["usage"] == "Ask first."
    assert exported["tags"] == []


def test_dates_in_yaml_survive_the_round_trip(sales):
    product = product_doc(productCreatedTs="2025-01-02T03:04:05+00:00")
    product["team"]["members"][0]["dateIn"] = "2024-05-01"
    text = yaml.safe_dump_all([product, contract_doc()]).replace("'2024-05-01'", "2024-05-01")
    descriptors_import(documents=list(yaml.safe_load_all(text)), source="test")
    stored = DataProduct.objects.get()
    assert stored.descriptor["team"]["members"][0]["dateIn"] == "2024-05-01"
    again = list(yaml.safe_load_all(descriptor_export(stored)))
    assert descriptors_import(documents=again, source="test").unchanged == ["sales.orders"]
