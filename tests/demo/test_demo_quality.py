"""Only the rules ``truth.failing_rules()`` names fail on the demo data; every other rule holds.

A small evaluator of the contracts' quality rules, written for this test only (the real engine
belongs to governance); it reads the same contract documents that load_demo publishes.
"""
import operator

import duckdb
import pytest

from demo import truth
from demo.data import demo_data_generate, port_path
from demo.descriptors import product_documents
from demo.mesh import PRODUCTS

OPERATORS = {
    "mustBe": operator.eq, "mustNotBe": operator.ne, "mustBeGreaterThan": operator.gt,
    "mustBeGreaterOrEqualTo": operator.ge, "mustBeLessThan": operator.lt, "mustBeLessOrEqualTo": operator.le,
}
DRIFTED = {(d.product, d.port) for d in truth.DEFECTS if d.kind == "schema_drift"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo-quality")
    demo_data_generate(data_dir=path, quick=True)
    return path


def passes(rule: dict, measured: float, rows: int) -> bool:
    value = 100 * measured / rows if rule.get("unit") == "percent" else measured
    (name, expected), = [(k, v) for k, v in rule.items() if k in OPERATORS]
    return OPERATORS[name](value, expected)


def column_measure(source: str, column: str, rule: dict) -> float:
    quoted = f'"{column}"'
    if rule["metric"] == "nullValues":
        query = f"SELECT count(*) - count({quoted}) FROM {source}"
    elif rule["metric"] == "duplicateValues":
        query = f"SELECT count({quoted}) - count(DISTINCT {quoted}) FROM {source}"
    elif "validValues" in rule["arguments"]:
        query = f"SELECT count(*) FILTER (WHERE NOT list_contains($valid, {quoted})) FROM {source}"
        return duckdb.execute(query, {"valid": rule["arguments"]["validValues"]}).fetchone()[0]
    else:
        query = f"SELECT count(*) FILTER (WHERE NOT regexp_full_match({quoted}, $pattern)) FROM {source}"
        return duckdb.execute(query, {"pattern": rule["arguments"]["pattern"]}).fetchone()[0]
    return duckdb.execute(query).fetchone()[0]


def object_measure(source: str, rule: dict) -> float:
    if rule.get("type") == "sql":
        return duckdb.execute(rule["query"].replace("{object}", source)).fetchone()[0]
    if rule["metric"] == "rowCount":
        return duckdb.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    keys = ", ".join(f'"{k}"' for k in rule["arguments"]["properties"])
    return duckdb.execute(f"SELECT count(*) - count(DISTINCT ({keys})) FROM {source}").fetchone()[0]


def test_only_the_recorded_defects_break_quality_rules(data_dir):
    failing, evaluated = set(), 0
    for product in PRODUCTS:
        contracts = product_documents(product, data_dir)[1:]
        for port, contract in zip(product.ports, contracts, strict=True):
            if not port.is_file or (product.identifier, port.name) in DRIFTED:
                continue
            source = f"'{port_path(data_dir, product, port)}'"
            (rows,), = duckdb.execute(f"SELECT count(*) FROM {source}").fetchall()
            obj = contract["schema"][0]
            for rule in obj["quality"]:
                evaluated += 1
                if not passes(rule, object_measure(source, rule), rows):
                    failing.add((product.identifier, port.name, "", rule.get("metric") or rule["name"]))
            for prop in obj["properties"]:
                for rule in prop.get("quality", []):
                    evaluated += 1
                    if not passes(rule, column_measure(source, prop["name"], rule), rows):
                        failing.add((product.identifier, port.name, prop["name"], rule["metric"]))
    assert evaluated > 300
    assert failing == truth.failing_rules()
