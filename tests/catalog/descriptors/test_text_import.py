"""descriptor_text_import: one descriptor as text (the publish page), errors with lines, dry runs."""
import json

import pytest
import yaml

from catalog import changes
from catalog.descriptors.services import descriptor_text_import
from catalog.models import Contract, DataProduct
from standards.errors import DescriptorError
from tests.catalog.descriptor_texts import STATUS_LINE, broken_orders_yaml, orders_yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(sales):
    """Product ids announced as created or updated (after commit)."""
    received = []

    def listen(sender, changes, **kwargs):
        received.extend(c.product_id for c in changes)

    for signal in (changes.product_created, changes.product_updated):
        signal.connect(listen)
    yield received
    for signal in (changes.product_created, changes.product_updated):
        signal.disconnect(listen)


def test_dry_run_writes_nothing_and_announces_nothing(steward, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = descriptor_text_import(text=orders_yaml(), name="descriptor", actor=steward, dry_run=True)
    assert result.created == ["sales.web_orders"]
    assert not DataProduct.objects.exists()
    assert sent == []


def test_publishing_announces_the_product_after_commit(steward, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        descriptor_text_import(text=orders_yaml(), name="descriptor", actor=steward)
    assert sent == [DataProduct.objects.get(identifier="sales.web_orders").pk]


def test_json_text_is_read_as_json_with_lines(steward):
    product, contract = yaml.safe_load_all(broken_orders_yaml())
    text = json.dumps([product, contract], indent=2)
    with pytest.raises(DescriptorError) as caught:
        descriptor_text_import(text=text, name="descriptor", actor=steward)
    status = next(e for e in caught.value.errors if e["path"] == "product.status")
    assert text.splitlines()[status["line"] - 1].strip() == '"status": 12,'


def test_errors_name_the_uploaded_file_and_the_line(steward):
    with pytest.raises(DescriptorError) as caught:
        descriptor_text_import(text=broken_orders_yaml(), name="orders.yaml", actor=steward)
    assert caught.value.lines()[0] == f"orders.yaml:{STATUS_LINE}: product.status: Expected string, got integer 12."


def test_a_descriptor_without_a_product_is_refused(steward, sales):
    contract_only = orders_yaml().split("---\n")[1]
    with pytest.raises(DescriptorError, match="The descriptor is invalid") as caught:
        descriptor_text_import(text=contract_only, name="descriptor", actor=steward)
    assert caught.value.errors == [
        {"path": "product", "message": "Expected exactly one ODPS document (kind: DataProduct), found 0."}
    ]
    assert not Contract.objects.exists()
