"""Re-importing a contract that several products use is never silent: the answer names every other
product it rewrote, and a change that would rewrite a domain the actor may not write is refused (403).

One contract may describe several tables (one schema object each); products of the same domain
then share it, each reading its own table.
"""
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from catalog.descriptors.services import descriptors_import
from catalog.models import Contract, DataProduct, OutputPort

from .conftest import data_root, product_doc

pytestmark = pytest.mark.django_db

URL = "/api/products/"
TABLES = ("orders", "orders_eu", "orders_us")


def warehouse_contract(*, version="1.0.0", extra_column=None) -> dict:
    columns = [{"name": "order_id", "logicalType": "integer"}, {"name": "amount", "logicalType": "number"}]
    if extra_column:
        columns.append({"name": extra_column, "logicalType": "string"})
    return {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "c-warehouse", "version": version, "status": "active",
        "domain": "sales",
        "servers": [{"server": "wh", "type": "duckdb", "environment": "prod", "schema": "sales",
                     "database": str(data_root() / "sales" / "warehouse.duckdb")}],
        "schema": [{"name": table, "physicalName": table, "properties": columns} for table in TABLES],
    }


def table_product(table: str, *, domain="sales") -> dict:
    return product_doc(pid=f"p-{table}", name=table.replace("_", " ").title(), domain=domain,
                       outputPorts=[{"name": table, "version": "1.0.0", "contractId": "c-warehouse"}])


@pytest.fixture
def shared(sales):
    """sales.orders, sales.orders_eu and sales.orders_us all publish tables of c-warehouse."""
    descriptors_import(documents=[*(table_product(t) for t in TABLES), warehouse_contract()], source="test")


def legacy_finance_user(table: str):
    """A finance product on the sales contract, as databases from before the ownership rules hold."""
    own = warehouse_contract() | {"id": f"c-{table}", "domain": "finance"}
    own["servers"] = [{**own["servers"][0], "database": str(data_root() / "finance" / f"{table}.duckdb")}]
    product = table_product(table, domain="finance")
    product["outputPorts"][0]["contractId"] = f"c-{table}"
    descriptors_import(documents=[product, own], source="test")
    product = DataProduct.objects.get(identifier=f"finance.{table}")
    product.descriptor["outputPorts"][0]["contractId"] = "c-warehouse"
    product.save(update_fields=["descriptor"])
    OutputPort.objects.filter(product=product).update(contract=Contract.objects.get(external_id="c-warehouse"),
                                                      contract_ref="c-warehouse")
    return product


def test_the_api_answer_names_every_other_product_the_contract_change_rewrote(api, sales_member, shared):
    api.force_authenticate(sales_member)
    body = {"product": table_product("orders"), "contracts": [warehouse_contract(version="1.1.0", extra_column="currency")]}

    response = api.post(URL, body, format="json")

    assert response.status_code == 200, response.json()
    messages = [w["message"] for w in response.json()["warnings"] if w["path"] == "contracts[0]"]
    assert len(messages) == 1
    assert "c-warehouse" in messages[0]
    assert "sales.orders_eu" in messages[0]
    assert "sales.orders_us" in messages[0]
    assert sorted(response.json()["updated"]) == ["sales.orders", "sales.orders_eu", "sales.orders_us"]
    eu = OutputPort.objects.get(product__identifier="sales.orders_eu")
    assert "currency" in eu.columns.values_list("name", flat=True)


def test_a_change_that_would_rewrite_another_domains_products_is_refused_naming_them(
        api, sales_member, shared, finance):
    legacy_finance_user("orders_fin")
    legacy_finance_user("refunds_fin")
    api.force_authenticate(sales_member)
    body = {"product": table_product("orders"), "contracts": [warehouse_contract(version="1.1.0", extra_column="currency")]}

    response = api.post(URL, body, format="json")

    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "finance.orders_fin" in detail
    assert "finance.refunds_fin" in detail
    assert "c-warehouse" in detail
    assert "sales.orders_eu" not in detail  # the actor may write that one
    assert Contract.objects.get(external_id="c-warehouse").version == "1.0.0"  # nothing written


def test_the_command_line_prints_the_rewritten_products(shared, tmp_path):
    path = tmp_path / "orders.yaml"
    path.write_text(yaml.safe_dump_all([table_product("orders"), warehouse_contract(version="1.1.0")]))
    out = StringIO()

    call_command("import_descriptors", str(path), stdout=out)

    warnings = [line for line in out.getvalue().splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "sales.orders_eu" in warnings[0]
    assert "sales.orders_us" in warnings[0]


def test_an_unchanged_shared_contract_warns_about_nothing(api, sales_member, shared):
    api.force_authenticate(sales_member)

    response = api.post(URL, {"product": table_product("orders"), "contracts": [warehouse_contract()]}, format="json")

    assert response.status_code == 200
    assert response.json()["warnings"] == []
