"""What pipelines report about the data they read or wrote, as OpenLineage quality facets, turned into checks.

- ``dataQualityAssertions``: a pipeline's own tests (dbt's ``not_null``, Great Expectations'
  ``expect_column_values_to_be_unique``…) count like contract rules: the name says which dimension
  an assertion tests, its ``severity`` (when the emitter sends one) how much it weighs.
- ``dataQualityMetrics``: the counts a pipeline measured judge the contract's ``rowCount`` and
  ``nullValues`` rules, the ones such counts answer exactly.
"""
from __future__ import annotations

from governance.quality.engine import Outcome, judge_count, judge_rows, rule_expectation
from governance.quality.expectations import ExpectationError
from governance.quality.rules import Rule

# Words in an assertion's name, and the dimension such an assertion tests (first match wins).
_DIMENSIONS = (
    (("null", "missing", "empty", "complete"), "completeness"),
    (("unique", "duplicate", "distinct"), "uniqueness"),
    (("fresh", "recency", "stale", "latency"), "timeliness"),
)


def dimension_of(assertion: str) -> str:
    name = assertion.lower()
    return next((dim for words, dim in _DIMENSIONS if any(w in name for w in words)), "validity")


def severity_of(value) -> str:
    return "error" if str(value or "").lower() in {"error", "critical", "fatal", "high"} else "warning"


def assertion_outcomes(payload: dict, *, source: str) -> list[Outcome]:
    """One check per reported assertion; ``source`` names who reported it (the job)."""
    outcomes = []
    for item in payload.get("assertions") or []:
        if not isinstance(item, dict) or not item.get("assertion") or not isinstance(item.get("success"), bool):
            continue
        assertion, column = str(item["assertion"]), str(item.get("column") or "")
        verdict = "passed" if item["success"] else "failed"
        name = f"{assertion} on {column}" if column else assertion
        outcomes.append(Outcome(
            name=name, rule_kind="reported", metric=assertion[:50], dimension=dimension_of(assertion),
            severity=severity_of(item.get("severity")), column=column[:200], passed=item["success"],
            message=f"{name} {verdict} in the pipeline ({source})",  # the score's explanation says what failed
        ))
    return outcomes


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def metric_outcomes(payload: dict, rules: list[Rule], *, source: str) -> list[Outcome]:
    """The contract's ``rowCount`` and ``nullValues`` rules judged on the counts a pipeline reported."""
    rows = _count(payload.get("rowCount"))
    if rows is None:
        return []
    columns = payload.get("columnMetrics") if isinstance(payload.get("columnMetrics"), dict) else {}
    outcomes = []
    for rule in rules:
        if rule.kind != "library" or rule.metric not in ("rowCount", "nullValues"):
            continue
        nulls = _count((columns.get(rule.column) or {}).get("nullCount")) if rule.column else None
        if rule.metric == "nullValues" and nulls is None:
            continue  # the pipeline did not count this column's nulls
        try:
            op, threshold = rule_expectation(rule)
        except ExpectationError:
            continue  # the contract's own run reports the mistake
        outcome = Outcome(name=f"{rule.name} (reported)", rule_kind="reported", dimension=rule.dimension,
                          severity=rule.severity, column=rule.column, metric=rule.metric, unit=rule.unit)
        if rule.metric == "rowCount":
            judge_rows(outcome, rows=rows, op=op, threshold=threshold)
        else:
            judge_count(rule, outcome, count=nulls, rows=rows, op=op, threshold=threshold)
        outcome.message += f"; counted by the pipeline ({source})"
        outcomes.append(outcome)
    return outcomes
