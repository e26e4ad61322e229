"""ODCS quality rules in plain words, with their units, for people reading a product page.

``describe_rule(rule, column=…)`` reads a rule as the contract writes it (``metric``/``rule``,
``type``, ``unit``, one ``mustBe…`` operator, ``arguments``); ``describe_check(check, rule=…)``
reads a stored check (``rule_kind``, ``metric``, ``column``, ``unit``, ``expected``) and, for SQL
checks, the contract rule it came from. Examples::

    invalidValues, mustBeLessThan 0.5, unit percent, on phone → less than 0.5 % of `phone` values may be invalid
    nullValues, mustBe 0, on order_id                         → no rows where `order_id` is null
    sql "SELECT COUNT(*) FROM {object} WHERE amount < 0" = 0  → no rows where amount < 0
    rowCount, mustBeGreaterThan 0                             → more than 0 rows

Names are in backticks (Markdown code); pages show them as code (the ``code_spans`` template filter).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

OPERATORS = ("mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan",
             "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween")

# What a row-level metric says of a value, and of a row.
_ADJECTIVES = {
    "nullValues": "null",
    "missingValues": "missing (null or blank)",
    "invalidValues": "invalid",
    "duplicateValues": "duplicated",
}
_COUNT_WHERE = re.compile(r"^\s*select\s+count\s*\(\s*\*\s*\)\s+from\s+\S+\s+where\s+(?P<cond>.+?)\s*;?\s*$",
                          re.IGNORECASE | re.DOTALL)
_SELECT_OF = re.compile(r"^\s*select\s+(?P<expr>.+?)\s+from\s+\S+\s*;?\s*$", re.IGNORECASE | re.DOTALL)


def number(value) -> str:
    """``0.5``, ``3``, ``1,000``: no needless decimals."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if f.is_integer():
        return f"{int(f):,}"
    return f"{f:,.4g}" if abs(f) < 1000 else f"{f:,.1f}"


def amount(value, unit: str) -> str:
    unit = (unit or "").lower()
    if unit in ("percent", "%"):
        return f"{number(value)} %"
    if unit in ("hours", "h"):
        return f"{number(value)} h"
    return number(value)


def operator_of(rule: Mapping) -> tuple[str, object] | None:
    """The rule's one ``mustBe…`` operator and its value (None: the rule states none)."""
    for op in OPERATORS:
        if op in rule:
            return op, rule[op]
    return None


def bound(op: str, value, unit: str = "") -> str:
    """``less than 0.5 %``, ``at most 3``, ``between 1 and 5``, ``exactly 0``."""
    if op in ("mustBeBetween", "mustNotBeBetween"):
        low, high = (list(value) + [None, None])[:2] if isinstance(value, list | tuple) else (value, None)
        words = "between" if op == "mustBeBetween" else "not between"
        return f"{words} {amount(low, unit)} and {amount(high, unit)}"
    return {
        "mustBe": "exactly", "mustNotBe": "anything but", "mustBeGreaterThan": "more than",
        "mustBeGreaterOrEqualTo": "at least", "mustBeLessThan": "less than", "mustBeLessOrEqualTo": "at most",
    }[op] + f" {amount(value, unit)}"


def _is_zero(value) -> bool:
    try:
        return float(value) == 0
    except (TypeError, ValueError):
        return False


def _validity_detail(arguments: Mapping) -> str:
    valid = arguments.get("validValues")
    if isinstance(valid, list | tuple) and valid:
        shown = ", ".join(f"`{v}`" for v in valid[:6]) + (", …" if len(valid) > 6 else "")
        return f" (allowed: {shown})"
    if arguments.get("pattern"):
        return f" (must match `{arguments['pattern']}`)"
    return ""


def _row_metric(metric: str, column: str, op: str, value, unit: str, arguments: Mapping) -> str:
    adjective = _ADJECTIVES[metric]
    percent = (unit or "").lower() in ("percent", "%")
    if metric == "duplicateValues" and not column:
        props = arguments.get("properties") or []
        subject = ("the combination " + ", ".join(f"`{p}`" for p in props)) if props else "a whole row"
    else:
        subject = f"`{column}`" if column else "a value"
    detail = _validity_detail(arguments) if metric == "invalidValues" else ""
    if op == "mustBe" and _is_zero(value):
        return f"no rows where {subject} is {adjective}{detail}"
    if percent:
        scope = f"of {subject} values" if column else f"of rows ({subject})"
        return f"{bound(op, value, unit)} {scope} may be {adjective}{detail}"
    return f"{bound(op, value, unit)} rows where {subject} is {adjective}{detail}"


