"""Governance pages: quality across the mesh, a product's quality on its own page, the owner's "check again" button."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from catalog.models import DataProduct
from governance.panels import band, quality_panel
from governance.selectors import GOOD, domain_quality, needs_attention
from governance.services import product_quality_request


def _product(request, identifier: str) -> DataProduct:
    return get_object_or_404(DataProduct.objects.known_to(request.user), identifier=identifier)


def _product_url(product: DataProduct) -> str:
    try:
        return product.get_absolute_url()
    except NoReverseMatch:  # the catalog pages are not mounted (e.g. an API-only deployment)
        return reverse("governance:product_quality", args=[product.identifier])


def overview(request):
    """Quality per domain and the products that most need their owners, for stewards and everyone else."""
    domains = domain_quality(viewer=request.user)
    for row in domains:
        row["band"] = band(row["average"])
    attention = needs_attention(viewer=request.user)
    for product in attention:
        product.band = band(product.quality_score)
    return render(request, "governance/overview.html",
                  {"domains": domains, "attention": attention, "bar": GOOD})


def product_quality(request, identifier: str):
    product = _product(request, identifier)
    # The panel's HTML is built by our own template with autoescaping on.
    panel = mark_safe(quality_panel(request, product))  # noqa: S308
    return render(request, "governance/product_quality.html",
                  {"product": product, "panel": panel, "product_url": _product_url(product)})


@require_POST
@login_required
def quality_run(request, identifier: str):
    product = _product(request, identifier)
    product_quality_request(product=product, actor=request.user)  # PermissionDenied → 403
    messages.success(request, "Profiling and quality checks are queued; the score updates when they finish.")
    return redirect(_product_url(product))
