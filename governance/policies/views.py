"""Compliance pages: the mesh's for stewards (domains × policies, worst domains first; a cell lists its failing
products) and one domain's (its policies × the products the reader may know of, its score and trend)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from catalog.models import DataProduct, Domain
from catalog.permissions import is_steward
from governance.charts import history_chart
from governance.policies import selectors
from governance.policies.models import Policy


@login_required
def mesh_compliance(request):
    if not is_steward(request.user):
        raise PermissionDenied("The mesh's compliance is for stewards.")
    data = selectors.mesh_compliance()
    context = {**data, "chart": history_chart([{"at": _moment(t.day), "score": t.score}
                                              for t in data["trend"] if t.score is not None])}
    if request.GET.get("policy"):
        policy = get_object_or_404(Policy, key=request.GET["policy"])
        domain = get_object_or_404(Domain, slug=request.GET["domain"]) if request.GET.get("domain") else None
        context.update(selected=policy, selected_domain=domain,
                       failing=selectors.failing_products(policy=policy, domain=domain))
    return render(request, "governance/compliance.html", context)


@login_required
def domain_compliance(request, slug: str):
    """A domain's policies × products; like the API, only the products the reader may know of are shown."""
    domain = get_object_or_404(Domain, slug=slug)
    data = selectors.domain_compliance(domain)
    known = set(DataProduct.objects.known_to(request.user).filter(domain=domain).values_list("pk", flat=True))
    shown = [i for i, p in enumerate(data["products"]) if p.pk in known]
    products = [data["products"][i] for i in shown]
    matrix = [{"policy": row["policy"], "cells": [{**row["cells"][i], "product": data["products"][i]} for i in shown]}
              for row in data["matrix"]]
    context = {"domain": domain, "score": data["score"], "matrix": matrix,
               "products": [{"product": p, "score": data["product_scores"][p.identifier]} for p in products],
               "trend": data["trend"], "chart": history_chart([{"at": _moment(t.day), "score": t.score}
                                                               for t in data["trend"] if t.score is not None])}
    return render(request, "governance/domain_compliance.html", context)


def _moment(day):
    import datetime as dt

    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
