"""Who may see what a quality check measured, and what everyone else sees instead.

A check's measured value, and the message that states it, can be the data itself: a SQL rule's
``max(card_number)`` is a card number, a freshness check quotes the newest value of its column.
So a check that reads personal or restricted data shows its value only to the product's domain
team and to stewards (``catalog.permissions.can_write_domain``). It reads such data when its
column is one (classified pii/restricted/confidential, or flagged by profiling:
``profiling.store.sensitive_columns``), or when it is a SQL rule or a whole-row rule on a
port that has one: those can read every column. Everyone else sees the check's name, whether it
passed and what the contract expects; its measured value is None and its message says why.

Decided when read, not when run: a column classified later hides the values already stored.
"""
from __future__ import annotations

from collections.abc import Iterable

from catalog.models import DataProduct, OutputPort
from catalog.permissions import can_write_domain
from governance.quality.expectations import describe
from governance.quality.scoring import format_points
from profiling.store import sensitive_columns_by_port

HIDDEN = "hidden: the rule reads personal or restricted data"
_VERDICTS = {True: "passed", False: "failed", None: "not evaluated"}


def sees_values(viewer, product: DataProduct) -> bool:
    """The product's domain team (owners and members) and stewards see every measured value."""
    return can_write_domain(viewer, product.domain)


class Sensitivity:
    """The sensitive columns of a product's ports, and whether a stored check reads any of them."""

    def __init__(self, by_port: dict[int, set[str]]):
        self.by_port = by_port
        self.anywhere = set().union(*by_port.values())

    @classmethod
    def of_products(cls, products: Iterable[DataProduct]) -> dict[int, Sensitivity]:
        """Each product's sensitivity (by product id), in three queries however many products."""
        ports = OutputPort.objects.filter(product__in=list(products)).values_list("pk", "product_id")
        columns = sensitive_columns_by_port([pk for pk, _ in ports])
        by_product: dict[int, dict[int, set[str]]] = {p.pk: {} for p in products}
        for pk, product_id in ports:
            by_product[product_id][pk] = columns[pk]
        return {product_id: cls(by_port) for product_id, by_port in by_product.items()}

    def reads_sensitive(self, check: dict) -> bool:
        # a check stored before checks named their port is judged against every port of the product
        columns = self.by_port.get(check.get("port"), self.anywhere)
        if not columns:
            return False
        kind, column = check.get("rule_kind"), check.get("column")
        if kind == "sql":
            return True  # a query may read any column of its port, whatever property it sits on
        if column:
            return column in columns
        return kind == "library" and check.get("metric") != "rowCount"  # duplicates over rows or properties


def hidden_message(check: dict) -> str:
    """``failed, rule allows less than 100 (measured value hidden: …)``: the verdict and the expectation only."""
    verdict = _VERDICTS.get(check.get("passed"), "not evaluated")
    rule = _expectation(check)
    if check.get("passed") is None:
        return f"{verdict} (details {HIDDEN})"
    return f"{verdict}{f', rule {rule}' if rule else ''} (measured value {HIDDEN})"


def _expectation(check: dict) -> str:
    expected = check.get("expected") or {}
    if not isinstance(expected, dict) or len(expected) != 1:
        return ""
    [(op, threshold)] = expected.items()
    try:
        return describe(op, threshold, check.get("unit") or "")
    except (KeyError, TypeError, ValueError):
        return ""


def checks_for(checks: Iterable[dict], *, sensitivity: Sensitivity | None) -> list[dict]:
    """The checks as a viewer may see them (``sensitivity`` None: the viewer sees every value).

    Each gets ``hidden``: whether its value was withheld.
    """
    shown = []
    for check in checks:
        if sensitivity is not None and sensitivity.reads_sensitive(check):
            shown.append({**check, "measured": None, "message": hidden_message(check), "hidden": True})
        else:
            shown.append({**check, "hidden": False})
    return shown


def explanations_for(explanations: Iterable[dict], checks: Iterable[dict], *,
                     sensitivity: Sensitivity | None) -> list[dict]:
    """What costs points, with the text of checks that read sensitive data said without their values."""
    explanations = list(explanations)
    if sensitivity is None:
        return explanations
    hidden = {c.get("name"): c for c in checks if sensitivity.reads_sensitive(c)}
    return [_explanation(e, hidden, unknown_hidden=bool(sensitivity.anywhere)) for e in explanations]


def _explanation(explanation: dict, hidden: dict[str, dict], *, unknown_hidden: bool) -> dict:
    points = f"−{format_points(explanation.get('points') or 0)}"
    name = explanation.get("check")
    if name in hidden:
        return {**explanation, "text": f"{points}: {name} {hidden_message(hidden[name])}"}
    if name is None and unknown_hidden:  # not tied to a stored check: its text cannot be judged
        return {**explanation, "text": f"{points}: a check whose details are {HIDDEN}"}
    return explanation


def sensitivity_for(viewer, product: DataProduct) -> Sensitivity | None:
    """None when the viewer sees every value of the product's checks, else what to hide from them."""
    return sensitivities_for(viewer, [product])[product.pk]


def sensitivities_for(viewer, products: Iterable[DataProduct]) -> dict[int, Sensitivity | None]:
    """``sensitivity_for`` of many products (by id), with the same few queries for any number."""
    products = list(products)
    hidden = Sensitivity.of_products([p for p in products if not sees_values(viewer, p)])
    return {p.pk: hidden.get(p.pk) for p in products}
