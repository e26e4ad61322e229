"""A SQL rule's result is one number, or an error that says what came back without repeating it."""
import pytest

from governance.quality.engine import run_rules
from governance.quality.rules import contract_rules
from tests.governance.conftest import contract

EMAILS = ("a@x.io", "c@x.io", "e@x.io", "g@x.io", "h@x.io", "j@x.io", "bad")


def run_sql(con, query, **expectation):
    rules = contract_rules(contract(object_quality=[{"type": "sql", "name": "probe", "query": query,
                                                     **(expectation or {"mustBe": 0})}]))
    [outcome] = run_rules(con, rules, object_names=["customers"])
    return outcome


@pytest.mark.parametrize(
    ("query", "returned"),
    [
        ("SELECT string_agg(email, ',') FROM customers", "text"),
        ("SELECT max(email) FROM customers", "text"),
        ("SELECT '42'", "text"),
        ("SELECT max(updated_at) FROM customers", "a timestamp"),
        ("SELECT list(email) FROM customers", "a list"),
        ("SELECT {'e': max(email)} FROM customers", "a struct"),
        ("SELECT CAST(max(email) AS BLOB) FROM customers", "binary data"),
    ],
)
def test_a_result_that_is_not_a_number_is_named_not_shown(port_db, query, returned):
    outcome = run_sql(port_db, query)
    assert outcome.passed is None
    assert outcome.measured is None
    assert outcome.error == f"the query must return one number; it returned {returned}"
    assert outcome.message == f"not evaluated: {outcome.error}"
    for email in EMAILS:
        assert email not in outcome.message


def test_more_than_one_column_is_refused_without_showing_any(port_db):
    outcome = run_sql(port_db, "SELECT count(*), string_agg(email, ',') FROM customers")
    assert outcome.error == "the query must return one number; it returned 2 columns"


def test_database_errors_name_the_rule_and_the_error_class_only(port_db):
    outcome = run_sql(port_db, "SELECT sum(CAST(email AS INTEGER)) FROM customers")
    assert outcome.error == "rule 'probe': the query failed (ConversionException)"
    for email in EMAILS:
        assert email not in outcome.message


@pytest.mark.parametrize(
    ("query", "expectation", "measured", "passed"),
    [
        ("SELECT sum(CAST(id AS DECIMAL(10, 2))) FROM customers", {"mustBe": 54}, 54.0, True),
        ("SELECT bool_or(email IS NULL) FROM customers", {"mustBe": 0}, 1.0, False),
        ("SELECT max(id) FROM customers WHERE id > 100", {"mustBe": 0}, None, False),
        ("SELECT avg(id) FROM customers", {"mustBeLessThan": 6}, 5.4, True),
    ],
)
def test_numbers_of_every_kind_are_measured(port_db, query, expectation, measured, passed):
    outcome = run_sql(port_db, query, **expectation)
    assert outcome.error == ""
    assert outcome.measured == (pytest.approx(measured) if measured is not None else None)
    assert outcome.passed is passed
