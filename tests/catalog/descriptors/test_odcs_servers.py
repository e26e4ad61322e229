"""Every ODCS server type is catalogued: contracts on any of them import, and the ports Meshport
cannot read are kept, shown as "not profiled" with the reason, and skipped by the profiler."""
import copy
import json
from pathlib import Path

import pytest
import yaml

from catalog.descriptors.export import descriptor_export
from catalog.descriptors.services import descriptors_import
from catalog.models import DataProduct, OutputPort
from profiling import services as profiling

from .conftest import data_root

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[3] / "standards" / "schemas"
URL = "/api/products/"


def server_entries() -> dict[str, dict]:
    """One server entry per ODCS v3.1 type, written for these tests (tables in the sales schema)."""
    folder = data_root() / "sales"
    return {
        "api": {"location": "https://orders.example.test/api/v2/orders"},
        "athena": {"stagingDir": "s3://sales-athena-results/staging/", "schema": "sales", "regionName": "eu-west-1"},
        "azure": {"location": "abfss://lake@salesacct.dfs.core.windows.net/orders/", "format": "parquet"},
        "bigquery": {"project": "acme-sales", "dataset": "sales"},
        "clickhouse": {"host": "ch.sales.test", "port": 8123, "database": "sales"},
        "databricks": {"host": "adb-7.databricks.test", "catalog": "main", "schema": "sales"},
        "denodo": {"host": "denodo.sales.test", "port": 9999, "database": "sales"},
        "dremio": {"host": "dremio.sales.test", "port": 31010, "schema": "sales"},
        "duckdb": {"database": str(folder / "warehouse.duckdb"), "schema": "sales"},
        "glue": {"account": "210987654321", "database": "sales", "location": "s3://sales-glue/orders/", "format": "parquet"},
        "cloudsql": {"host": "10.20.30.40", "port": 5432, "database": "shop", "schema": "sales"},
        "db2": {"host": "db2.sales.test", "port": 50000, "database": "SHOP", "schema": "sales"},
        "hive": {"host": "hive.sales.test", "port": 10000, "database": "sales"},
        "impala": {"host": "impala.sales.test", "port": 21050, "database": "sales"},
        "informix": {"host": "ifx.sales.test", "port": 9088, "database": "sales"},
        "kafka": {"host": "broker-1.sales.test:9092", "format": "avro"},
        "kinesis": {"region": "eu-central-1", "format": "json"},
        "local": {"path": str(folder / "orders_local.csv"), "format": "csv"},
        "mysql": {"host": "mysql.sales.test", "port": 3306, "database": "sales"},
        "oracle": {"host": "ora.sales.test", "port": 1521, "serviceName": "SALESPDB"},
        "postgresql": {"host": "pg.sales.test", "port": 5432, "database": "shop", "schema": "sales"},
        "postgres": {"host": "pg2.sales.test", "port": 5433, "database": "shop", "schema": "sales"},
        "presto": {"host": "presto.sales.test:8080", "catalog": "hive", "schema": "sales"},
        "pubsub": {"project": "acme-sales"},
        "redshift": {"host": "rs.sales.test", "database": "dev", "schema": "sales", "region": "us-east-1", "account": "4321"},
        "s3": {"location": "s3://acme-sales/orders/", "format": "parquet"},
        "sftp": {"location": "sftp://files.sales.test/outbox/orders.csv", "format": "csv"},
        "snowflake": {"account": "acme-sales", "database": "SHOP", "schema": "SALES", "warehouse": "REPORTING"},
        "sqlserver": {"host": "mssql.sales.test", "port": 1433, "database": "shop", "schema": "sales"},
        "synapse": {"host": "syn.sales.test", "port": 1433, "database": "sales"},
        "trino": {"host": "trino.sales.test", "port": 443, "catalog": "lake", "schema": "sales"},
        "vertica": {"host": "vertica.sales.test", "port": 5433, "database": "shop", "schema": "sales"},
        "zen": {"host": "zen.sales.test", "database": "sales"},
        "custom": {"host": "legacy.sales.test", "schema": "sales", "format": "fixed-width"},
    }


READABLE = {"local", "duckdb", "postgres", "postgresql"}


