"""descriptors_import: mapping onto the catalog, idempotent re-import, update in place."""
import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.descriptors.services import descriptors_import
from catalog.models import (
    Column,
    Contract,
    DataProduct,
    Domain,
    InputPort,
    OutputPort,
    ProductTeamMember,
    Tag,
)
from standards.errors import DescriptorError, DescriptorPermissionError

from .conftest import contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db


def run(documents, actor=None):
    return descriptors_import(documents=copy.deepcopy(documents), actor=actor, source="test")


def counts():
    models = (DataProduct, OutputPort, Column, Contract, InputPort, ProductTeamMember, Tag, Domain)
    return {m.__name__: m.objects.count() for m in models}


def test_import_maps_product_ports_columns_and_slos(docs, make_user):
    ana = make_user("ana")
    result = run(docs)

    product = DataProduct.objects.get(identifier="sales.orders")
    assert result.created == ["sales.orders"]
    assert product.external_id == "p-orders"
    assert product.status == "published"
    assert product.visibility == "public"
    assert (product.purpose, product.limitations, product.usage) == ("Every order.", "No refunds.", "Join on order_id.")
    assert sorted(product.tags.values_list("name", flat=True)) == ["orders", "sales"]
    assert product.team_name == "Sales analytics"
    assert product.team_members.get().user == ana
    assert product.support == [{"channel": "#sales-data", "tool": "slack"}]
    assert product.freshness_slo_hours == 48
    assert product.availability_slo == 99.5
    port = product.output_ports.get()
    assert (port.kind, port.format, port.server_type) == ("file", "csv", "local")
    assert port.location == str(data_root() / "sales" / "orders.csv")  # the prod server, not dev
    assert port.contract.external_id == "c-orders"
    assert port.schema_object == "orders"  # the object named like the port, not the first
    columns = list(port.columns.values_list("name", "position", "primary_key", "classification", "critical"))
    assert columns == [("order_id", 0, True, "", False), ("email", 1, False, "pii", True), ("amount", 2, False, "", False)]


def test_domain_is_created_for_the_command_line():
    run([product_doc(domain="logistics"), contract_doc(path=str(data_root() / "logistics" / "orders.csv"))])
    assert DataProduct.objects.get().identifier == "logistics.orders"
    assert Domain.objects.get(slug="logistics").name == "Logistics"


def test_slug_from_custom_property_and_status_mapping(sales):
    doc = product_doc(status="proposed", customProperties=[
        {"property": "slug", "value": "order_lines"}, {"property": "visibility", "value": "restricted"}])
    run([doc, contract_doc()])
    product = DataProduct.objects.get()
    assert (product.identifier, product.status, product.visibility) == ("sales.order_lines", "draft", "restricted")


def test_reimport_of_the_same_documents_writes_nothing(docs, sales):
    run(docs)
    before = counts()
    stamps = {p.pk: p.updated for p in OutputPort.objects.all()}
    product_updated = DataProduct.objects.get().updated

    with CaptureQueriesContext(connection) as queries:
        result = run(docs)

    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert (result.created, result.updated, result.unchanged) == ([], [], ["sales.orders"])
    assert counts() == before
    assert DataProduct.objects.get().updated == product_updated
    assert {p.pk: p.updated for p in OutputPort.objects.all()} == stamps


def test_reimport_keeps_what_a_pipeline_reported_beyond_the_contract(docs, sales):
    """A schema facet adds a column and a type the contract leaves out; re-importing must not undo them."""
    from profiling.observed import output_port_schema_observe

    run(docs)
    port = OutputPort.objects.get()
    output_port_schema_observe(port=port, fields=[{"name": "order_id", "type": "BIGINT"},
                                                  {"name": "amount", "type": "DECIMAL(10,2)"},
                                                  {"name": "coupon", "type": "TEXT"}], source="test")
    observed = list(port.columns.values_list("name", "physical_type", "observed"))
    assert ("coupon", "TEXT", True) in observed
    assert ("amount", "DECIMAL(10,2)", False) in observed
    product_updated = DataProduct.objects.get().updated

    assert run(docs).unchanged == ["sales.orders"]
    assert list(port.columns.values_list("name", "physical_type", "observed")) == observed
    assert DataProduct.objects.get().updated == product_updated

    # Once the contract declares the column, it is the contract's.
    product, contract = copy.deepcopy(docs)
    contract["schema"][1]["properties"].append({"name": "coupon", "logicalType": "string", "physicalType": "varchar"})
    assert run([product, contract]).updated == ["sales.orders"]
    assert port.columns.filter(name="coupon").values_list("physical_type", "observed").get() == ("varchar", False)


