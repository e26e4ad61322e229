"""The product page's "Access" panel: ask for it, see one's own standing, use the data, see who holds it."""
from __future__ import annotations

from django.template.loader import render_to_string

from catalog.visibility import Viewer
from governance.access import policy
from governance.access.models import AccessRequest
from governance.access.provisioning.selectors import connection_snippets, data_access, served_by_meshport
from governance.access.selectors import access_grants_for, product_consumers


def access_context(request, product) -> dict:
    user = request.user
    viewer = Viewer.of(user)
    context = {"product": product, "signed_in": viewer.authenticated, "ports": [], "consumers": None}
    if not viewer.authenticated:
        return context
    base = request.build_absolute_uri("/")
    for port in product.output_ports.select_related("contract").order_by("name"):
        access = data_access(user, port)
        context["ports"].append({
            "port": port, "may_read": access.allowed, "reason": access.reason,
            "snippets": connection_snippets(port, user, base_url=base) if access.allowed else {},
            "download": access.allowed and served_by_meshport(port),
        })
    context["my_grants"] = list(access_grants_for(user=user, product=product.identifier).filter(
        grantee=user, state="active"))
    context["my_pending"] = list(AccessRequest.objects.filter(requester=user, product=product, state="pending")
                                 .select_related("port"))
    if policy.sees_consumers(user, product):
        consumers = list(product_consumers(product=product))
        context["consumers"] = consumers
        context["may_revoke"] = bool(consumers) and policy.may_revoke(user, consumers[0])  # the same for every grant here
        context["pending_total"] = AccessRequest.objects.filter(product=product, state="pending").count()
    return context


def access_panel(request, product) -> str:
    return render_to_string("governance/access/panel.html", access_context(request, product), request=request)
