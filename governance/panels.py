"""The quality panel on the product page (registered with ``catalog.panels``)."""
from __future__ import annotations

from django.template.loader import render_to_string

from catalog.permissions import can_write_domain
from catalog.visibility import Viewer
from governance import selectors
from governance.charts import history_chart
from governance.disclosure import sees_values


def quality_context(request, product) -> dict:
    user = getattr(request, "user", None)
    summary = selectors.quality_summary(product, viewer=user)
    dims = [{"name": name, "score": score} for name, score in summary["dimensions"].items()]
    return {
        "product": product,
        "summary": summary,
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


def band(score: float | None) -> str:
    """The badge a score wears: good, fair, poor (or none)."""
    if score is None:
        return "none"
    return "good" if score >= 80 else "fair" if score >= 60 else "poor"
