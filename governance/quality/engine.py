"""Run a port's quality rules as SQL on its ``port_data`` view and judge each result.

Library metrics count offending rows: ``nullValues`` (NULL), ``missingValues`` (NULL or a
missing token: '', 'N/A', 'null' and the rule's own ``missingValues``), ``invalidValues``
(non-null values outside ``validValues`` or not fully matching ``pattern``),
``duplicateValues`` (non-null rows beyond the first of each value, or of each combination of
``arguments.properties`` / whole rows on an object) and ``rowCount``. With ``unit: percent``
the count is taken as a percentage of all rows. SQL rules return one number; with
``unit: percent`` that number is a row count turned into a percentage too. ``text`` and
``custom`` rules are recorded as not evaluated.

Results and errors are said without the data: a SQL rule that returns anything but one number
is an error naming what it returned ("text"), never the text, and DuckDB's own messages, which
quote values ("Could not convert string 'DE89…' to INT64"), are replaced by their error class.
A run's rules share one ``sqlguard.Deadline``; once it is spent the rest are not evaluated.
"""
from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field

import duckdb

from governance.quality import expectations, sqlguard
from governance.quality.rules import Rule
from governance.quality.sqlguard import VIEW, Deadline, quote

DEFAULT_TIMEOUT = 30.0
MISSING_TOKENS = ("", "n/a", "null")
_ROW_METRICS = {"nullValues", "missingValues", "invalidValues", "duplicateValues"}
_NOUNS = {  # (one, many)
    "nullValues": ("null", "nulls"),
    "missingValues": ("missing value", "missing values"),
    "invalidValues": ("invalid value", "invalid values"),
    "duplicateValues": ("duplicate", "duplicates"),
}


@dataclass
class Outcome:
    """What one check found; maps one to one onto ``CheckResult``."""

    name: str
    rule_kind: str
    dimension: str
    severity: str
    column: str = ""
    metric: str = ""
    measured: float | None = None
    expected: dict = field(default_factory=dict)
    unit: str = ""
    rows_checked: int | None = None
    rows_failed: int | None = None
    passed: bool | None = None
    error: str = ""
    message: str = ""


class RuleError(ValueError):
    """The rule cannot be evaluated as written (reported on its check, never raised further)."""


def run_rules(con, rules: list[Rule], *, object_names=(), timeout: float = DEFAULT_TIMEOUT,
              deadline: Deadline | None = None) -> list[Outcome]:
    """Evaluate every rule on ``port_data``; one rule's error never stops the others.

    Each query stops after ``timeout`` seconds, and all of them at ``deadline`` (the run's budget).
    """
    deadline = deadline or Deadline(None, per_query=timeout)
    rows = None
    outcomes = []
    for rule in rules:
        outcome = _blank(rule)
        try:
            if rule.kind in ("text", "custom"):
                outcome.message = f"{rule.kind} rule: recorded, not evaluated here"
            else:
                deadline.check()  # once the run's budget is spent, the remaining rules are not run
                if rows is None:
                    rows = int(sqlguard.fetch_one(con, f"SELECT count(*) FROM {VIEW}", deadline=deadline)[0])  # noqa: S608 (quoted identifiers; values are parameters)
                _evaluate(con, rule, outcome, rows=rows, object_names=object_names, deadline=deadline)
        except (RuleError, expectations.ExpectationError, sqlguard.UnsafeQuery, sqlguard.QueryTimeout) as exc:
            outcome.error = str(exc)
        except duckdb.Error as exc:
            outcome.error = database_error(rule, exc)
        if outcome.error:
            outcome.passed, outcome.measured, outcome.message = None, None, f"not evaluated: {outcome.error}"
        outcomes.append(outcome)
    return outcomes


def database_error(rule: Rule, exc: duckdb.Error) -> str:
    """DuckDB's failure without DuckDB's words: they can quote the data the query read."""
    return f"rule {rule.name!r}: the query failed ({type(exc).__name__})"


