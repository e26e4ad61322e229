"""Each ODCS rule kind and operator, run on a real DuckDB ``port_data`` view."""

import pytest

from governance.quality.engine import run_rules
from governance.quality.rules import contract_rules
from tests.governance.conftest import contract


def run_one(con, rule, *, column="email", object_level=False):
    if object_level:
        doc = contract(object_quality=[rule])
    else:
        doc = contract(properties=[(column, "string", [rule])])
    [outcome] = run_rules(con, contract_rules(doc), object_names=["customers"])
    return outcome


def test_null_values_counted_in_rows(port_db):
    outcome = run_one(port_db, {"metric": "nullValues", "mustBe": 0, "severity": "error"})
    assert (outcome.passed, outcome.measured, outcome.rows_failed, outcome.rows_checked) == (False, 2, 2, 10)
    assert outcome.dimension == "completeness"
    assert outcome.severity == "error"
    assert outcome.message == "2 nulls in email (20% of 10 rows), rule allows none"


def test_null_values_in_percent(port_db):
    allowed = run_one(port_db, {"metric": "nullValues", "mustBeLessOrEqualTo": 25, "unit": "percent"})
    strict = run_one(port_db, {"metric": "nullValues", "mustBeLessOrEqualTo": 1, "unit": "percent"})
    assert allowed.passed
    assert allowed.measured == pytest.approx(20.0)
    assert not strict.passed
    assert strict.message == "20% nulls in email (2 of 10 rows), rule allows at most 1%"


def test_missing_values_use_default_tokens_and_the_rules_own(port_db):
    default = run_one(port_db, {"metric": "missingValues", "mustBe": 0}, column="country")
    extra = run_one(
        port_db, {"metric": "missingValues", "arguments": {"missingValues": ["ES"]}, "mustBe": 0}, column="country"
    )
    # 'N/A', '' and 'null' are missing by default; ES only when the rule says so
    assert default.measured == 3
    assert not default.passed
    assert extra.measured == 4


def test_invalid_values_with_valid_values(port_db):
    outcome = run_one(
        port_db,
        {"metric": "invalidValues", "arguments": {"validValues": ["active", "closed"]}, "mustBeLessThan": 1},
        column="status",
    )
    assert (outcome.passed, outcome.measured, outcome.dimension) == (False, 1, "validity")


def test_invalid_values_with_pattern_ignores_nulls(port_db):
    rule = {"metric": "invalidValues", "arguments": {"pattern": r"[a-z]+@[a-z]+\.io"}, "mustBe": 0}
    outcome = run_one(port_db, rule)
    assert (outcome.passed, outcome.measured) == (False, 1)  # 'bad'; the two NULLs are not invalid
    partial = run_one(port_db, {**rule, "arguments": {"pattern": "[a-z]@"}})
    assert partial.measured == 8  # a full match is required, not a search


def test_legacy_valid_values_on_the_rule_itself(port_db):
    outcome = run_one(port_db, {"rule": "invalidValues", "validValues": ["active", "closed", "frozen"], "mustBe": 0},
                      column="status")
    assert outcome.passed
    assert outcome.measured == 0


def test_duplicate_values_on_a_property_and_on_the_object(port_db):
    prop = run_one(port_db, {"metric": "duplicateValues", "mustBe": 0}, column="id")
    rows = run_one(port_db, {"metric": "duplicateValues", "mustBe": 0}, object_level=True)
    keyed = run_one(
        port_db, {"metric": "duplicateValues", "arguments": {"properties": ["status"]}, "mustBeLessOrEqualTo": 10,
                  "unit": "percent"}, object_level=True,
    )
    assert (prop.passed, prop.measured, prop.dimension) == (False, 1, "uniqueness")
    assert rows.measured == 1
    assert not rows.passed
    assert keyed.measured == pytest.approx(70.0)
    assert not keyed.passed


@pytest.mark.parametrize(
    ("operator", "threshold", "passed"),
    [
        ("mustBe", 10, True),
        ("mustBe", 9, False),
        ("mustNotBe", 10, False),
        ("mustNotBe", 0, True),
        ("mustBeGreaterThan", 9, True),
        ("mustBeGreaterThan", 10, False),
        ("mustBeGreaterOrEqualTo", 10, True),
        ("mustBeGreaterOrEqualTo", 11, False),
        ("mustBeLessThan", 11, True),
        ("mustBeLessThan", 10, False),
        ("mustBeLessOrEqualTo", 10, True),
        ("mustBeLessOrEqualTo", 9, False),
        ("mustBeBetween", [5, 10], True),
        ("mustBeBetween", [11, 20], False),
        ("mustNotBeBetween", [11, 20], True),
        ("mustNotBeBetween", [1, 10], False),
    ],
)
def test_row_count_with_every_operator(port_db, operator, threshold, passed):
    outcome = run_one(port_db, {"metric": "rowCount", operator: threshold}, object_level=True)
    assert outcome.measured == 10
    assert outcome.passed is passed
    assert outcome.expected == {operator: threshold}


def test_between_describes_its_range(port_db):
    outcome = run_one(port_db, {"metric": "rowCount", "mustBeBetween": [100, 200]}, object_level=True)
    assert outcome.message == "10 rows, rule requires between 100 and 200"