def test_key_order_does_not_count_as_a_change(docs, sales):
    run(docs)
    reordered = [dict(reversed(list(d.items()))) for d in docs]
    assert run(reordered).unchanged == ["sales.orders"]


def test_changed_document_updates_in_place(docs, sales):
    run(docs)
    product_pk = DataProduct.objects.get().pk
    product, contract = copy.deepcopy(docs)
    product["name"] = "Orders renamed"
    product["tags"] = ["orders", "gold"]
    product["team"]["members"] = [{"username": "bob", "role": "steward"}]
    product["outputPorts"].append({"name": "orders_daily", "version": "1.0.0", "contractId": "c-orders"})
    props = contract["schema"][1]["properties"]
    props[2]["description"] = "In cents."
    del props[1]
    props.append({"name": "currency", "logicalType": "string"})

    result = run([product, contract])

    assert result.updated == ["sales.orders"]
    product_row = DataProduct.objects.get()
    assert product_row.pk == product_pk
    assert product_row.identifier == "sales.orders"  # the slug never changes on re-import
    assert product_row.name == "Orders renamed"
    assert sorted(product_row.tags.values_list("name", flat=True)) == ["gold", "orders"]
    assert list(product_row.team_members.values_list("username", "role")) == [("bob", "steward")]
    port = product_row.output_ports.get(name="orders")
    assert list(port.columns.values_list("name", "description")) == [
        ("order_id", ""), ("amount", "In cents."), ("currency", "")]
    assert product_row.output_ports.count() == 2


def test_removed_port_is_deleted(docs, sales):
    run(docs)
    product, contract = docs
    product["outputPorts"] = []
    run([product, contract])
    assert (OutputPort.objects.count(), Column.objects.count()) == (0, 0)


def test_changed_contract_updates_products_that_use_it(docs, sales):
    run(docs)
    contract = contract_doc(slaProperties=[{"property": "latency", "value": 6, "unit": "h"}])
    result = run([contract])
    assert result.updated == ["sales.orders"]
    assert DataProduct.objects.get().freshness_slo_hours == 6


def test_contract_already_in_the_catalog_is_found(docs, sales):
    run([docs[1]])
    run([product_doc(pid="p-two", name="Orders two")])
    assert OutputPort.objects.get().contract.external_id == "c-orders"


def test_input_ports_resolve_when_the_source_appears_later(docs, sales):
    consumer = product_doc(pid="p-rev", name="Revenue", outputPorts=[],
                           inputPorts=[{"name": "orders", "version": "1.0.0", "contractId": "c-orders"}])
    run([consumer])
    assert InputPort.objects.get().source_port is None

    run(docs)

    assert InputPort.objects.get().source_port == OutputPort.objects.get(product__external_id="p-orders")


def test_changes_are_announced_only_for_changed_products(docs, sales, monkeypatch):
    seen = []
    monkeypatch.setattr("catalog.descriptors.services.changes_announce",
                        lambda changes: seen.append(sorted((c.product_id, c.kind) for c in changes.changes.values())))
    run(docs)
    run(docs)
    assert seen == [[(DataProduct.objects.get().pk, "created")], []]


def test_invalid_documents_write_nothing(docs, sales):
    run(docs)
    before = counts()
    product, contract = copy.deepcopy(docs)
    product["name"] = "Changed"
    contract["servers"][1]["type"] = "nosuchdb"
    with pytest.raises(DescriptorError):
        run([product, contract])
    assert counts() == before
    assert DataProduct.objects.get().name == "Orders"


def test_team_member_is_linked_by_email(sales, make_user):
    ana = make_user("ana.s", email="ana@acme.example")
    product = product_doc(team={"name": "Sales", "members": [{"username": "ana@acme.example", "role": "owner"}]})
    run([product, contract_doc()])
    assert ProductTeamMember.objects.get().user == ana


def test_changing_a_contract_another_domain_uses_is_forbidden(docs, sales, finance_owner):
    run(docs)
    changed = contract_doc(domain="finance", slaProperties=[{"property": "latency", "value": 1, "unit": "h"}])
    with pytest.raises(DescriptorPermissionError):
        run([changed], actor=finance_owner)
    assert Contract.objects.get().document["domain"] == "sales"
    assert DataProduct.objects.get().freshness_slo_hours == 48


def test_member_imports_in_own_domain_but_not_elsewhere(docs, sales, sales_member, finance):
    assert run(docs, actor=sales_member).created == ["sales.orders"]
    with pytest.raises(DescriptorPermissionError):
        run([product_doc(pid="p-fin", name="Ledger", domain="finance")], actor=sales_member)
    assert DataProduct.objects.count() == 1
