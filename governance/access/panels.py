"""The product page's "Access" panel: ask for it, see one's own standing, use the data, see who holds it."""
from __future__ import annotations

from django.template.loader import render_to_string

from catalog.locations import port_refusal
from catalog.visibility import Viewer
from governance.access import policy
from governance.access.models import AccessRequest
from governance.access.provisioning.selectors import (
    connection_snippets,
    data_access,
    port_sample,
    served_by_meshport,
)
from governance.access.selectors import access_grants_for, product_consumers
from profiling.errors import ProfilingError

SAMPLE_ROWS = 20


def access_context(request, product) -> dict:
    user = request.user
    viewer = Viewer.of(user)
    context = {"product": product, "signed_in": viewer.authenticated, "ports": [], "consumers": None}
    if not viewer.authenticated:
        return context
    base = request.build_absolute_uri("/")
    for port in product.output_ports.select_related("contract").order_by("name"):
        access = data_access(user, port)
        served = access.allowed and served_by_meshport(port)
        context["ports"].append({
            "port": port, "may_read": access.allowed, "reason": access.reason,
            "snippets": connection_snippets(port, user, base_url=base) if access.allowed else {},
            "download": served, **(_sample(port, user) if served else {}),
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


def _sample(port, user) -> dict:
    """The first rows of a port Meshport serves, masked for the user, or why there are none."""
    refusal = port_refusal(port)
    if refusal:
        return {"sample_error": refusal}
    try:
        # masked on the page for the team too; a grant's role may unmask, the API gives the team all
        return {"sample": port_sample(port, user, limit=SAMPLE_ROWS, team_unmasked=False)}
    except ProfilingError as exc:
        return {"sample_error": str(exc)}


def access_panel(request, product) -> str:
    return render_to_string("governance/access/panel.html", access_context(request, product), request=request)