def contract_on(server_type: str, *, api_version="v3.1.0") -> dict:
    server = {"server": f"{server_type}-prod", "type": server_type, "environment": "prod", **server_entries()[server_type]}
    return {
        "apiVersion": api_version, "kind": "DataContract", "id": f"c-{server_type}", "name": f"orders on {server_type}",
        "version": "1.0.0", "status": "active", "domain": "sales", "servers": [server],
        # An Oracle server names no schema: the table's physical name carries it.
        "schema": [{"name": f"orders_{server_type}", "physicalName": "sales.orders" if server_type == "oracle" else "orders",
                    "properties": [
            {"name": "order_id", "logicalType": "integer", "required": True},
            {"name": "placed_at", "logicalType": "timestamp"},
        ]}],
    }


def product_with(*server_types: str, pid="p-everywhere") -> dict:
    return {
        "apiVersion": "v1.0.0", "kind": "DataProduct", "id": pid, "name": "Orders everywhere", "version": "1.0.0",
        "status": "active", "domain": "sales",
        "outputPorts": [
            {"name": f"orders_{t}", "version": "1.0.0", "contractId": f"c-{t}"} for t in server_types
        ],
    }


def test_the_fixtures_cover_every_server_type_of_odcs_3_1():
    schema = json.loads((SCHEMAS / "odcs-json-schema-v3.1.0.json").read_text())
    assert set(server_entries()) == set(schema["$defs"]["Server"]["properties"]["type"]["enum"])


@pytest.mark.parametrize("server_type", sorted(server_entries()))
def test_a_contract_on_each_server_type_publishes_through_the_api(api, sales_member, server_type):
    api.force_authenticate(sales_member)
    body = {"product": product_with(server_type, pid=f"p-{server_type}") | {"name": f"Orders {server_type}"},
            "contracts": [contract_on(server_type)]}

    response = api.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    port = OutputPort.objects.get(product__identifier=response.json()["identifier"])
    assert port.server_type == server_type
    assert port.contract.external_id == f"c-{server_type}"
    assert port.location, f"no location derived for {server_type}"
    detail = api.get(f"{URL}{port.product.identifier}/").json()["output_ports"][0]
    if server_type in READABLE:
        assert detail["status"] == "ok"
        assert detail["status_reason"] == ""
    else:
        assert detail["status"] == "not_profiled"
        assert detail["status_reason"] == f"not profiled: Meshport cannot read {server_type}"


def test_ports_on_servers_meshport_cannot_read_are_skipped_by_the_profiler(sales):
    types = ["azure", "snowflake", "s3", "local"]
    descriptors_import(documents=[product_with(*types), *(contract_on(t) for t in types)], source="test")
    product = DataProduct.objects.get()

    runs = profiling.product_profile(product_id=product.pk)

    assert [run.port.server_type for run in runs] == ["local"]
    skipped = {p.server_type for p in product.output_ports.all() if not profiling.profilable(p)}
    assert skipped == {"azure", "snowflake", "s3"}


def test_the_product_page_says_why_a_port_is_not_profiled(client, sales_member):
    descriptors_import(documents=[product_with("azure"), contract_on("azure")], source="test")
    client.force_login(sales_member)

    page = client.get("/products/sales.orders_everywhere/?tab=schema").content.decode()

    assert "not profiled: Meshport cannot read azure" in page


def test_every_server_type_round_trips_through_export(sales):
    types = sorted(server_entries())
    descriptors_import(documents=[product_with(*types), *(contract_on(t) for t in types)], source="test")
    product = DataProduct.objects.get()

    exported = list(yaml.safe_load_all(descriptor_export(product)))
    result = descriptors_import(documents=copy.deepcopy(exported), source="test")

    assert result.unchanged == ["sales.orders_everywhere"]
    servers = {c["servers"][0]["type"]: c["servers"][0] for c in exported[1:]}
    assert set(servers) == set(types)
    assert servers["azure"]["location"] == server_entries()["azure"]["location"]


def test_the_official_azure_example_shape_imports(sales):
    # The shape of ODCS's own docs/examples/server/azure-server.odcs.yaml (v3.0.2, status "in development").
    contract = {
        "apiVersion": "v3.0.2", "kind": "DataContract", "id": "c-azure-lake", "version": "0.1.0",
        "status": "in development",
        "servers": [{"server": "lake", "type": "azure", "location": "az://sales-lake/orders", "format": "parquet"}],
    }
    product = product_with("azure") | {"outputPorts": [{"name": "lake", "version": "0.1.0", "contractId": "c-azure-lake"}]}

    descriptors_import(documents=[product, contract], source="test")

    port = OutputPort.objects.get()
    assert (port.kind, port.format, port.location) == ("file", "parquet", "az://sales-lake/orders")
