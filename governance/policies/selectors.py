"""Policy reads: a product's compliance, a domain's matrix and trend, the mesh summary for stewards.

A waiver lapses by itself: a ``waived`` row whose exception has expired reads as ``failed`` here,
before the next evaluation rewrites it.
"""
from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from catalog.models import DataProduct, Domain
from governance.policies.models import ComplianceDaily, Policy, PolicyEvaluation

WEIGHTS = {"info": 1, "warning": 2, "blocking": 3}
RESULTS = ("passed", "failed", "waived", "not_applicable")


def effective_result(evaluation: PolicyEvaluation, now=None) -> str:
    if evaluation.result == "waived" and (evaluation.exception is None or evaluation.exception.expires <= (now or timezone.now())):
        return "failed"
    return evaluation.result


def weighted_score(rows) -> float | None:
    """Compliance in percent: passed and waived over everything applicable, each weighted by severity."""
    total = sum(WEIGHTS[sev] * n for sev, result, n in rows if result != "not_applicable")
    good = sum(WEIGHTS[sev] * n for sev, result, n in rows if result in ("passed", "waived"))
    return round(100 * good / total, 1) if total else None


def policies_visible() -> QuerySet[Policy]:
    return Policy.objects.select_related("domain").order_by("scope", "domain__slug", "key")


def product_compliance(product: DataProduct, *, now=None) -> dict:
    """Each policy's result on the product (with message, values and exception) and the weighted score."""
    rows = (PolicyEvaluation.objects.filter(product=product, policy__enabled=True)
            .select_related("policy", "exception__approved_by").order_by("-policy__severity", "policy__key"))
    items = []
    for ev in rows:
        result = effective_result(ev, now)
        items.append({"policy": ev.policy, "result": result, "message": ev.message if result != "passed" else "",
                      "values": ev.values, "failures": ev.failures, "evaluated_at": ev.evaluated_at,
                      "exception": ev.exception if result == "waived" else None, "policy_version": ev.policy_version})
    order = {"failed": 0, "waived": 1, "passed": 2, "not_applicable": 3}
    sev = {"blocking": 0, "warning": 1, "info": 2}
    items.sort(key=lambda i: (order[i["result"]], sev[i["policy"].severity], i["policy"].key))
    counts = defaultdict(int)
    for item in items:
        counts[(item["policy"].severity, item["result"])] += 1
    return {"items": items, "score": weighted_score([(s, r, n) for (s, r), n in counts.items()]),
            "counts": {r: sum(n for (_, rr), n in counts.items() if rr == r) for r in RESULTS}}


def _grouped(qs, *fields, now=None) -> dict:
    """{(fields…): [(severity, effective result, count)]} over evaluations."""
    now = now or timezone.now()
    lapsed = Q(result="waived") & (Q(exception__isnull=True) | Q(exception__expires__lte=now))
    out = defaultdict(list)
    for lapsed_flag, q in ((True, lapsed), (False, ~lapsed)):
        for row in qs.filter(q).values(*fields, "result", "policy__severity").annotate(n=Count("pk")):
            result = "failed" if lapsed_flag else row["result"]
            out[tuple(row[f] for f in fields)].append((row["policy__severity"], result, row["n"]))
    return out


def _live() -> QuerySet[PolicyEvaluation]:
    return PolicyEvaluation.objects.filter(policy__enabled=True).exclude(product__status=DataProduct.Status.RETIRED)


def compliance_counts(*, now=None) -> dict:
    """{domain id (None: the mesh): {passed, failed, waived, not_applicable, score}} for the daily summary."""
    by_domain = _grouped(_live(), "product__domain_id", now=now)
    mesh = [row for rows in by_domain.values() for row in rows]
    out = {}
    for key, rows in [*(((k[0],), v) for k, v in by_domain.items()), ((None,), mesh)]:
        counts = {r: sum(n for _, rr, n in rows if rr == r) for r in RESULTS}
        out[key[0]] = {**counts, "score": weighted_score(rows)}
    return out


def domain_compliance(domain: Domain, *, now=None) -> dict:
    """Policies × products of one domain, each cell a result; per-product scores; the trend."""
    products = list(DataProduct.objects.listed().filter(domain=domain).order_by("slug"))
    policies = list(Policy.objects.filter(enabled=True).filter(Q(domain__isnull=True) | Q(domain=domain))
                    .select_related("domain").order_by("scope", "key"))
    cells = {}
    rows = (_live().filter(product__domain=domain).select_related("exception"))
    for ev in rows.only("policy_id", "product_id", "result", "message", "exception__expires"):
        cells[(ev.policy_id, ev.product_id)] = {"result": effective_result(ev, now), "message": ev.message}
    by_product = _grouped(_live().filter(product__domain=domain), "product_id", now=now)
    all_rows = [r for rows in by_product.values() for r in rows]
    return {
        "domain": domain, "policies": policies, "products": products,
        "matrix": [{"policy": p, "cells": [cells.get((p.pk, pr.pk), {"result": ""}) for pr in products]} for p in policies],
        "product_scores": {pr.identifier: weighted_score(by_product.get((pr.pk,), [])) for pr in products},
        "score": weighted_score(all_rows),
        "trend": list(ComplianceDaily.objects.filter(domain=domain).order_by("-day")[:90])[::-1],
    }


def mesh_compliance(*, now=None) -> dict:
    """Domains × policies: failing products per cell, worst domains (lowest score) first."""
    domains = {d.pk: d for d in Domain.objects.all()}
    policies = list(Policy.objects.filter(enabled=True).select_related("domain").order_by("scope", "key"))
    cells = _grouped(_live(), "product__domain_id", "policy_id", now=now)
    scores = {k[0]: weighted_score(v) for k, v in _grouped(_live(), "product__domain_id", now=now).items()}
    ordered = sorted((d for d in domains.values() if d.pk in scores),
                     key=lambda d: (scores[d.pk] if scores[d.pk] is not None else 101, d.slug))
    matrix = []
    for domain in ordered:
        row = []
        for policy in policies:
            counts = {r: sum(n for _, rr, n in cells.get((domain.pk, policy.pk), []) if rr == r) for r in RESULTS}
            applicable = counts["passed"] + counts["failed"] + counts["waived"]
            row.append({"policy": policy, "failed": counts["failed"], "waived": counts["waived"],
                        "applicable": applicable, "applies": not policy.domain_id or policy.domain_id == domain.pk})
        matrix.append({"domain": domain, "score": scores[domain.pk], "cells": row})
    policy_failures = {p.pk: sum(r["cells"][i]["failed"] for r in matrix) for i, p in enumerate(policies)}
    mesh_rows = [r for rows in _grouped(_live(), "product__domain_id", now=now).values() for r in rows]
    return {"policies": policies, "matrix": matrix, "score": weighted_score(mesh_rows),
            "policy_failures": policy_failures,
            "trend": list(ComplianceDaily.objects.filter(domain__isnull=True).order_by("-day")[:90])[::-1]}


def failing_products(*, policy: Policy, domain: Domain | None = None, now=None) -> list[PolicyEvaluation]:
    rows = _live().filter(policy=policy).select_related("product__domain", "exception")
    if domain is not None:
        rows = rows.filter(product__domain=domain)
    return [ev for ev in rows.order_by("product__identifier") if effective_result(ev, now) == "failed"]
