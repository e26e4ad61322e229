"""The quality score: 0–100 per product, per dimension, with the points each failure costs.

Formula
-------
Each evaluated check ``c`` (errored and not-evaluated checks are left out, as Great
Expectations leaves them out of ``success_percent``) has

* a **severity weight** ``w``: error 3, warning 1, info 0.5 (a missing severity counts as
  warning) — a broken error-level rule should hurt three times as much as a warning;
* a **credit** ``q``: 1 when it passed. When it failed, row-level checks (nulls, missing,
  invalid, duplicates) keep half of their row conformance, ``q = ½ · (1 − failed/rows)``
  (pointblank/decube-style row weighting), so 3 % bad rows cost less than 90 %; aggregate
  checks (row count, SQL, freshness, schema drift) get ``q = 0``. Metadata items score their
  share directly (e.g. 7 of 10 columns described → 0.7).

A dimension's score is ``100 · Σ w·q / Σ w`` over its checks — a severity-weighted, GE-style
pass rate. The overall score is the mean of the dimension scores that have checks, weighted
by ``DIMENSION_WEIGHTS`` (every data dimension 1, the metadata dimension 0.5: documentation
matters, but less than the data being right). With no dimension at all the score is None.

Each failed check therefore costs exactly
``100 · W_d / Σ W · w_c · (1 − q_c) / Σ_{d} w`` points, and the costs add up to
``100 − score``; the explanations list them, largest first:
``−12: 3.1% nulls in customer_email, rule allows at most 1%``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

SEVERITY_WEIGHTS = {"error": 3.0, "warning": 1.0, "info": 0.5}
DIMENSION_WEIGHTS = {"metadata": 0.5}  # every other dimension weighs 1
DIMENSION_ORDER = ("completeness", "uniqueness", "validity", "timeliness", "accuracy", "consistency", "coverage",
                   "metadata")
_ROW_METRICS = {"nullValues", "missingValues", "invalidValues", "duplicateValues"}


@dataclass
class Score:
    score: float | None
    dimensions: dict[str, float]
    explanations: list[dict] = field(default_factory=list)


def severity_weight(severity: str) -> float:
    return SEVERITY_WEIGHTS.get(severity or "warning", 1.0)


def credit(check: dict) -> float:
    """How much of its weight a check earns, 0–1 (see the module docstring)."""
    if "conformance" in check:
        return max(0.0, min(1.0, float(check["conformance"])))
    if check["passed"]:
        return 1.0
    rows, failed = check.get("rows_checked"), check.get("rows_failed")
    if check.get("metric") in _ROW_METRICS and rows and failed is not None:
        return 0.5 * max(0.0, 1.0 - failed / rows)
    return 0.0


def evaluated(check: dict) -> bool:
    return "conformance" in check or (check.get("passed") is not None and not check.get("error"))


def compute(checks: list[dict]) -> Score:
    """Score a product from its current checks (dicts with dimension, severity, passed, …)."""
    by_dimension: dict[str, list[dict]] = defaultdict(list)
    for check in filter(evaluated, checks):
        by_dimension[check["dimension"]].append(check)
    if not by_dimension:
        return Score(score=None, dimensions={})
    total_weight = sum(DIMENSION_WEIGHTS.get(d, 1.0) for d in by_dimension)
    dimensions, explanations = {}, []
    for dimension, items in by_dimension.items():
        weights = sum(severity_weight(c["severity"]) for c in items)
        dimensions[dimension] = round(100 * sum(severity_weight(c["severity"]) * credit(c) for c in items) / weights, 1)
        share = 100 * DIMENSION_WEIGHTS.get(dimension, 1.0) / total_weight
        explanations += [_explain(c, share * severity_weight(c["severity"]) / weights) for c in items]
    overall = sum(DIMENSION_WEIGHTS.get(d, 1.0) * s for d, s in dimensions.items()) / total_weight
    explanations = sorted((e for e in explanations if e["points"] > 0), key=lambda e: -e["points"])
    return Score(score=round(overall, 1), dimensions=_ordered(dimensions), explanations=explanations)


def _explain(check: dict, max_points: float) -> dict:
    points = max_points * (1 - credit(check))
    return {
        "points": round(points, 2),
        "text": f"−{format_points(points)}: {check.get('message') or check['name']}",
        "check": check["name"],
        "dimension": check["dimension"],
        "severity": check["severity"],
    }


def format_points(points: float) -> str:
    return f"{points:.0f}" if points >= 1 else f"{points:.1f}"


def _ordered(dimensions: dict[str, float]) -> dict[str, float]:
    rank = {d: i for i, d in enumerate(DIMENSION_ORDER)}
    return dict(sorted(dimensions.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


# The badge a score wears; crossing one of these thresholds is an audit event (``governance.services``).
BANDS = {"good": 80.0, "fair": 60.0}


def band(score: float | None) -> str:
    """The badge a score wears: good, fair, poor (or none)."""
    if score is None:
        return "none"
    return "good" if score >= BANDS["good"] else "fair" if score >= BANDS["fair"] else "poor"
