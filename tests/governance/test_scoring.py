"""The score formula: severity-weighted pass rates per dimension, and what each failure costs."""
import pytest

from governance.quality.scoring import compute


def check(name, dimension, *, passed=True, severity="warning", metric="", rows=None, failed=None, message="",
          error=""):
    return {"name": name, "dimension": dimension, "severity": severity, "passed": passed, "metric": metric,
            "rows_checked": rows, "rows_failed": failed, "message": message or name, "error": error}


def test_a_worked_example_with_its_explanation():
    nulls = check("nullValues on customer_email", "completeness", passed=False, severity="error",
                  metric="nullValues", rows=1000, failed=31,
                  message="3.1% nulls in customer_email (31 of 1000 rows), rule allows at most 1%")
    result = compute([nulls, check("rowCount", "completeness"), check("duplicates", "uniqueness")])
    # completeness: (3 · ½ · 0.969 + 1 · 1) / 4 = 61.3; uniqueness 100; overall their mean
    assert result.dimensions == {"completeness": pytest.approx(61.3), "uniqueness": 100.0}
    assert result.score == pytest.approx(80.7)
    [explanation] = result.explanations
    # half the score is completeness, the null rule is ¾ of it, and it earned 0.4845 of that
    assert explanation["points"] == pytest.approx(19.33, abs=0.01)
    assert explanation["text"] == "−19: 3.1% nulls in customer_email (31 of 1000 rows), rule allows at most 1%"


def test_the_costs_add_up_to_what_is_missing_from_100():
    checks = [
        check("a", "completeness", passed=False, severity="error"),
        check("b", "validity", passed=False, metric="invalidValues", rows=10, failed=9),
        check("c", "validity"),
        check("d", "timeliness", passed=False, severity="info"),
        {**check("docs", "metadata", passed=False), "conformance": 0.4},
    ]
    result = compute(checks)
    assert sum(e["points"] for e in result.explanations) == pytest.approx(100 - result.score, abs=0.1)
    assert [e["check"] for e in result.explanations][0] in {"a", "d"}  # whole dimensions lost come first


def test_an_error_failure_costs_three_times_a_warning_failure():
    def cost(severity):
        result = compute([check("x", "validity", passed=False, severity=severity)] + [check("ok", "validity")] * 3)
        return 100 - result.score

    assert cost("error") > cost("warning") > cost("info")
    # error: 3/(3+3) lost = 50; warning: 1/4 = 25; info: 0.5/3.5 ≈ 14.3
    assert (cost("error"), cost("warning"), cost("info")) == (50.0, 25.0, pytest.approx(14.3))


def test_row_conformance_makes_a_small_breach_cost_less_than_a_large_one():
    small = compute([check("n", "completeness", passed=False, metric="nullValues", rows=100, failed=3)])
    large = compute([check("n", "completeness", passed=False, metric="nullValues", rows=100, failed=90)])
    aggregate = compute([check("sql", "completeness", passed=False)])
    assert small.score == pytest.approx(48.5)
    assert large.score == pytest.approx(5.0)
    assert aggregate.score == 0


def test_errored_and_unevaluated_checks_are_left_out():
    result = compute([
        check("ok", "validity"),
        check("broken", "validity", passed=None, error="refused: the query calls read_csv()"),
        check("text", "accuracy", passed=None),
    ])
    assert result.dimensions == {"validity": 100.0}
    assert result.score == 100.0


def test_metadata_weighs_half_a_data_dimension():
    result = compute([check("ok", "validity"), {**check("docs", "metadata", passed=False), "conformance": 0.0}])
    assert result.score == pytest.approx(100 * 1 / 1.5, abs=0.1)


def test_nothing_to_score_is_no_score():
    assert compute([]).score is None
