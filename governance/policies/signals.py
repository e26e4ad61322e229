"""Policies hear catalog's change fan-out: a created, updated or profiled product is evaluated again."""
from __future__ import annotations

from django.db import transaction

from catalog import changes

# Not "scored": governance writes scores, and tells its policies itself (governance.services).
KINDS = (changes.Kind.CREATED, changes.Kind.UPDATED, changes.Kind.PROFILED)


def register_signal_handlers() -> None:
    for kind in KINDS:
        changes.SIGNALS[kind].connect(evaluate_changed_products, dispatch_uid=f"governance.policies.{kind}")


def evaluate_changed_products(sender, *, changes: tuple, **kwargs) -> None:
    from governance.policies.tasks import products_policies_task

    ids = sorted({c.product_id for c in changes})
    if ids:
        transaction.on_commit(lambda: products_policies_task.delay(ids))
