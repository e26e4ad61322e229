"""Lineage pages: the full-page explorer and the product-page panel."""
from __future__ import annotations

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from catalog.models import Domain
from catalog.visibility import Viewer
from lineage.models import ProductEdge
from lineage.selectors import graph


def explorer(request):
    """The cross-domain graph, collapsed by domain; ``?node=`` opens it centred on a node.

    A node the viewer may not know of is said on the page, in words, before any drawing is attempted
    (a 200: the page itself was found, and a 404 would only add a console error).
    """
    node = request.GET.get("node", "").strip()
    context = {"api_url": reverse("lineage-graph"), "node": node, "domains": domain_palette()}
    if node:
        try:
            graph.resolve_node(node, viewer=request.user)
        except graph.NodeNotFound:
            context["unknown"] = True
    return render(request, "lineage/explorer.html", context)


def domain_palette() -> list[list[str]]:
    """Every domain as ``[slug, name]`` in a fixed order (by slug): the explorer colours them in this order,
    from a palette of 12, so a domain keeps its colour on every map and 12 domains never share one."""
    return [list(pair) for pair in Domain.objects.order_by("slug").values_list("slug", "name")]


def product_lineage_panel(request, product) -> str:
    """Upstream and downstream neighbours of a product the viewer may know of, with a small graph (its
    answers are the viewer's too) and a link to the explorer."""
    viewer = Viewer.of(getattr(request, "user", None))
    edges = ProductEdge.objects.values_list
    upstream = edges("source__identifier", flat=True).filter(viewer.lists_q("source__"), target=product).distinct()
    downstream = edges("target__identifier", flat=True).filter(viewer.lists_q("target__"), source=product).distinct()
    context = {
        "product": product,
        "upstream": sorted(upstream),
        "downstream": sorted(downstream),
        "api_url": reverse("lineage-graph"),
        "impact_url": reverse("product-impact", args=[product.identifier]),
        "explorer_base": reverse("lineage:explorer"),
        "explorer_url": f"{reverse('lineage:explorer')}?{urlencode({'node': product.identifier})}",
        "domains": domain_palette(),
    }
    return render_to_string("lineage/panel.html", context, request=request)
