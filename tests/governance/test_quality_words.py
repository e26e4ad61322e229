"""Quality rules in plain words, with their units: what the product page and the contract tab say."""
import pytest

from standards.quality_words import describe_check, describe_rule


@pytest.mark.parametrize(("rule", "column", "words"), [
    ({"metric": "invalidValues", "mustBeLessThan": 0.5, "unit": "percent"}, "phone",
     "less than 0.5 % of `phone` values may be invalid"),
    ({"metric": "nullValues", "mustBeLessOrEqualTo": 1, "unit": "percent"}, "email",
     "at most 1 % of `email` values may be null"),
    ({"metric": "nullValues", "mustBe": 0}, "order_id", "no rows where `order_id` is null"),
    ({"metric": "missingValues", "mustBeLessThan": 10}, "name", "less than 10 rows where `name` is missing (null or blank)"),
    ({"metric": "duplicateValues", "mustBe": 0}, "order_id", "no rows where `order_id` is duplicated"),
    ({"metric": "duplicateValues", "mustBe": 0, "arguments": {"properties": ["day", "shop"]}}, "",
     "no rows where the combination `day`, `shop` is duplicated"),
    ({"metric": "invalidValues", "mustBe": 0, "arguments": {"validValues": ["paid", "shipped"]}}, "status",
     "no rows where `status` is invalid (allowed: `paid`, `shipped`)"),
    ({"metric": "invalidValues", "mustBe": 0, "arguments": {"pattern": "^[A-Z]{2}$"}}, "country",
     "no rows where `country` is invalid (must match `^[A-Z]{2}$`)"),
    ({"metric": "rowCount", "mustBeGreaterThan": 0}, "", "more than 0 rows"),
    ({"metric": "rowCount", "mustBeBetween": [1000, 5000]}, "", "between 1,000 and 5,000 rows"),
    ({"type": "sql", "query": "SELECT COUNT(*) FROM {object} WHERE total_amount < 0", "mustBe": 0}, "",
     "no rows where total_amount < 0"),
    ({"type": "sql", "query": "SELECT MIN(revenue) FROM {object}", "mustBeGreaterOrEqualTo": 0}, "",
     "MIN(revenue) must be at least 0"),
    ({"type": "text", "description": "Amounts are net of tax."}, "", "Amounts are net of tax."),
])
def test_contract_rules_read_as_plain_words(rule, column, words):
    assert describe_rule(rule, column=column) == words


@pytest.mark.parametrize(("check", "words"), [
    ({"rule_kind": "freshness", "expected": {"mustBeLessOrEqualTo": 24}, "unit": "hours"}, "data at most 24 h old"),
    ({"rule_kind": "schema", "expected": {"mustBe": 0}}, "the data has the columns and types the contract declares"),
    ({"rule_kind": "metadata", "name": "metadata: owner"}, "owner is documented"),
    ({"rule_kind": "reported", "metric": "not_null", "column": "order_id"},
     "no rows where `order_id` is null, says the pipeline"),
    ({"rule_kind": "library", "metric": "nullValues", "column": "email", "unit": "percent",
      "expected": {"mustBeLessOrEqualTo": 1}}, "at most 1 % of `email` values may be null"),
])
def test_stored_checks_read_as_plain_words(check, words):
    assert describe_check(check) == words


def test_an_sql_check_is_described_from_its_contract_rule():
    check = {"rule_kind": "sql", "name": "no_negative_totals", "expected": {"mustBe": 0}}
    rule = {"type": "sql", "query": "SELECT COUNT(*) FROM {object} WHERE total_amount < 0", "mustBe": 0}
    assert describe_check(check, rule=rule) == "no rows where total_amount < 0"
    assert describe_check(check) == "a SQL check"