def _sql(query: str, op: str | None, value) -> str:
    match = _COUNT_WHERE.match(query or "")
    if match and op == "mustBe" and _is_zero(value):
        return f"no rows where {match['cond'].strip()}"
    if match and op:
        return f"{bound(op, value)} rows where {match['cond'].strip()}"
    match = _SELECT_OF.match(query or "")
    if match and op:
        return f"{match['expr'].strip()} must be {bound(op, value)}"
    if query and op:
        return f"the query `{' '.join(query.split())}` must return {bound(op, value)}"
    return "a SQL check"


# Assertions pipelines report through OpenLineage (dbt's and Great Expectations' usual names).
_ASSERTIONS = {
    "not_null": "no rows where {col} is null",
    "unique": "no rows where {col} is duplicated",
    "accepted_values": "{col} holds only accepted values",
    "relationships": "every {col} refers to an existing row",
    "positive": "{col} is positive",
    "recent": "{col} is recent",
    "row_count": "the row count is as expected",
}


def _reported(metric: str, column: str, name: str) -> str:
    col = f"`{column}`" if column else "the value"
    template = _ASSERTIONS.get(metric.lower().replace("-", "_").replace(" ", "_"))
    return (template.format(col=col) if template else (name or metric or "an assertion")) + ", says the pipeline"


def describe(*, kind: str, metric: str = "", column: str = "", unit: str = "", op: str | None = None, value=None,
             arguments: Mapping | None = None, query: str = "", description: str = "", name: str = "") -> str:
    """One rule or check in plain words (Markdown code for names)."""
    arguments = arguments or {}
    if metric in _ADJECTIVES and op:
        return _row_metric(metric, column, op, value, unit, arguments)
    if metric == "rowCount":
        return f"{bound(op, value)} rows" if op else "at least one row"
    if kind == "sql":
        return _sql(query, op, value)
    if kind == "reported" and metric not in _ADJECTIVES and metric != "rowCount":
        return _reported(metric, column, name)
    if kind == "freshness":
        return f"data at most {amount(value, 'hours')} old" if op else "data fresh within its SLO"
    if kind == "schema":
        return "the data has the columns and types the contract declares"
    if kind == "metadata":
        return (name or "metadata").removeprefix("metadata: ") + " is documented"
    text = description or name or metric or kind or "rule"
    return f"{text} ({bound(op, value, unit)})" if op else text


def describe_rule(rule: Mapping, *, column: str = "") -> str:
    """A contract's rule (as written in ODCS) in plain words."""
    found = operator_of(rule)
    op, value = found if found else (None, None)
    metric = str(rule.get("metric") or rule.get("rule") or "")
    kind = str(rule.get("type") or ("library" if metric else "text"))
    arguments = {**{k: rule[k] for k in ("validValues", "pattern", "properties") if k in rule},
                 **(rule.get("arguments") or {})}
    if kind == "library" and metric not in _ADJECTIVES and metric != "rowCount" and rule.get("description"):
        return str(rule["description"])
    return describe(kind=kind, metric=metric, column=column, unit=str(rule.get("unit") or ""), op=op, value=value,
                    arguments=arguments, query=str(rule.get("query") or ""), description=str(rule.get("description") or ""),
                    name=str(rule.get("name") or ""))


def describe_check(check: Mapping, *, rule: Mapping | None = None) -> str:
    """A stored check in plain words; ``rule`` is the contract rule it came from, when known (SQL needs its query)."""
    expected = check.get("expected") or {}
    found = operator_of(expected) if isinstance(expected, Mapping) else None
    op, value = found if found else (None, None)
    rule = rule or {}
    arguments = {**{k: rule[k] for k in ("validValues", "pattern", "properties") if k in rule},
                 **(rule.get("arguments") or {})}
    return describe(kind=str(check.get("rule_kind") or ""), metric=str(check.get("metric") or ""),
                    column=str(check.get("column") or ""), unit=str(check.get("unit") or ""), op=op, value=value,
                    arguments=arguments, query=str(rule.get("query") or ""),
                    description=str(rule.get("description") or ""), name=str(check.get("name") or ""))
