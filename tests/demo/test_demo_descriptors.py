"""The demo descriptors: valid ODPS/ODCS, byte-stable, and saying what the truth module says."""
import pytest
import yaml
from django.conf import settings

from demo import truth
from demo.descriptors import demo_descriptors_write, product_documents
from demo.mesh import DOMAINS, PRODUCTS, PRODUCTS_BY_ID
from standards.payload import documents_from_files
from standards.validation import document_schema_errors


@pytest.fixture
def demo_dir():
    return settings.MESHPORT_DATA_ROOTS[0] / "demo-descriptors"


def documents(identifier, demo_dir):
    return product_documents(PRODUCTS_BY_ID[identifier], demo_dir)


def prop(contract, column):
    return next(p for p in contract["schema"][0]["properties"] if p["name"] == column)


def test_every_file_is_valid_against_the_standards_schemas(demo_dir):
    files = demo_descriptors_write(data_dir=demo_dir)
    docs = documents_from_files(files.paths)
    kinds = [d.kind for d in docs]
    assert kinds.count("DataProduct") == len(PRODUCTS) >= 30
    assert kinds.count("DataContract") == sum(len(p.ports) for p in PRODUCTS)
    assert [e for d in docs for e in document_schema_errors(d)] == []


def test_files_are_byte_stable_and_not_rewritten(demo_dir):
    first = demo_descriptors_write(data_dir=demo_dir)
    texts = {p: p.read_bytes() for p in first.paths}
    mtimes = {p: p.stat().st_mtime_ns for p in first.paths}
    second = demo_descriptors_write(data_dir=demo_dir)
    assert second.written == 0
    assert {p: p.read_bytes() for p in second.paths} == texts
    assert {p: p.stat().st_mtime_ns for p in second.paths} == mtimes
    parsed = list(yaml.safe_load_all(first.paths[0].read_text()))
    assert parsed == product_documents(PRODUCTS[0], demo_dir)


def test_mesh_shape(demo_dir):
    assert len(DOMAINS) >= 6
    assert all(d.description for d in DOMAINS)
    per_domain = {d.slug: sum(p.domain == d.slug for p in PRODUCTS) for d in DOMAINS}
    assert min(per_domain.values()) >= 5
    assert truth.with_status("draft")
    assert truth.with_status("deprecated")
    assert truth.with_status("retired")
    assert len(truth.with_status("published")) > len(PRODUCTS) / 2
    assert "finance.payments" in truth.with_visibility("restricted")
    assert truth.with_visibility("internal")
    assert truth.lineage_depth() >= 3
    fan_out = {src for src, _ in truth.lineage_edges() if sum(s == src for s, _ in truth.lineage_edges()) >= 3}
    assert "sales.orders" in fan_out
    assert {("sales.orders", "finance.revenue_recognition"), ("finance.invoices", "finance.revenue_recognition"),
            ("sales.orders", "sales.daily_revenue"), ("marketing.web_sessions", "marketing.attribution"),
            ("customer-support.tickets", "customer-support.csat"), ("sales.orders", "logistics.shipments"),
            ("logistics.shipments", "logistics.carrier_performance")} <= truth.lineage_edges()


def test_port_kinds(demo_dir):
    servers = [c["servers"][0] for p in PRODUCTS for c in product_documents(p, demo_dir)[1:]]
    types = {s["type"] for s in servers}
    assert types == {"local", "duckdb", "api"}
    for server in servers:
        if server["type"] == "local":
            assert server["path"].startswith(str(demo_dir))
            assert server["format"] in ("csv", "parquet")
        if server["type"] == "api":
            assert "path" not in server
            assert server["location"].startswith("https://")


def test_input_ports_point_at_the_upstream_contracts(demo_dir):
    contract_ids = {c["id"] for p in PRODUCTS for c in product_documents(p, demo_dir)[1:]}
    for product in PRODUCTS:
        odps = product_documents(product, demo_dir)[0]
        assert len(odps["inputPorts"]) == len(product.inputs)
        assert {port["contractId"] for port in odps["inputPorts"]} <= contract_ids


def test_pii_columns_are_classified(demo_dir):
    contract = documents("finance.payments", demo_dir)[1]
    assert {p["name"] for p in contract["schema"][0]["properties"] if p.get("classification") == "pii"} == {
        "cardholder_name", "card_number", "iban"}
    assert {"sales.customers", "finance.payments", "customer-support.chat_transcripts"} <= truth.pii_products()


def test_the_contracts_forbid_what_the_defects_do(demo_dir):
    emails = prop(documents("sales.customers", demo_dir)[1], "email")
    (null_rule,) = [q for q in emails["quality"] if q["metric"] == "nullValues"]
    assert null_rule["unit"] == "percent"
    assert null_rule["mustBeLessThan"] < 100 * truth.NULL_EMAILS.rate

    order_id = prop(documents("sales.orders", demo_dir)[1], "order_id")
    assert order_id["primaryKey"]
    assert {"metric": "duplicateValues", "mustBe": 0}.items() <= order_id["quality"][1].items()

    platform = prop(documents("marketing.ad_spend", demo_dir)[1], "platform")
    (invalid,) = [q for q in platform["quality"] if q["metric"] == "invalidValues"]
    assert not set(truth.INVALID_PLATFORMS.invalid_values) & set(invalid["arguments"]["validValues"])

    snapshots = documents("logistics.inventory_snapshots", demo_dir)[1]
    (latency,) = [s for s in snapshots["slaProperties"] if s["property"] == "latency"]
    assert (latency["value"], latency["unit"]) == (truth.STALE_SNAPSHOTS.slo_hours, "h")

    events = documents("logistics.delivery_events", demo_dir)[1]
    names = {p["name"]: p["physicalType"] for p in events["schema"][0]["properties"]}
    assert set(truth.DRIFTED_DELIVERY_EVENTS.renamed) <= set(names)
    assert not set(truth.DRIFTED_DELIVERY_EVENTS.extra) & set(names)
    assert names["dwell_minutes"] == truth.DRIFTED_DELIVERY_EVENTS.retyped["dwell_minutes"][0]


def test_sql_rules_use_mustbe_operators(demo_dir):
    sql_rules = [q for p in PRODUCTS for c in product_documents(p, demo_dir)[1:]
                 for q in c["schema"][0]["quality"] if q.get("type") == "sql"]
    assert len(sql_rules) >= 2
    assert all("{object}" in q["query"] and any(k.startswith("mustBe") for k in q) for q in sql_rules)
