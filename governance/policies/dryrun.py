"""Policies tried without writing: descriptors checked against them (``policies_check``, the API's dry run),
and a rule tried over the catalog before it is enabled."""
from __future__ import annotations

import contextvars
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from catalog.models import DataProduct
from governance.policies.checks import outcome_errors
from governance.policies.context import product_contexts
from governance.policies.engine import Outcome, PolicySet, PolicySpec
from standards.payload import Document, documents_from_files, jsonable, label_documents

# Set while a dry run imports: the publish check stands aside, the dry run reports every policy itself.
checking = contextvars.ContextVar("governance.policies.checking", default=False)


@dataclass
class ProductCheck:
    identifier: str
    status: str
    outcomes: list[Outcome]
    errors: list[dict] = field(default_factory=list)  # of failed outcomes, placed in the descriptors

    @property
    def blocking(self) -> list[dict]:
        """What would refuse the publish: blocking failures of a product being published."""
        return [e for e in self.errors if e["severity"] == "blocking"] if self.status == "published" else []


def descriptor_files_check(*, paths: list[Path], specs: list[PolicySpec]) -> list[ProductCheck]:
    """Import the files in a transaction that is rolled back, evaluate ``specs`` on their products."""
    from catalog.descriptors.services import descriptor_files_import

    documents = documents_from_files([Path(p) for p in paths])
    return _check(lambda: descriptor_files_import(paths=paths, actor=None), documents, specs)


def descriptors_check(*, documents: list[dict], actor, specs: list[PolicySpec]) -> list[ProductCheck]:
    """The same for posted documents, imported as ``actor`` (whose permissions apply)."""
    from catalog.descriptors.services import descriptors_import

    labelled = label_documents([Document(data=jsonable(d)) for d in documents])
    return _check(lambda: descriptors_import(documents=documents, actor=actor, source="policy dry run"), labelled, specs)


def _check(run_import, documents: list[Document], specs: list[PolicySpec]) -> list[ProductCheck]:
    token = checking.set(True)
    try:
        with transaction.atomic():
            result = run_import()
            policy_set = PolicySet(specs)
            contexts = product_contexts([p.pk for p in result.products])
            checks = []
            for product in result.products:
                outcomes = policy_set.evaluate(contexts[product.pk])
                errors = [{**e, "severity": o.spec.severity} for o in outcomes if o.result == "failed"
                          for e in outcome_errors(o, product, documents)]
                checks.append(ProductCheck(product.identifier, product.status, outcomes, errors))
            transaction.set_rollback(True)
    finally:
        checking.reset(token)
    return checks


def catalog_try(*, specs: list[PolicySpec], limit: int = 20, chunk: int = 500) -> dict:
    """Evaluate ``specs`` over every listed product: counts by policy and result, and the first failures."""
    counts: dict[str, Counter] = {s.key: Counter() for s in specs}
    failures: dict[str, list[dict]] = {s.key: [] for s in specs}
    policy_set = PolicySet(specs)
    ids = list(DataProduct.objects.listed().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        for ctx in product_contexts(ids[start:start + chunk]).values():
            for outcome in policy_set.evaluate(ctx):
                counts[outcome.spec.key][outcome.result] += 1
                if outcome.result == "failed" and len(failures[outcome.spec.key]) < limit:
                    failures[outcome.spec.key].append({"product": ctx.data["product"]["identifier"],
                                                       "message": outcome.message})
    return {"products": len(ids),
            "policies": [{"key": s.key, "counts": dict(counts[s.key]), "failures": failures[s.key]} for s in specs]}
