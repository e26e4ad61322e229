"""The product page's "Compliance" panel: each policy, its result, message and exception."""
from __future__ import annotations

from django.template.loader import render_to_string

from catalog.visibility import Viewer
from governance.policies.selectors import product_compliance


def compliance_panel(request, product) -> str | None:
    summary = product_compliance(product)
    if not summary["items"]:
        return None
    user = getattr(request, "user", None)
    return render_to_string("governance/compliance_panel.html", {
        "product": product, "summary": summary, "details_visible": Viewer.of(user).reads(product),
    }, request=request)
