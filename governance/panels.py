"""The quality panel on the product page (registered with ``catalog.panels``)."""
from __future__ import annotations

from django.template.loader import render_to_string

from catalog.permissions import can_write_domain
from catalog.visibility import Viewer
from governance import selectors
from governance.charts import history_chart
from governance.disclosure import sees_values
from governance.quality.rules import contract_rules
from governance.quality.scoring import band
from standards.quality_words import amount, describe_check


def _contract_rules(product) -> dict[tuple, dict]:
    """``(port id, rule name) → the rule as the contract writes it`` (SQL checks are described from their query)."""
    found = {}
    for port in product.output_ports.all():
        if port.contract_id:
            for rule in contract_rules(port.contract.document, port.schema_object):
                found[(port.pk, rule.name)] = rule.raw
    return found


def _worded(checks: list[dict], rules: dict[tuple, dict]) -> list[dict]:
    """Each check with ``words``: its rule in plain words; failed first, then not evaluated, then passed."""
    worded = []
    for check in checks:
        name = str(check.get("name") or "")
        rule = rules.get((check.get("port"), name.split(": ", 1)[-1])) or rules.get((check.get("port"), name))
        measured = check.get("measured")
        found = amount(measured, str(check.get("unit") or "")) if measured is not None else ""
        worded.append({**check, "words": describe_check(check, rule=rule), "found": found})
    order = {False: 0, None: 1, True: 2}
    return sorted(worded, key=lambda c: order[c.get("passed")])


def quality_context(request, product) -> dict:
    user = getattr(request, "user", None)
    summary = selectors.quality_summary(product, viewer=user)
    checks = _worded(summary["checks"], _contract_rules(product)) if summary["checks"] else []
    dims = [{"name": name, "score": score} for name, score in summary["dimensions"].items()]
    return {
        "product": product,
        "summary": summary,
        "failed": [c for c in checks if c.get("passed") is False],
        "unevaluated": [c for c in checks if c.get("passed") is None],
        "passed": [c for c in checks if c.get("passed") is True],
        "band": band(summary["score"]),
        "dimensions": dims,
        "explanations": selectors.explanations(product, viewer=user),
        "details_visible": Viewer.of(user).reads(product),
        "chart": history_chart(summary["history"]),
        "can_run": bool(user and user.is_authenticated and can_write_domain(user, product.domain)),
        # a run's error comes from reading the data and may quote it: for those who may see its values
        "values_visible": sees_values(user, product),
        "runs": selectors.recent_runs(product) if Viewer.of(user).reads(product) else [],
    }


def quality_panel(request, product) -> str:
    return render_to_string("governance/quality_panel.html", quality_context(request, product), request=request)
