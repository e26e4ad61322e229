"""Schema drift is one rule for both sources: the profiler's columns and the ones pipelines report."""
from types import SimpleNamespace

import pytest

from profiling.drift import compare, reported_columns
from profiling.profiler import family_of


def declared(name, logical="", physical=""):
    return SimpleNamespace(name=name, logical_type=logical, physical_type=physical)


@pytest.mark.parametrize(("name", "family"), [
    ("DECIMAL(18,2)", "number"), ("numeric", "number"), ("int8", "number"), ("INTERVAL", "other"),
    ("TIMESTAMP WITH TIME ZONE", "temporal"), ("TIME", "other"), ("text", "string"), ("VARCHAR(20)", "string"),
    ("bool", "boolean"), ("INTEGER[]", "other"), ("STRUCT(a INT)", "other"),
])
def test_type_names_pipelines_use_fall_in_the_profilers_families(name, family):
    assert family_of(name) == family


def test_a_reported_schema_drifts_like_a_profiled_one():
    contract = [declared("order_id", "integer"), declared("amount", "number"), declared("region", "string")]
    fields = [{"name": "order_id", "type": "BIGINT"}, {"name": "amount", "type": "TEXT"}, {"name": "coupon"}]
    assert compare(contract, reported_columns(fields)) == {
        "added": ["coupon"], "missing": ["region"],
        "changed": [{"column": "amount", "expected": "number", "found": "TEXT"}],
    }


def test_a_physical_type_alone_is_a_promise_of_its_family():
    contract = [declared("amount", physical="numeric"), declared("note", physical="geometry")]
    assert compare(contract, reported_columns([{"name": "amount", "type": "DOUBLE"}, {"name": "note", "type": "TEXT"}])) == {}
    assert compare(contract, reported_columns([{"name": "amount", "type": "VARCHAR"}, {"name": "note", "type": "TEXT"}])) == {
        "added": [], "missing": [], "changed": [{"column": "amount", "expected": "numeric", "found": "VARCHAR"}],
    }


def test_a_column_reported_without_a_type_only_counts_as_present():
    assert compare([declared("amount", "number")], reported_columns([{"name": "amount"}])) == {}