def _blank(rule: Rule) -> Outcome:
    return Outcome(
        name=rule.name, rule_kind=rule.kind, dimension=rule.dimension, severity=rule.severity,
        column=rule.column, metric=rule.metric, unit=rule.unit,
    )


def _evaluate(con, rule: Rule, outcome: Outcome, *, rows: int, object_names, deadline: Deadline) -> None:
    if rule.kind == "sql":
        _evaluate_sql(con, rule, outcome, rows=rows, object_names=object_names, deadline=deadline)
    elif rule.kind == "library":
        _evaluate_library(con, rule, outcome, rows=rows, deadline=deadline)
    else:
        raise RuleError(f"unknown rule type {rule.kind!r} (text, library, sql or custom)")


def _evaluate_library(con, rule: Rule, outcome: Outcome, *, rows: int, deadline: Deadline) -> None:
    if rule.metric not in ("rowCount", *_ROW_METRICS):
        raise RuleError(f"unknown metric {rule.metric!r}")
    op, threshold = rule_expectation(rule)
    if rule.metric == "rowCount":
        judge_rows(outcome, rows=rows, op=op, threshold=threshold)
        return
    sql, params = _count_sql(rule)
    count = int(sqlguard.fetch_one(con, sql, params, deadline=deadline)[0] or 0)
    judge_count(rule, outcome, count=count, rows=rows, op=op, threshold=threshold)


def rule_expectation(rule: Rule) -> tuple[str, object]:
    """A library rule's (operator, threshold); without one, rows must exist and nothing may break the rule."""
    default = ("mustBeGreaterThan", 0) if rule.metric == "rowCount" else ("mustBe", 0)
    return expectations.expectation_from(rule.raw, default)


def judge_rows(outcome: Outcome, *, rows: int, op: str, threshold) -> None:
    outcome.unit = "rows"
    _judge(outcome, rows, op, threshold, f"{rows} rows")


def judge_count(rule: Rule, outcome: Outcome, *, count: int, rows: int, op: str, threshold) -> None:
    """Judge a row-level metric from the number of rows that break it (counted here or by a pipeline)."""
    outcome.rows_checked, outcome.rows_failed = rows, count
    measured = _in_unit(count, rows, rule.unit)
    share = f"{100 * count / rows:.3g}% of {rows} rows" if rows else "no rows"
    one, many = _NOUNS[rule.metric]
    where = f"in {rule.column or _properties_label(rule)}"
    if rule.unit == "percent":
        found = f"{expectations.format_amount(measured, 'percent')} {many} {where} ({count} of {rows} rows)"
    else:
        found = f"{count} {one if count == 1 else many} {where} ({share})"
    _judge(outcome, measured, op, threshold, found)


def _in_unit(count: int, rows: int, unit: str) -> float:
    if unit != "percent":
        return float(count)
    return 100.0 * count / rows if rows else 0.0


def _judge(outcome: Outcome, measured, op: str, threshold, found: str) -> None:
    outcome.measured = float(measured) if measured is not None else None
    outcome.expected = {op: threshold}
    outcome.passed = expectations.compare(op, measured, threshold)
    outcome.message = f"{found}, rule {expectations.describe(op, threshold, outcome.unit)}"


def _properties_label(rule: Rule) -> str:
    props = rule.arguments.get("properties") or []
    return ", ".join(props) if props else "whole rows"


def _count_sql(rule: Rule) -> tuple[str, list]:
    """SQL counting the rows that break a row-level metric, with its parameters."""
    if rule.metric == "duplicateValues":
        return _duplicates_sql(rule), []
    col = _column(rule)
    text = f"CAST({col} AS VARCHAR)"
    if rule.metric == "nullValues":
        return f"SELECT count(*) FROM {VIEW} WHERE {col} IS NULL", []  # noqa: S608 (quoted identifiers; values are parameters)
    if rule.metric == "missingValues":
        tokens = sorted({*MISSING_TOKENS, *(str(t).strip().lower() for t in _list_arg(rule, "missingValues"))})
        return f"SELECT count(*) FROM {VIEW} WHERE {col} IS NULL OR list_contains(?, lower(trim({text})))", [tokens]  # noqa: S608 (quoted identifiers; values are parameters)
    return _invalid_sql(rule, text)


