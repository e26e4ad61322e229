"""The product page's "Similar products" panel (registered from ``SearchConfig.ready``)."""
from __future__ import annotations

from django.template.loader import render_to_string

from catalog.visibility import Viewer
from search.semantic.similar import similar_products


def similar_panel(request, product) -> str | None:
    hits = similar_products(product, Viewer.of(request.user))
    if not hits:
        return None
    return render_to_string("search/_similar.html", {"product": product, "hits": hits}, request=request)


def register() -> None:
    from catalog.panels import register_product_panel

    register_product_panel("similar", "Similar products", similar_panel, order=50, tab="overview")
