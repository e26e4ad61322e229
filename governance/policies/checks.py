"""The publish check governance registers with catalog: a blocking policy a published product fails refuses
the import, each error naming the policy, the path in the descriptor (file and line when known) and why."""
from __future__ import annotations

import json

from governance.policies.context import facts_read, product_contexts
from governance.policies.engine import NOUNS, Outcome, PolicySet, PolicySpec
from governance.policies.models import Policy, PolicyException
from governance.policies.prepared import Prepared
from standards.payload import CONTRACT_KIND, PRODUCT_KIND, join_path


def blocking_specs() -> list[PolicySpec]:
    policies = Policy.objects.filter(enabled=True, severity=Policy.Severity.BLOCKING).select_related("domain")
    return [PolicySpec.of(p) for p in policies]


SPEC_FIELDS = ("pk", "key", "title", "applies_to", "rule", "selector", "severity", "message", "path", "domain__slug",
               "version")
_blocking_rows = Prepared(lambda ids: Policy.objects.filter(enabled=True, severity=Policy.Severity.BLOCKING)
                          .values_list(*SPEC_FIELDS))
_blocking_sets: dict[str, tuple[PolicySet, frozenset]] = {}


def blocking_set() -> tuple[PolicySet, frozenset]:
    """The blocking policies as a compiled set and the context facts their rules read, built once per
    process for each state of those policies: one query reads them, and a set is reused only for rows
    equal in every field (a new version, an edit, a policy enabled, disabled or moved: a new set)."""
    rows = _blocking_rows()
    key = json.dumps(rows, default=str)
    found = _blocking_sets.get(key)
    if found is None:
        specs = [PolicySpec(**{name: value for name, value in zip(SPEC_FIELDS, row, strict=True)
                               if name not in ("domain__slug", "pk")}, domain=row[-2] or "", pk=row[0]) for row in rows]
        policy_set = PolicySet(specs)
        if len(_blocking_sets) > 50:
            _blocking_sets.clear()
        found = _blocking_sets[key] = (policy_set, facts_read(policy_set.reads()))
    return found


def policy_publish_check(*, products: list, documents: list, actor=None, specs: list[PolicySpec] | None = None) -> list[dict]:
    """Errors for every blocking policy a product about to be published fails (and no live exception waives)."""
    from governance.policies.dryrun import checking

    if checking.get():
        return []  # a dry run reports every policy itself
    published = [p for p in products if p.status == "published"]
    if not published:
        return []
    if specs is None:
        policy_set, facts = blocking_set()
    else:
        policy_set = PolicySet(specs)
        facts = facts_read(policy_set.reads())
    if not policy_set.policies:
        return []
    # one batch of queries for the whole import, reading only the facts the blocking rules look at
    contexts = product_contexts([p.pk for p in published], facts=facts)
    failed: list[tuple] = []
    for product in published:
        failed += [(product, o) for o in policy_set.evaluate(contexts[product.pk]) if o.result == "failed"]
    waived = _waived(failed)
    return [error for product, outcome in failed if (outcome.spec.pk, product.pk) not in waived
            for error in outcome_errors(outcome, product, documents)]


def _waived(failed: list[tuple]) -> set[tuple]:
    from django.db.models import Q
    from django.utils import timezone

    if not failed:
        return set()
    products = {p.pk: p for p, _ in failed}
    live = PolicyException.objects.filter(
        Q(product_id__in=products) | Q(domain_id__in={p.domain_id for p in products.values()}),
        expires__gt=timezone.now(), policy__waivable=True, policy_id__in={o.spec.pk for _, o in failed},
    ).values_list("policy_id", "product_id", "domain_id")
    by_product, by_domain = set(), set()
    for policy_id, product_id, domain_id in live:  # one query for every failure of the import
        if product_id is not None:
            by_product.add((policy_id, product_id))
        if domain_id is not None:
            by_domain.add((policy_id, domain_id))
    return {(o.spec.pk, p.pk) for p, o in failed
            if (o.spec.pk, p.pk) in by_product or (o.spec.pk, p.domain_id) in by_domain}


def outcome_errors(outcome: Outcome, product, documents: list) -> list[dict]:
    """One error per failing subject, placed in the document (and file, line) it came from."""
    spec = outcome.spec
    errors = []
    for failure in outcome.failures:
        kind, ref, parts = failure["where"]
        doc = _document(documents, kind, ref if kind == "contract" else product.external_id)
        if doc is None and kind == "contract":
            kind, parts = "product", ["outputPorts"]
            doc = _document(documents, "product", product.external_id)
        if spec.applies_to == "product":
            message = f"{spec.key} ({spec.severity}): {outcome.message}"
        else:
            noun = NOUNS[spec.applies_to][:-1]
            message = f"{spec.key} ({spec.severity}): {noun} `{failure['subject']}` {spec.message or 'fails “' + spec.title + '”'}"
        error = doc.error(tuple(parts), message) if doc is not None else {
            "path": join_path(kind if kind == "product" else f"contract {ref}", tuple(parts)), "message": message}
        errors.append({**error, "policy": spec.key})
    return errors


def _document(documents: list, kind: str, external_id: str):
    wanted = PRODUCT_KIND if kind == "product" else CONTRACT_KIND
    return next((d for d in documents if d.kind == wanted and d.data.get("id") == external_id), None)