def _invalid_sql(rule: Rule, text: str) -> tuple[str, list]:
    args = rule.arguments
    conditions, params = [], []
    if "validValues" in args:
        conditions.append(f"NOT list_contains(?, {text})")
        params.append([str(v) for v in _list_arg(rule, "validValues")])
    if args.get("pattern"):
        conditions.append(f"NOT regexp_full_match({text}, ?)")
        params.append(str(args["pattern"]))
    if not conditions:
        raise RuleError("invalidValues needs arguments.validValues or arguments.pattern")
    where = " OR ".join(conditions)
    return f"SELECT count(*) FROM {VIEW} WHERE {text} IS NOT NULL AND ({where})", params  # noqa: S608 (quoted identifiers; values are parameters)


def _duplicates_sql(rule: Rule) -> str:
    if rule.column:
        col = _column(rule)
        return f"SELECT count({col}) - count(DISTINCT {col}) FROM {VIEW}"  # noqa: S608 (quoted identifiers; values are parameters)
    props = rule.arguments.get("properties") or []
    if props:
        cols = ", ".join(quote(str(p)) for p in props)
        return f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {VIEW})) FROM {VIEW}"  # noqa: S608 (quoted identifiers; values are parameters)
    return f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT * FROM {VIEW})) FROM {VIEW}"  # noqa: S608 (quoted identifiers; values are parameters)


def _column(rule: Rule) -> str:
    if not rule.column:
        raise RuleError(f"{rule.metric} must sit on a property (or name arguments.properties)")
    return quote(rule.column)


def _list_arg(rule: Rule, key: str) -> list:
    value = rule.arguments.get(key) or []
    if not isinstance(value, list):
        raise RuleError(f"arguments.{key} must be a list, got {value!r}")
    return value


def _evaluate_sql(con, rule: Rule, outcome: Outcome, *, rows: int, object_names, deadline: Deadline) -> None:
    if not rule.query:
        raise RuleError("an sql rule needs a query")
    op, threshold = expectations.expectation_from(rule.raw)
    sql = sqlguard.prepare(rule.query, object_names=object_names, column=rule.column)
    value = one_number(sqlguard.fetch_one(con, sql, deadline=deadline))
    measured = _in_unit(value or 0, rows, rule.unit) if rule.unit == "percent" else value
    if rule.unit == "percent":
        outcome.rows_checked, outcome.rows_failed = rows, None
    shown = expectations.format_amount(measured, rule.unit) if measured is not None else "nothing"
    _judge(outcome, measured, op, threshold, f"query returned {shown}")


def one_number(row) -> float | None:
    """The single number a SQL rule's row holds (None for NULL or no row); else ``RuleError`` saying what it held."""
    if row is None:
        return None
    if len(row) != 1:
        raise RuleError(f"the query must return one number; it returned {len(row)} columns")
    value = row[0]
    if value is None:
        return None
    if isinstance(value, int | float | decimal.Decimal):  # bool is an int: true counts as 1
        return float(value)
    raise RuleError(f"the query must return one number; it returned {_kind_of(value)}")


def _kind_of(value) -> str:
    """What a value is, in words that say nothing of what it holds."""
    kinds = ((str, "text"), (bytes, "binary data"), (dt.datetime, "a timestamp"), (dt.date, "a date"),
             (dt.time, "a time"), (dt.timedelta, "an interval"), (list | tuple, "a list"), (dict, "a struct"))
    return next((words for kind, words in kinds if isinstance(value, kind)), "a value that is not a number")
