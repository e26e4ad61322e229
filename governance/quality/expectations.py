"""ODCS comparison operators: evaluate a measured value against a rule and say it in words."""
from __future__ import annotations

import math

OPERATORS = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
)
_BETWEEN = {"mustBeBetween", "mustNotBeBetween"}


class ExpectationError(ValueError):
    """The rule's operator or threshold cannot be used (a contract mistake, reported per check)."""


def expectation_from(rule: dict, default: tuple[str, object] | None = None) -> tuple[str, object]:
    """The (operator, threshold) a rule states, or ``default`` when it states none."""
    found = [op for op in OPERATORS if op in rule]
    if len(found) > 1:
        raise ExpectationError(f"the rule has more than one operator: {', '.join(found)}")
    if not found:
        if default is None:
            raise ExpectationError(f"the rule has no operator (one of {', '.join(OPERATORS)})")
        return default
    op = found[0]
    return op, _threshold(op, rule[op])


def _threshold(op: str, value):
    if op in _BETWEEN:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ExpectationError(f"{op} needs a list of two numbers, got {value!r}")
        low, high = (_number(op, v) for v in value)
        if low > high:
            raise ExpectationError(f"{op} needs the smaller number first, got {value!r}")
        return [low, high]
    if op in ("mustBe", "mustNotBe"):
        return value
    return _number(op, value)


def _number(op: str, value) -> int | float:
    if isinstance(value, bool):
        raise ExpectationError(f"{op} needs a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ExpectationError(f"{op} needs a number, got {value!r}") from exc
    if math.isnan(number):
        raise ExpectationError(f"{op} needs a number, got {value!r}")
    return int(number) if number.is_integer() else number  # stored and shown as written: 0, not 0.0


def compare(op: str, measured, threshold) -> bool:
    """Whether ``measured`` satisfies ``op threshold``."""
    if op == "mustBe":
        return _equal(measured, threshold)
    if op == "mustNotBe":
        return not _equal(measured, threshold)
    if measured is None:
        return False
    m = float(measured)
    if op in _BETWEEN:
        inside = threshold[0] <= m <= threshold[1]
        return inside if op == "mustBeBetween" else not inside
    return {
        "mustBeGreaterThan": m > threshold,
        "mustBeGreaterOrEqualTo": m >= threshold,
        "mustBeLessThan": m < threshold,
        "mustBeLessOrEqualTo": m <= threshold,
    }[op]


def _equal(measured, threshold) -> bool:
    try:
        return math.isclose(float(measured), float(threshold), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return str(measured) == str(threshold)


def format_amount(value, unit: str) -> str:
    """``3.1%`` for percents, ``42`` for rows (numbers without needless decimals)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    else:
        text = str(value)
    return f"{text}%" if unit == "percent" else text


def describe(op: str, threshold, unit: str) -> str:
    """The rule in words: ``allows at most 1%``, ``requires between 10 and 20``."""
    if op in _BETWEEN:
        low, high = (format_amount(v, unit) for v in threshold)
        return f"requires between {low} and {high}" if op == "mustBeBetween" else f"requires outside {low}–{high}"
    amount = format_amount(threshold, unit)
    return {
        "mustBe": "allows none" if _is_zero(threshold) else f"requires exactly {amount}",
        "mustNotBe": f"requires anything but {amount}",
        "mustBeGreaterThan": f"requires more than {amount}",
        "mustBeGreaterOrEqualTo": f"requires at least {amount}",
        "mustBeLessThan": f"allows less than {amount}",
        "mustBeLessOrEqualTo": f"allows at most {amount}",
    }[op]


def _is_zero(value) -> bool:
    try:
        return float(value) == 0
    except (TypeError, ValueError):
        return False
