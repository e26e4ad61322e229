"""Checks that pipelines ran themselves, as OpenLineage ``dataQualityAssertions`` report them.

A pipeline's assertion (dbt's ``not_null``, Great Expectations' ``expect_column_values_to_be_unique``…)
counts like a contract rule: its name says which dimension it tests, its ``severity`` (when the
emitter sends one) how much it weighs.
"""
from __future__ import annotations

from governance.quality.engine import Outcome

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
        outcomes.append(Outcome(
            name=f"{assertion} on {column}" if column else assertion, rule_kind="reported", metric=assertion[:50],
            dimension=dimension_of(assertion), severity=severity_of(item.get("severity")), column=column[:200],
            passed=item["success"], message=f"{verdict} in the pipeline ({source})",
        ))
    return outcomes
