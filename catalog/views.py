"""Marketplace pages: thin views over ``catalog.selectors``, rendered on the server (publishing: ``catalog.publish_views``)."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

from catalog import selectors, starting_points
from catalog.models import DataProduct, Domain
from catalog.panels import TAB_KEYS, TABS, product_actions, product_panels
from catalog.permissions import can_write_domain
from catalog.visibility import Viewer


def home(request):
    user = request.user
    lists = [
        {"key": "most-used", "title": "Most used", "products": starting_points.most_used(user=user),
         "more": "/search/?sort=usage", "empty": "No product has recorded use yet."},
        {"key": "highest-quality", "title": "Highest quality", "products": starting_points.highest_quality(user=user),
         "more": "/search/?sort=quality", "empty": "No product has a quality score yet."},
        {"key": "newly-published", "title": "Newly published", "products": starting_points.newly_published(user=user),
         "more": "/search/?sort=updated", "empty": "No published data products yet."},
    ]
    if user.is_authenticated:
        lists.insert(0, {"key": "my-domains", "title": "Your domains’ products",
                         "products": starting_points.my_domains_products(user=user), "more": "",
                         "empty": "You are on no domain team yet."})
        lists.insert(1, {"key": "following", "title": "Products you follow",
                         "products": starting_points.followed_products(user=user), "more": "",
                         "empty": ("You follow no products yet: use Follow on a product’s page."
                                   if starting_points.following_available() else
                                   "Following products is not available on this installation.")})
    return render(request, "catalog/home.html", {"domains": selectors.domain_list(user=user), "lists": lists})


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
    """The product page: a header, then one tab at a time (``?tab=``), rendered on the server."""
    product = _visible_product(request, identifier)
    tab = request.GET.get("tab") or "overview"
    if tab not in TAB_KEYS:
        tab = "overview"
    visible_sources = selectors.visible_source_ids(user=request.user, product=product)
    owners = selectors.product_owner_people(product)
    return render(request, "catalog/product.html", {
        "product": product,
        "tab": tab,
        "tabs": [{"key": key, "label": label} for key, label in TABS],
        "owners": [person.name for person in owners],
        "owner_people": owners,
        "team_people": selectors.product_team_people(product),
        "details_visible": Viewer.of(request.user).reads(product),
        "output_ports": [_port_view(p) for p in product.output_ports.all()],
        "input_ports": [(p, p.source_port_id and p.source_port.product_id in visible_sources)
                        for p in product.input_ports.all()],
        "consumers": selectors.product_consumers(user=request.user, product=product),
        "restricted_sources": selectors.restricted_sources(product),
        "successor": selectors.successor(user=request.user, product=product),
        "actions": _rendered_actions(request, product),
        "panels": _rendered_panels(request, product, tab),
        "can_edit": can_write_domain(request.user, product.domain),
    })


def _visible_product(request, identifier: str) -> DataProduct:
    try:
        return selectors.product_detail(user=request.user, identifier=identifier)
    except DataProduct.DoesNotExist as exc:
        raise Http404("No such data product, or you may not see it.") from exc


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


def _rendered_panels(request, product, tab: str) -> list[dict]:
    """The panels of the shown tab that other apps registered; a panel returning None is skipped."""
    rendered = []
    for panel in product_panels():
        if panel.tab != tab:
            continue
        html = panel.render(request, product)
        if html:
            rendered.append({"key": panel.key, "title": panel.title, "html": mark_safe(html)})  # noqa: S308
    return rendered


def _rendered_actions(request, product) -> list:
    """Header actions other apps registered (Follow, Request access); None hides one."""
    return [mark_safe(html) for action in product_actions() if (html := action.render(request, product))]  # noqa: S308