def test_sql_rule_with_object_name_and_placeholder(port_db):
    by_name = run_one(
        port_db, {"type": "sql", "query": "SELECT count(*) FROM customers WHERE status = 'frozen'", "mustBe": 0},
        object_level=True,
    )
    by_placeholder = run_one(
        port_db, {"type": "sql", "query": "SELECT max(id) FROM {object}", "mustBeBetween": [1, 100]},
        object_level=True,
    )
    column = run_one(
        port_db, {"type": "sql", "query": "SELECT count(*) FROM ${table} WHERE ${column} IS NULL",
                  "mustBeLessThan": 30, "unit": "percent"},
    )
    assert (by_name.passed, by_name.measured) == (False, 1)
    assert (by_placeholder.passed, by_placeholder.measured) == (True, 10)
    assert (column.passed, column.measured) == (True, pytest.approx(20.0))


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) FROM read_csv('/etc/passwd')",
        "SELECT count(*) FROM '/etc/passwd'",
        "SELECT (SELECT count(*) FROM read_text('/etc/hostname')) FROM customers",
        "SELECT count(*) FROM port_data p JOIN read_parquet('/tmp/other.parquet') o ON true",
        "SELECT count(*) FROM other_schema.customers",
        "COPY customers TO '/tmp/leak.csv'",
        "SELECT 1; SELECT 2",
    ],
)
def test_sql_rule_reading_anything_else_is_refused_before_running(port_db, query):
    outcome = run_one(port_db, {"type": "sql", "query": query, "mustBe": 0}, object_level=True)
    assert outcome.passed is None
    assert outcome.error.startswith(("refused", "only a SELECT", "a quality rule must be exactly one"))
    assert outcome.message.startswith("not evaluated")


def test_refused_rule_never_runs(tmp_path, port_db):
    target = tmp_path / "leak.csv"
    run_one(port_db, {"type": "sql", "query": f"COPY customers TO '{target}'", "mustBe": 0}, object_level=True)
    assert not target.exists()


def test_slow_sql_rule_is_stopped_at_its_time_limit(port_db):
    rules = contract_rules(contract(object_quality=[
        # a recursive CTE of a hundred million steps: minutes of work unless it is stopped
        {"type": "sql", "query": "WITH RECURSIVE r(n) AS (SELECT max(id) FROM customers UNION ALL "
                                 "SELECT n + 1 FROM r WHERE n < 100000000) SELECT count(*) FROM r",
         "mustBe": 0},
        {"metric": "rowCount", "mustBe": 10},
    ]))
    slow, after = run_rules(port_db, rules, object_names=["customers"], timeout=0.3)
    assert slow.passed is None
    assert "time limit" in slow.error
    assert after.passed is True  # the connection is usable again after the interrupt


def test_text_and_custom_rules_are_recorded_not_evaluated(port_db):
    rules = contract_rules(contract(object_quality=[
        {"type": "text", "description": "Emails are checked by the CRM."},
        {"type": "custom", "engine": "soda", "implementation": "row_count > 0"},
    ]))
    outcomes = run_rules(port_db, rules)
    assert [o.passed for o in outcomes] == [None, None]
    assert [o.error for o in outcomes] == ["", ""]
    assert "not evaluated" in outcomes[0].message


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({"metric": "invalidValues", "mustBe": 0, "column": "status"}, "validValues or arguments.pattern"),
        ({"metric": "nullValues", "mustBe": 0, "mustBeLessThan": 3}, "more than one operator"),
        ({"metric": "rowCount", "mustBeBetween": [5]}, "list of two numbers"),
        ({"metric": "rowCount", "mustBeGreaterThan": "many"}, "needs a number"),
        ({"metric": "nullValues", "mustBe": 0, "name": "no column"}, "must sit on a property"),
        ({"metric": "sizeOf", "mustBe": 0}, "unknown metric"),
        ({"type": "sql", "query": "SELECT count(*) FROM customers WHERE nope > 1", "mustBe": 0}, "query failed"),
    ],
)
def test_broken_rules_error_clearly(port_db, rule, error):
    column = rule.pop("column", None)
    outcome = run_one(port_db, rule, column=column, object_level=column is None)
    assert outcome.passed is None
    assert error in outcome.error


def test_freshness_of_a_table_without_file_uses_the_newest_timestamp(port_db):
    from datetime import UTC, datetime

    from governance.quality.freshness import freshness_check

    outcome = freshness_check(port_db, slo_hours=24, mtime=None, now=datetime(2026, 11, 22, 11, 0, tzinfo=UTC))
    assert outcome.column == "updated_at"
    assert outcome.measured == 48.0
    assert outcome.message == "data is 2.0 days old, SLO is 24 h (newest updated_at 2026-11-20 11:00 UTC)"
    assert outcome.passed is False


def test_freshness_without_an_slo_is_not_evaluated(port_db):
    from governance.quality.freshness import freshness_check

    outcome = freshness_check(port_db, slo_hours=None)
    assert outcome.passed is None
    assert outcome.message == "no freshness SLO: not evaluated"
