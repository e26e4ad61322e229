"""Marketplace pages: thin views over ``catalog.selectors``, rendered on the server."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

from catalog import selectors
from catalog.models import DataProduct, Domain
from catalog.panels import product_panels


def home(request):
    return render(request, "catalog/home.html", {
        "domains": selectors.domain_list(user=request.user),
        "recent": selectors.recently_updated(user=request.user),
    })


def domains(request):
    return render(request, "catalog/domains.html", {"domains": selectors.domain_list(user=request.user)})


def domain_detail(request, slug: str):
    try:
        domain = selectors.domain_detail(user=request.user, slug=slug)
    except Domain.DoesNotExist as exc:
        raise Http404("No such domain.") from exc
    return render(request, "catalog/domain.html", {
        "domain": domain,
        "team": selectors.domain_team(domain),
        "products": selectors.product_list(user=request.user, filters={"domain": slug}),
    })


def product_detail(request, identifier: str):
    try:
        product = selectors.product_detail(user=request.user, identifier=identifier)
    except DataProduct.DoesNotExist as exc:
        raise Http404("No such data product, or you may not see it.") from exc
    visible_sources = selectors.visible_source_ids(user=request.user, product=product)
    return render(request, "catalog/product.html", {
        "product": product,
        "owners": selectors.product_owners(product),
        "domain_team": selectors.domain_team(product.domain),
        "details_visible": product.details_visible_to(request.user),
        "output_ports": [_port_view(p) for p in product.output_ports.all()],
        "input_ports": [(p, p.source_port_id and p.source_port.product_id in visible_sources)
                        for p in product.input_ports.all()],
        "consumers": selectors.product_consumers(user=request.user, product=product),
        "panels": _rendered_panels(request, product),
    })


def _port_view(port) -> dict:
    """A port and what its contract document says, shaped for the template."""
    document = port.contract.document if port.contract else {}
    return {
        "port": port,
        "columns": list(port.columns.all()),
        "servers": document.get("servers") or [],
        "sla": document.get("slaProperties") or [],
        "quality": selectors.contract_quality_rules(document),
    }


def _rendered_panels(request, product) -> list[dict]:
    """Panels other apps registered (quality, profile, lineage); a panel returning None is skipped."""
    rendered = []
    for panel in product_panels():
        html = panel.render(request, product)
        if html:
            rendered.append({"key": panel.key, "title": panel.title, "html": mark_safe(html)})  # noqa: S308
    return rendered
