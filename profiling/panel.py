"""The product page's "Schema & profile" panel: statistics, small histograms, drift, PII, run state."""
from __future__ import annotations

from django.template.loader import render_to_string

from catalog.permissions import can_write_domain
from catalog.visibility import Viewer
from profiling import selectors

BAR_WIDTH, BAR_HEIGHT = 4, 24


def histogram_bars(stats: dict) -> list[dict]:
    """SVG rectangles for a 20-bin histogram, scaled to the tallest bin."""
    counts = (stats.get("histogram") or {}).get("counts") or []
    top = max(counts, default=0) or 1
    bars = []
    for k, n in enumerate(counts):
        h = round(BAR_HEIGHT * n / top, 1) if n else 0
        bars.append({"x": k * BAR_WIDTH, "y": BAR_HEIGHT - h, "h": h, "n": n})
    return bars


def _column_rows(item: selectors.PortProfile, row_count: int) -> list[dict]:
    return [{"col": c, "stats": c.stats, "bars": histogram_bars(c.stats), "width": BAR_WIDTH * 20,
             "height": BAR_HEIGHT, "top": (c.stats.get("top_values") or [])[:3]} for c in item.columns]


def render_panel(request, product) -> str | None:
    if not Viewer.of(request.user).reads(product):
        return None
    items = selectors.port_profiles(product=product)
    if not items:
        return None
    ports = [{"item": item, "rows": _column_rows(item, item.profile.row_count if item.profile else 0)}
             for item in items]
    can_run = can_write_domain(request.user, product.domain)
    return render_to_string("profiling/panel.html",
                            {"product": product, "ports": ports, "can_run": can_run}, request=request)


def register() -> None:
    from catalog.panels import register_product_panel

    register_product_panel("profile", "Schema & profile", render_panel, order=20, tab="schema")
