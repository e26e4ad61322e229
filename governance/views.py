"""Governance pages: quality across the mesh, a product's quality on its own page, the owner's "check again" button."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from catalog.models import DataProduct, DomainMembership
from catalog.selectors import product_owner_people
from governance.charts import history_chart, sparkline
from governance.panels import band, quality_panel
from governance.selectors import GOOD, TREND_DAYS, domain_quality, needs_attention, score_trends
from governance.services import product_quality_request


def _product(request, identifier: str) -> DataProduct:
    return get_object_or_404(DataProduct.objects.known_to(request.user), identifier=identifier)


def _product_url(product: DataProduct) -> str:
    try:
        return product.get_absolute_url()
    except NoReverseMatch:  # the catalog pages are not mounted (e.g. an API-only deployment)
        return reverse("governance:product_quality", args=[product.identifier])


def overview(request):
    """Quality per domain with its trend, and the products that most need their owners (whom to ask, what fails)."""
    trends = score_trends(viewer=request.user)
    domains = domain_quality(viewer=request.user)
    for row in domains:
        row["band"] = band(row["average"])
        row["spark"] = sparkline(trends.get(row["domain__slug"], []))
    attention = needs_attention(viewer=request.user)
    prefetch_related_objects(attention, "team_members__user",
                             Prefetch("domain__memberships", queryset=DomainMembership.objects.select_related("user")))
    for product in attention:
        product.band = band(product.quality_score)
        product.people = product_owner_people(product)
    return render(request, "governance/overview.html", {
        "domains": domains, "attention": attention, "bar": GOOD,
        "trend": history_chart(trends.get("", []), width=640, height=180), "trend_days": TREND_DAYS,
    })


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
